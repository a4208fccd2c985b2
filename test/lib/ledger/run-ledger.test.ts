// The Table storage ledger on Azurite: keys for any externalId, big payloads, and state changes
// that happen once however many instances race.
import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunLedger, recordKey } from '../../../lib/ledger/run-ledger.js';
import { ledgerTableNames } from '../../../lib/ledger/tables.js';
import type { AzuriteInstance } from '../../../tools/azurite/start.js';
import { startAzurite } from '../../../tools/azurite/start.js';

let azurite: AzuriteInstance;
let n = 0;
beforeAll(async () => { azurite = await startAzurite(); }, 60_000);
afterAll(async () => { await azurite.stop(); });

function ledger(): { ledger: RunLedger; table: (name: string) => TableClient; names: ReturnType<typeof ledgerTableNames> } {
  const names = ledgerTableNames(`l${++n}`);
  const table = (name: string): TableClient => TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true });
  return { ledger: new RunLedger(names, table), table, names };
}
const record = (externalId: string, payload = '{"op":1}') => ({ externalId, line: 2, payload, payloadHash: 'h' });

describe('RunLedger', () => {
  it('writes on a version it was handed without reading again, and re-reads when that version is stale', async () => {
    const names = ledgerTableNames(`l${++n}`);
    let reads = 0;
    const table = (name: string): TableClient => {
      const client = TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true });
      const get = client.getEntity.bind(client);
      client.getEntity = ((...args: Parameters<typeof get>) => { reads++; return get(...args); }) as typeof client.getEntity;
      return client;
    };
    const l = new RunLedger(names, table);
    await l.beginRun({ runId: 'r1', file: 'c/f.csv', etag: 'e', startedAt: '2026-11-23T00:00:00Z' });
    await l.addRecords('r1', [record('A'), record('B')]);
    const seen = await l.getRecords('r1', ['A', 'B']);
    expect(seen.get('A')?.version).toMatch(/\S/);
    // B moves on after it was read: its version in `seen` is stale.
    await l.noteFailure('r1', ['B'], { errorCode: 'X', reason: 'y' });
    reads = 0;
    await l.markSubmitted('r1', ['A', 'B'], { requestId: 'q1', at: '2026-11-23T00:01:00Z' }, seen);
    expect(reads).toBe(1); // B only, after its conditional write was refused
    const after = await l.getRecords('r1', ['A', 'B']);
    expect(after.get('A')).toMatchObject({ state: 'submitted', attempts: 1, lastRequestId: 'q1' });
    expect(after.get('B')).toMatchObject({ state: 'submitted', attempts: 1, lastRequestId: 'q1', lastErrorCode: 'X' });
    reads = 0;
    expect(await l.finish('r1', 'A', { state: 'confirmed', at: '2026-11-23T00:02:00Z' }, after.get('A'))).toBe(true);
    expect(reads).toBe(0);
    // What the person record keeps comes from the version handed in, not from a read.
    expect(await l.getPerson('A')).toMatchObject({ externalId: 'A', lastConfirmedHash: 'h', lastRunId: 'r1', lastConfirmedAt: '2026-11-23T00:02:00Z' });
    // Handed the same, now stale, version again: it reads, sees the record final, and changes nothing.
    expect(await l.finish('r1', 'A', { state: 'dead-lettered', at: '2026-11-23T00:03:00Z' }, after.get('A'))).toBe(false);
    expect((await l.getRecords('r1', ['A'])).get('A')).toMatchObject({ state: 'confirmed' });
  });

  it('stores records under any externalId, and payloads longer than one table property', async () => {
    const { ledger: l } = ledger();
    await l.beginRun({ runId: 'r1', file: 'c/f.csv', etag: 'e', startedAt: '2026-11-23T00:00:00Z' });
    const awkward = ['a/b', 'c#d', 'e?f', 'g\\h', '100%', 'Zoë Ørsted', 'x'.repeat(200), 'tab\there'];
    const big = JSON.stringify({ data: 'y'.repeat(70_000) });
    expect((await l.addRecords('r1', [...awkward.map((id) => record(id)), record('BIG', big)])).sort()).toEqual([...awkward, 'BIG'].sort());
    const got = await l.getRecords('r1', [...awkward, 'BIG']);
    expect([...got.keys()].sort()).toEqual([...awkward, 'BIG'].sort());
    expect(got.get('BIG')?.payload).toBe(big);
    expect(recordKey('a/b#?')).toMatch(/^R\|[A-Za-z0-9_-]+$/);
  });

  it('adds nothing twice when ingest is retried, and asks only for messages not yet sent', async () => {
    const { ledger: l } = ledger();
    await l.beginRun({ runId: 'r1', file: 'f', etag: 'e', startedAt: 't' });
    await l.addRecords('r1', [record('A'), record('B')]);
    await l.markEnqueued('r1', ['A']);
    await l.markSubmitted('r1', ['A'], { requestId: 'q1', at: '2026-11-23T00:00:01Z' });
    expect(await l.addRecords('r1', [record('A'), record('B'), record('C')])).toEqual(['B', 'C']);
    expect((await l.getRecords('r1', ['A'])).get('A')).toMatchObject({ state: 'submitted', attempts: 1 });
  });

  it('counts one request once, and confirms a record once however many race to do it', async () => {
    const { ledger: l, table, names } = ledger();
    await l.beginRun({ runId: 'r1', file: 'f', etag: 'e', startedAt: 't' });
    await l.addRecords('r1', [record('A', '{"data":{"active":true}}')]);
    await l.markSubmitted('r1', ['A'], { requestId: 'q1', at: 't1' });
    await l.markSubmitted('r1', ['A'], { requestId: 'q1', at: 't1' });
    expect((await l.getRecords('r1', ['A'])).get('A')?.attempts).toBe(1);
    const results = await Promise.all(Array.from({ length: 6 }, () => l.finish('r1', 'A', { state: 'confirmed', at: 't2' })));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect((await l.countByState('r1')).confirmed).toBe(1);
    const people = [];
    for await (const p of table(names.people).listEntities()) people.push(p);
    expect(people).toEqual([expect.objectContaining({ externalId: 'A', lastConfirmedHash: 'h', lastRunId: 'r1', active: true })]);
  });

  it('completes a run once, and moves the checkpoint only forward', async () => {
    const { ledger: l } = ledger();
    await l.beginRun({ runId: 'r1', file: 'f', etag: 'e', startedAt: 't' });
    expect(await l.completeRun('r1', 'x')).toBe(false);
    await l.finishIngest('r1', { rows: 0, valid: 0, rejected: 0, at: 't' });
    const done = await Promise.all([l.completeRun('r1', 'a'), l.completeRun('r1', 'b')]);
    expect(done.filter(Boolean)).toHaveLength(1);
    expect(await l.listOpenRuns()).toEqual([]);
    await Promise.all(['2026-11-23T00:00:03Z', '2026-11-23T00:00:09Z', '2026-11-23T00:00:05Z'].map((at) => l.setCheckpoint(at)));
    expect(await l.getCheckpoint()).toBe('2026-11-23T00:00:09Z');
  });

  it('stores each rejected-row problem once, and reopens a dead-lettered record for replay', async () => {
    const { ledger: l } = ledger();
    await l.beginRun({ runId: 'r1', file: 'f', etag: 'e', startedAt: 't' });
    const row = { line: 7, externalId: 'E7', rule: 'email-format', message: 'not an email', column: 'Email' };
    await l.addRejected('r1', [row, row]);
    await l.addRejected('r1', [row]);
    const rows = [];
    for await (const r of l.listRejected('r1')) rows.push(r);
    expect(rows).toEqual([row]);
    await l.addRecords('r1', [record('A')]);
    await l.finish('r1', 'A', { state: 'dead-lettered', at: 't', reason: 'poisoned' });
    expect((await l.reopen('r1', 'A'))?.state).toBe('queued');
  });
});
