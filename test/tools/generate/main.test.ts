import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_WORKERS, generateSamples } from '../../../tools/generate/main.js';
import type { SampleFiles } from '../../../tools/generate/main.js';
import { WORKER_COLUMNS } from '../../../tools/generate/workers.js';

const SAMPLES = join(import.meta.dirname, '../../../samples');
let dir: string;
let out: SampleFiles;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hrsync-samples-'));
  out = await generateSamples(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Physical lines (CRLF or LF), as raw bytes. */
function lines(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== 0x0a) continue;
    out.push(bytes.subarray(start, i > start && bytes[i - 1] === 0x0d ? i - 1 : i));
    start = i + 1;
  }
  return out;
}

describe('generateSamples', () => {
  it('writes files identical to the committed samples (regenerate and commit them together)', async () => {
    for (const name of ['workers.csv', 'workers.json', 'broken.csv']) {
      const fresh = await readFile(join(dir, name));
      const committed = await readFile(join(SAMPLES, name));
      expect(committed.equals(fresh), `${name} is stale: run node dist/tools/generate/main.js`).toBe(true);
    }
  });

  it('writes workers.csv as an HR export: BOM, CRLF only, header and 400 rows', async () => {
    const bytes = await readFile(out.workersCsv);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lf = bytes.filter((b) => b === 0x0a).length;
    expect(bytes.filter((b, i) => b === 0x0a && bytes[i - 1] === 0x0d).length).toBe(lf);
    expect(lf).toBe(SAMPLE_WORKERS + 1);
    const records = parse(bytes, { bom: true }) as string[][];
    expect(records[0]).toEqual([...WORKER_COLUMNS]);
    expect(records).toHaveLength(SAMPLE_WORKERS + 1);
  });

  it('writes the same workers to workers.json, empty cells as null', async () => {
    const csv = parse(await readFile(out.workersCsv), { bom: true, columns: true }) as Record<string, string>[];
    const json = JSON.parse(await readFile(out.workersJson, 'utf8')) as Record<string, string | null>[];
    expect(json).toEqual(csv.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === '' ? null : v]))));
  });
});

describe('broken.csv', () => {
  it('has each listed row starting on its line, with its WorkerID', async () => {
    const physical = lines(await readFile(out.brokenCsv));
    for (const b of out.broken) {
      const text = physical[b.line - 1]?.toString('latin1') ?? '';
      expect(text.startsWith(`${b.workerId},`), `line ${b.line}`).toBe(true);
    }
    expect(physical).toHaveLength(out.broken.at(-1)?.line ?? 0);
  });

  it('has exactly one line that is not UTF-8, the invalid-encoding one', async () => {
    const physical = lines(await readFile(out.brokenCsv));
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const bad = physical.flatMap((l, i) => {
      try {
        decoder.decode(l);
        return [];
      } catch {
        return [i + 1];
      }
    });
    expect(bad).toEqual(out.broken.filter((b) => b.rule === 'invalid-encoding').map((b) => b.line));
  });

  it('has 24 fields on every row except the ragged ones', async () => {
    const text = (await readFile(out.brokenCsv)).toString('latin1');
    const records = parse(text, { bom: true, relax_column_count: true }) as string[][];
    const ragged = records.filter((r) => r.length !== WORKER_COLUMNS.length).map((r) => r[0]);
    expect(ragged).toEqual(out.broken.filter((b) => b.rule === 'ragged-row').map((b) => b.workerId));
  });

  it('has each kind of defect, a duplicate pair, and good rows', () => {
    const rules = out.broken.map((b) => b.rule);
    for (const r of ['externalId-required', 'email-format', 'date-format', 'ragged-row', 'userName-format', 'invalid-encoding']) {
      expect(rules).toContain(r);
    }
    const dups = out.broken.filter((b) => b.rule === 'duplicate-externalId');
    expect(dups).toHaveLength(2);
    expect(dups[0]?.workerId).toBe(dups[1]?.workerId);
    expect(rules.filter((r) => r === undefined).length).toBeGreaterThanOrEqual(5);
  });

  it('matches the line → problem table in samples/README.md', async () => {
    const readme = await readFile(join(SAMPLES, 'README.md'), 'utf8');
    const table = [...readme.matchAll(/^\| (\d+) \| (\S+) \| (\S+) \|/gm)].map((m) => ({
      line: Number(m[1]),
      workerId: m[2] === '(empty)' ? '' : m[2],
      rule: m[3] === 'accepted' ? undefined : m[3],
    }));
    expect(table).toEqual(out.broken.map((b) => ({ line: b.line, workerId: b.workerId, rule: b.rule })));
  });
});
