import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanExtract } from '../../../lib/convert/convert.js';
import type { ScanResult } from '../../../lib/convert/convert.js';
import { ScanClient, serveScan } from '../../../lib/convert/scan-channel.js';
import { DiscardSpool, TempFileSpool } from '../../../lib/convert/spool.js';
import type { OperationSpool } from '../../../lib/convert/spool.js';
import { openExtract } from '../../../lib/extract/index.js';
import { loadMapping } from '../../../lib/mapping/load.js';
import type { Mapping } from '../../../lib/mapping/types.js';
import { DEFAULT_BATCH_LIMITS } from '../../../lib/scim/bulk.js';
import type { SerializedOperation } from '../../../lib/scim/bulk.js';
import type { Problem } from '../../../lib/scim/problem.js';
import { writeWorkersCsv } from '../../../tools/generate/workers.js';
import { chunked } from '../extract/read.js';

// The scan split over a channel must give exactly what the one-thread scan gives. Both ends
// run here on one thread over a MessageChannel (posting clones and transfers as a worker's
// port does); the worker script itself only exists in the compiled build.

let dir: string;
let mapping: Mapping;
let csv: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hrsync-channel-'));
  // The sample mapping plus a mobile phone entry: a warning on most rows, so warnings cross the
  // channel in every batch (the sample itself no longer maps the mobile, which Entra ignores).
  const doc = JSON.parse(await readFile('samples/mapping.json', 'utf8'));
  doc.attributes.phoneNumbers.push({ type: { $literal: 'mobile' }, value: 'MobilePhone' });
  mapping = loadMapping(doc, 'samples/mapping.json');
  await writeWorkersCsv(join(dir, 'w.csv'), 1800, { seed: 7 });
  const lines = (await readFile(join(dir, 'w.csv'), 'utf8')).split('\r\n');
  const header = lines[0] as string;
  const rows = lines.slice(1, -1);
  const cut = (line: string, at: number, value: string): string =>
    line
      .split(',')
      .map((f, i) => (i === at ? value : f))
      .join(',');
  // Defects and problems spread over several batches: a ragged row, a date in no format,
  // a bad email, duplicates whose first row was valid and whose first was not, accents,
  // a quoted field over two lines.
  rows.splice(10, 0, 'E9999,Active,Employee,Too,Few');
  rows[700] = cut(rows[700] as string, 22, '31/02/2020');
  rows[900] = cut(rows[900] as string, 7, 'not an email');
  rows.push(rows[5] as string, rows[700] as string, rows[1200] as string, rows[1200] as string);
  const plain = rows.filter((r) => !r.includes('"'));
  rows.push(cut(cut(plain[300] as string, 0, 'E77777'), 18, '"Line one\r\nLine two"'));
  rows.push(cut(cut(plain[301] as string, 0, 'E88888'), 3, 'Zoë Łucja 東'));
  csv = [header, ...rows, ''].join('\r\n');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  result?: ScanResult;
  error?: Error;
  problems: Problem[];
  ops: SerializedOperation[];
}

async function oneThread(content: string, spool: OperationSpool, limit?: number, m: Mapping = mapping): Promise<Run> {
  const problems: Problem[] = [];
  const run: Run = { problems, ops: [] };
  try {
    const extract = await openExtract(chunked(content, 4096), { file: 'w.csv' });
    run.result = await scanExtract(extract, m, { spool, limit, onProblem: (p) => problems.push(p) });
  } catch (error) {
    run.error = error as Error;
  }
  for await (const op of spool.read()) run.ops.push(op);
  await spool.dispose();
  return run;
}

async function overChannel(content: string, spool: OperationSpool, limit?: number, doc: unknown = mapping.document): Promise<Run> {
  const problems: Problem[] = [];
  const run: Run = { problems, ops: [] };
  const { port1, port2 } = new MessageChannel();
  serveScan(port2);
  try {
    const extract = await openExtract(chunked(content, 4096), { file: 'w.csv' });
    const client = new ScanClient(port1);
    const scan = await client.scan(
      extract,
      { ...mapping, document: doc },
      {
        spool,
        onProblem: (p) => problems.push(p),
        limit: limit ?? Infinity,
        limits: DEFAULT_BATCH_LIMITS,
        keep: !(spool instanceof DiscardSpool),
      },
    );
    const t = scan.totals;
    run.result = {
      file: extract.file,
      format: extract.format,
      encoding: extract.encoding,
      delimiter: extract.delimiter,
      rows: scan.rows,
      valid: t.valid,
      rejected: t.rejected,
      errors: t.errors,
      warnings: t.warnings,
      duplicateIds: t.duplicateIds,
      unseenColumns: scan.unseenColumns,
      truncated: scan.truncated,
      withdrawn: new Set(t.withdrawn),
    };
  } catch (error) {
    run.error = error as Error;
  } finally {
    port1.close();
    port2.close();
  }
  for await (const op of spool.read()) run.ops.push(op);
  await spool.dispose();
  return run;
}

describe('a scan over a channel', () => {
  it('reports the same problems in the same order, counts the same and spools the same operations as on one thread', async () => {
    const a = await oneThread(csv, new TempFileSpool());
    const b = await overChannel(csv, new TempFileSpool());
    expect(a.error).toBeUndefined();
    expect(b.error).toBeUndefined();
    expect(a.result).toMatchObject({ rows: 1807, duplicateIds: 3 });
    expect(new Set(a.problems.map((p) => p.rule))).toEqual(new Set(['ragged-row', 'date-format', 'email-format', 'duplicate-externalId', 'non-work-type']));
    expect(b.problems).toEqual(a.problems);
    expect(b.result).toEqual(a.result);
    expect(b.ops.length).toBeGreaterThan(1700);
    expect(b.ops).toEqual(a.ops);
  });

  it('spools the same when a batch’s records outgrow their slot of shared memory and go in a buffer of their own', async () => {
    // An extension attribute of 3,000 characters on every row: ~190 rows a batch of ~4 KB operations, past the 512 KiB slot.
    const doc = JSON.parse(JSON.stringify(mapping.document)) as { attributes: Record<string, Record<string, unknown>> };
    (doc.attributes['urn:ietf:params:scim:schemas:extension:contoso:1.0:User'] as Record<string, unknown>).Note = { $literal: 'T'.repeat(3000) };
    const big = loadMapping(doc, 'big.json');
    const a = await oneThread(csv, new TempFileSpool(), undefined, big);
    const b = await overChannel(csv, new TempFileSpool(), undefined, doc);
    expect(a.error).toBeUndefined();
    expect(b.error).toBeUndefined();
    expect(a.ops.length).toBeGreaterThan(1700);
    expect(a.ops[0]?.json).toContain('T'.repeat(3000));
    expect(b.ops).toEqual(a.ops);
    expect(b.problems).toEqual(a.problems);
    expect(b.result).toEqual(a.result);
  });

  it('spools the same through a spool that spills to a file, and through one that only takes write()', async () => {
    const a = await oneThread(csv, new TempFileSpool());
    const b = await overChannel(csv, new TempFileSpool(8192));
    expect(b.ops).toEqual(a.ops);
    const plain: SerializedOperation[] = [];
    const c = await overChannel(csv, {
      write: (op) => void plain.push(op),
      read: async function* () {
        yield* plain;
      },
      dispose: async () => undefined,
    });
    expect(c.ops).toEqual(a.ops);
    expect(c.result).toEqual(a.result);
  });

  it('counts the same without spooling anything for a validation run', async () => {
    const a = await oneThread(csv, new DiscardSpool());
    const b = await overChannel(csv, new DiscardSpool());
    expect(b.result).toEqual(a.result);
    expect(b.problems).toEqual(a.problems);
    expect(b.ops).toEqual([]);
  });

  it('stops at the row limit', async () => {
    const a = await oneThread(csv, new TempFileSpool(), 1000);
    const b = await overChannel(csv, new TempFileSpool(), 1000);
    expect(b.result).toMatchObject({ rows: 1000, truncated: true });
    expect(b.result).toEqual(a.result);
    expect(b.problems).toEqual(a.problems);
    expect(b.ops).toEqual(a.ops);
  });

  it('reports every row before a broken quote, then the error, as on one thread', async () => {
    const lines = csv.split('\r\n');
    lines.splice(1500, 0, 'E12345,"Active,Employee,never closed');
    const broken = lines.join('\r\n');
    const a = await oneThread(broken, new TempFileSpool());
    const b = await overChannel(broken, new TempFileSpool());
    expect(a.error?.message).toMatch(/never closed|quote/);
    expect(b.error?.message).toBe(a.error?.message);
    expect(b.problems).toEqual(a.problems);
    expect(b.problems.length).toBeGreaterThan(3);
  });

  it("fails the scan with the worker side's error", async () => {
    const b = await overChannel(csv, new TempFileSpool(), undefined, { version: 2 });
    expect(b.error?.message).toMatch(/version/);
  });
});
