import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { batchSpool } from '../../../lib/convert/convert.js';
import { TempFileSpool } from '../../../lib/convert/spool.js';
import { recordBound, writeRecord } from '../../../lib/convert/spool-records.js';
import type { OperationSpool } from '../../../lib/convert/spool.js';
import { BulkBatcher } from '../../../lib/scim/bulk.js';
import type { BatchLimits, BulkBatch, SerializedOperation } from '../../../lib/scim/bulk.js';

// Operations of varied size and script: tabs, newlines, quotes, accents, CJK and an emoji
// (a surrogate pair, 4 bytes in UTF-8) in both the externalId and the JSON.
function ops(n: number, big?: { at: number; chars: number }): SerializedOperation[] {
  const words = ['plain', 'tab\there', 'line\nbreak', 'quote"d', 'Ærøskøbing', '東京都', 'smile 😀'];
  return Array.from({ length: n }, (_, i) => {
    const externalId = `E${i}${i % 7 === 3 ? '\t😀' : ''}`;
    const note = big?.at === i ? 'ß'.repeat(big.chars) : (words[i % words.length] as string).repeat(1 + (i % 13));
    return { externalId, line: i + 2, json: JSON.stringify({ method: 'POST', bulkId: externalId, data: { externalId, note } }) };
  });
}

// Operations as one run of spool records, as the scan worker posts them.
function recordsOf(list: readonly SerializedOperation[]): Buffer {
  const bytes = Buffer.alloc(list.reduce((n, op) => n + recordBound(op), 0));
  let at = 0;
  for (const op of list) at = writeRecord(bytes, at, op);
  return bytes.subarray(0, at);
}

async function readAll(spool: OperationSpool): Promise<SerializedOperation[]> {
  const back: SerializedOperation[] = [];
  for await (const op of spool.read()) back.push(op);
  return back;
}

async function spoolOf(list: readonly SerializedOperation[], memoryBytes?: number): Promise<TempFileSpool> {
  const spool = new TempFileSpool(memoryBytes);
  for (const op of list) await spool.write(op);
  return spool;
}

// The same operations batched the plain way, one string per operation.
function reference(list: readonly SerializedOperation[], withdrawn: ReadonlySet<string>, limits?: BatchLimits): BulkBatch[] {
  const batcher = new BulkBatcher(limits);
  const out: BulkBatch[] = [];
  for (const op of list) {
    if (withdrawn.has(op.externalId)) continue;
    const b = batcher.add(op);
    if (b) out.push(b);
  }
  const last = batcher.flush();
  if (last) out.push(last);
  return out;
}

async function batched(spool: OperationSpool, withdrawn: ReadonlySet<string>, limits?: BatchLimits): Promise<BulkBatch[]> {
  const out: BulkBatch[] = [];
  for await (const b of batchSpool(spool, withdrawn, limits)) out.push(b);
  return out;
}

// The spool's temporary folder, if it has one (a private field: no API needs it).
function dirOf(spool: TempFileSpool): string | undefined {
  return (spool as unknown as { dir?: string }).dir;
}

describe('TempFileSpool', () => {
  it('reads back every operation byte for byte, in order, from memory', async () => {
    const list = ops(300);
    const spool = await spoolOf(list);
    expect(dirOf(spool)).toBeUndefined();
    expect(await readAll(spool)).toEqual(list);
    // A second read gives the same again.
    expect(await readAll(spool)).toEqual(list);
    await spool.dispose();
  });

  it('spills past its budget and reads back the same from the file, records cut by read boundaries included', async () => {
    const list = ops(5000);
    const spool = await spoolOf(list, 4096);
    const dir = dirOf(spool) as string;
    expect(await readdir(dir)).toEqual(['ops.bin']);
    expect(await readAll(spool)).toEqual(list);
    await spool.dispose();
    await expect(readdir(dir)).rejects.toThrow(/ENOENT/);
  });

  it('keeps a record larger than a block, in memory and in the file', async () => {
    const list = ops(40, { at: 17, chars: 50_000 });
    for (const memory of [undefined, 4096]) {
      const spool = await spoolOf(list, memory);
      expect(await readAll(spool)).toEqual(list);
      await spool.dispose();
    }
  });

  it('takes writes that are not awaited one by one, and keeps their order', async () => {
    const list = ops(3000);
    const spool = new TempFileSpool(4096);
    await Promise.all(list.map((op) => spool.write(op)));
    expect(await readAll(spool)).toEqual(list);
    await spool.dispose();
  });

  it('appends records given as bytes exactly as the same operations written one by one, across blocks, past its budget and around a record larger than a block', async () => {
    const list = ops(900, { at: 450, chars: 20_000 });
    for (const memory of [undefined, 4096]) {
      const byOne = await spoolOf(list, memory);
      const byBytes = new TempFileSpool(memory);
      // Groups of varied size, as a worker's batches come: 1, 2, … 12 records at a time.
      for (let i = 0, n = 1; i < list.length; i += n, n = (n % 12) + 1) await byBytes.writeRecords(recordsOf(list.slice(i, i + n)));
      expect(await readAll(byBytes)).toEqual(list);
      expect(await batched(byBytes, new Set())).toEqual(await batched(byOne, new Set()));
      await Promise.all([byOne.dispose(), byBytes.dispose()]);
    }
  });

  it('refuses bytes that end inside a record, keeping the whole records before it', async () => {
    const list = ops(3);
    const bytes = recordsOf(list);
    const spool = new TempFileSpool();
    expect(() => spool.writeRecords(bytes.subarray(0, bytes.length - 1))).toThrow(/cut short/);
    expect(await readAll(spool)).toEqual(list.slice(0, 2));
    await spool.dispose();
  });

  it('reads back nothing when nothing was written', async () => {
    const spool = new TempFileSpool();
    expect(await readAll(spool)).toEqual([]);
    expect(await batched(spool, new Set())).toEqual([]);
    await spool.dispose();
  });
});

describe('batchSpool over a TempFileSpool', () => {
  it('builds the very requests the operation-by-operation batcher builds', async () => {
    const list = ops(2000, { at: 999, chars: 3000 });
    for (const memory of [undefined, 4096]) {
      for (const limits of [undefined, { maxOperations: 7, maxBytes: 4096 }, { maxOperations: 50, maxBytes: 9000 }]) {
        const spool = await spoolOf(list, memory);
        const got = await batched(spool, new Set(), limits);
        expect(got).toEqual(reference(list, new Set(), limits));
        for (const b of got) expect(b.bytes).toBe(Buffer.byteLength(b.body));
        await spool.dispose();
      }
    }
  });

  it('leaves out a withdrawn id in the middle of a request, and the requests after it close up', async () => {
    const list = ops(180);
    const withdrawn = new Set([(list[75] as SerializedOperation).externalId, (list[3] as SerializedOperation).externalId]);
    const spool = await spoolOf(list, 4096);
    const got = await batched(spool, withdrawn);
    expect(got).toEqual(reference(list, withdrawn));
    expect(got.map((b) => b.externalIds.length)).toEqual([50, 50, 50, 28]);
    const ids = got.flatMap((b) => b.externalIds);
    expect(ids).not.toContain(list[75]?.externalId);
    expect(ids).not.toContain(list[3]?.externalId);
    expect(got[1]?.lines[0]).toBe(list[51]?.line);
    await spool.dispose();
  });
});
