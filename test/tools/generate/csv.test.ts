import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvField, csvLine, writeChunked } from '../../../tools/generate/csv.js';
import { WORKER_COLUMNS, generateWorkers, toJsonRecord, writeWorkersCsv, writeWorkersJson, writeWorkersNdjson } from '../../../tools/generate/workers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hrsync-generate-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function countLines(path: string): Promise<number> {
  let n = 0;
  for await (const chunk of createReadStream(path)) {
    for (const b of chunk as Buffer) if (b === 0x0a) n++;
  }
  return n;
}

describe('csvField', () => {
  it('quotes only fields holding the delimiter, a quote, CR or LF', () => {
    expect(csvField("O'Brien")).toBe("O'Brien");
    expect(csvField('  padded ')).toBe('  padded ');
    expect(csvField('Flat 2, 10 High Street')).toBe('"Flat 2, 10 High Street"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\ronly')).toBe('"cr\ronly"');
    expect(csvField('a,b', ';')).toBe('a,b');
    expect(csvField('a;b', ';')).toBe('"a;b"');
    expect(csvLine(['a', 'b,c', ''])).toBe('a,"b,c",');
  });
});

describe('writeWorkersCsv', () => {
  it('round-trips through csv-parse: header, BOM, CRLF and every field as generated', async () => {
    const path = join(dir, 'roundtrip.csv');
    await writeWorkersCsv(path, 500, { seed: 3, bom: true });
    const bytes = await readFile(path);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.toString('utf8')).not.toMatch(/[^\r]\n/);
    const records = parse(bytes, { bom: true }) as string[][];
    expect(records[0]).toEqual([...WORKER_COLUMNS]);
    expect(records.slice(1)).toEqual([...generateWorkers(500, 3)].map((r) => WORKER_COLUMNS.map((c) => r[c])));
  });

  it('writes another delimiter, LF endings and no BOM when asked', async () => {
    const path = join(dir, 'semicolon.csv');
    await writeWorkersCsv(path, 200, { seed: 3, delimiter: ';', eol: '\n' });
    const text = await readFile(path, 'utf8');
    expect(text.charCodeAt(0)).not.toBe(0xfeff);
    expect(text).not.toContain('\r');
    expect(text.split('\n')[0]).toBe(WORKER_COLUMNS.join(';'));
    const records = parse(text, { delimiter: ';' }) as string[][];
    expect(records.slice(1)).toEqual([...generateWorkers(200, 3)].map((r) => WORKER_COLUMNS.map((c) => r[c])));
  });

  it('streams 100,000 rows to disk: a header and one line per row', async () => {
    const path = join(dir, 'big.csv');
    await writeWorkersCsv(path, 100_000);
    expect(await countLines(path)).toBe(100_001);
  });

  it('rejects, rather than hangs, when the file cannot be created', async () => {
    await expect(writeWorkersCsv(join(dir, 'missing', 'x.csv'), 10_000)).rejects.toThrow(/ENOENT/);
    await expect(writeChunked(join(dir, 'missing', 'y.csv'), ['a'])).rejects.toThrow(/ENOENT/);
  });
});

describe('writeWorkersJson / writeWorkersNdjson', () => {
  it('writes a pretty-printed JSON array identical to JSON.stringify, empty cells as null', async () => {
    const path = join(dir, 'workers.json');
    await writeWorkersJson(path, 120, { seed: 9 });
    const rows = [...generateWorkers(120, 9)].map(toJsonRecord);
    expect(await readFile(path, 'utf8')).toBe(`${JSON.stringify(rows, null, 2)}\n`);
    expect(rows.some((r) => r.MiddleName === null)).toBe(true);
  });

  it('writes an empty array for no rows', async () => {
    const path = join(dir, 'empty.json');
    await writeWorkersJson(path, 0);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual([]);
  });

  it('writes one object per line', async () => {
    const path = join(dir, 'workers.ndjson');
    await writeWorkersNdjson(path, 50, { seed: 9 });
    const lines = (await readFile(path, 'utf8')).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual([...generateWorkers(50, 9)].map(toJsonRecord));
  });
});
