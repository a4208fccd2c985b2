// The Table storage ledger on Azurite: keys for any externalId, big payloads, and state changes
// that happen once however many instances race.
import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LifecycleEvent } from '../../../lib/core/lifecycle.js';
import { RunLedger, recordKey } from '../../../lib/ledger/run-ledger.js';
import { ledgerTableNames } from '../../../lib/ledger/tables.js';
import type { LedgerRecord } from '../../../lib/ledger/types.js';
import type { AzuriteInstance } from '../../../tools/azurite/start.js';
import { startAzurite } from '../../../tools/azurite/start.js';

let azurite: AzuriteInstance;
let n = 0;
beforeAll(async () => {
  azurite = await startAzurite();
}, 60_000);
afterAll(async () => {
  await azurite.stop();
});

function ledger(): { ledger: RunLedger; table: (name: string) => TableClient; names: ReturnType<typeof ledgerTableNames> } {
  const names = ledgerTableNames(`l${++n}`);
  const table = (name: string): TableClient => TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true });
  return { ledger: new RunLedger(names, table), table, names };
}
const record = (externalId: string, payload = '{"op":1}') => ({ externalId, line: 2, payload, payloadHash: 'h' });
const RUN = { file: 'c/f.csv', etag: 'e', startedAt: '2026-11-23T00:00:00Z', source: 'default', kind: 'full' as const };
const confirmed = (at: string): LifecycleEvent => ({ type: 'logged', outcome: { status: 'success', action: 'create', at: Date.parse(at) }, now: Date.parse(at) });

describe('RunLedger', () => {
  it('writes on a version it was handed without reading again, and re-reads when that version is stale', async () => {
    const names = ledgerTableNames(`l${++n}`);
    let reads = 0;
    const table = (name: string): TableClient => {
      const client = TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true });
      const get = client.getEntity.bind(client);
      client.getEntity = ((...args: Parameters<typeof get>) => {
        reads++;
        return get(...args);
      }) as typeof client.getEntity;
      return client;
    };
    const l = new RunLedger(names, table);
    await l.beginRun({ ...RUN, runId: 'r1' });
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
    expect(await l.transition('r1', 'A', confirmed('2026-11-23T00:02:00Z'), { seen: after.get('A') as LedgerRecord })).toMatchObject({ to: 'confirmed' });
    expect(reads).toBe(0);
    // What the person record keeps comes from the version handed in, not from a read.
    expect(await l.getPerson('A')).toMatchObject({ externalId: 'A', lastConfirmedHash: 'h', lastRunId: 'r1', lastConfirmedAt: '2026-11-23T00:02:00.000Z' });
    // Handed the same, now stale, version again: it reads, sees the record final, and changes nothing.
    expect(
      await l.transition('r1', 'A', { type: 'poisoned', code: 'X', reason: 'late', at: Date.parse('2026-11-23T00:03:00Z') }, { seen: after.get('A') as LedgerRecord }),
    ).toBeUndefined();
    expect((await l.getRecords('r1', ['A'])).get('A')).toMatchObject({ state: 'confirmed' });
  });

  it('lists open records as a reconcile pass needs them: submitted ones whole, queued ones without payload or version', async () => {
    const { ledger: l } = ledger();
    await l.beginRun({ ...RUN, runId: 'r1' });
    const big = JSON.stringify({ data: { note: 'x'.repeat(70_000) } });
    await l.addRecords('r1', [record('Q', big), record('S', big), record('C')]);
    await l.markSubmitted('r1', ['S', 'C'], { requestId: 'q1', at: '2026-11-23T00:01:00Z' });
    await l.transition('r1', 'C', confirmed('2026-11-23T00:02:00Z'));
    const open = new Map<string, LedgerRecord>();
    for await (const r of l.listOpenRecords('r1')) open.set(r.externalId, r);
    expect([...open.keys()].sort()).toEqual(['Q', 'S']);
    expect(open.get('S')).toMatchObject({ state: 'submitted', payload: big, lastRequestId: 'q1' });
    expect(open.get('S')?.version).toMatch(/\S/);
    // Everything but the payload: the heal step and the counts need no more, and read one again to send it.
    expect(open.get('Q')).toMatchObject({ state: 'queued', attempts: 0, line: 2, payload: '', payloadHash: 'h', enqueued: false });
    expect(open.get('Q')?.version).toBeUndefined();
    // Handed to a change, it is read again: People learn the whole payload.
    await l.markSubmitted('r1', ['Q'], { requestId: 'q2', at: '2026-11-23T00:03:00Z' }, new Map([['Q', open.get('Q') as LedgerRecord]]));
    await l.transition('r1', 'Q', confirmed('2026-11-23T00:04:00Z'));
    expect((await l.getPerson('Q', { payload: true }))?.payload).toBe(big);
  });

  it('lists a record upload moves from queued to submitted between the two lists once, as submitted', async () => {
    const names = ledgerTableNames(`l${++n}`);
    const plain = new RunLedger(names, (name) => TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true }));
    let between: (() => Promise<void>) | undefined;
    const table = (name: string): TableClient => {
      const client = TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true });
      if (name !== names.records) return client;
      const list = client.listEntities.bind(client);
      client.listEntities = ((...args: Parameters<typeof list>) => {
        const inner = list(...args);
        const hook = between;
        between = undefined;
        // Whichever list goes first, the move happens once it is read to its end.
        return Object.assign(Object.create(inner) as typeof inner, {
          async *[Symbol.asyncIterator]() {
            for await (const e of inner) yield e;
            await hook?.();
          },
        });
      }) as typeof client.listEntities;
      return client;
    };
    const l = new RunLedger(names, table);
    await l.beginRun({ ...RUN, runId: 'r1' });
    await l.addRecords('r1', [record('Q'), record('S')]);
    await l.markSubmitted('r1', ['S'], { requestId: 'q0', at: '2026-11-23T00:01:00Z' });
    between = () => plain.markSubmitted('r1', ['Q'], { requestId: 'q1', at: '2026-11-23T00:02:00Z' });
    const listed: LedgerRecord[] = [];
    for await (const r of l.listOpenRecords('r1')) listed.push(r);
    expect(listed.map((r) => [r.externalId, r.state, r.payload]).sort()).toEqual([
      ['Q', 'submitted', '{"op":1}'],
      ['S', 'submitted', '{"op":1}'],
    ]);
  });

  it("creates a pass's new people in one transaction per People partition, and reads none of the development layout's", async () => {
    const names = ledgerTableNames(`l${++n}`);
    const calls = { transactions: 0, single: 0 };
    const table = (name: string): TableClient => {
      const client = TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true });
      if (name !== names.people) return client;
      const submit = client.submitTransaction.bind(client);
      const create = client.createEntity.bind(client);
      client.submitTransaction = ((...args: Parameters<typeof submit>) => {
        calls.transactions++;
        return submit(...args);
      }) as typeof client.submitTransaction;
      client.createEntity = ((...args: Parameters<typeof create>) => {
        calls.single++;
        return create(...args);
      }) as typeof client.createEntity;
      return client;
    };
    const l = new RunLedger(names, table);
    await l.beginRun({ ...RUN, runId: 'r1' });
    const ids = Array.from({ length: 300 }, (_, i) => `W${i}`);
    await l.addRecords(
      'r1',
      ids.map((id) => record(id)),
    );
    await l.markSubmitted('r1', ids, { requestId: 'q1', at: '2026-11-23T00:00:01Z' });
    const seen = await l.getRecords('r1', ids);
    const done = await l.transitionAll(
      'r1',
      ids.map((id) => ({ seen: seen.get(id) as LedgerRecord, event: confirmed('2026-11-23T00:00:02Z') })),
    );
    expect([...done.values()].every((t) => t?.to === 'confirmed')).toBe(true);
    // 300 people over 16 partitions: 16 transactions (with 256 partitions it was ~180 transactions and singles).
    expect(calls).toEqual({ transactions: 16, single: 0 });

    // A person as a development build kept them, in one of 256 two-digit partitions: not listed, not found.
    await table(names.people).createEntity({
      partitionKey: '3a',
      rowKey: recordKey('OLD'),
      externalId: 'OLD',
      lastConfirmedHash: 'h',
      lastConfirmedAt: RUN.startedAt,
      source: 'default',
    });
    const listed: string[] = [];
    for await (const p of l.listPeople()) listed.push(p.externalId);
    expect(listed.sort()).toEqual([...ids].sort());
    expect(await l.getPerson('OLD')).toBeUndefined();
    expect(await l.getPerson('W7')).toMatchObject({ externalId: 'W7', lastRunId: 'r1' });
  });

  it('stores records under any externalId, and payloads longer than one table property', async () => {
    const { ledger: l } = ledger();
    await l.beginRun({ ...RUN, runId: 'r1' });
    const awkward = ['a/b', 'c#d', 'e?f', 'g\\h', '100%', 'Zoë Ørsted', 'x'.repeat(200), 'tab\there'];
    const big = JSON.stringify({ data: 'y'.repeat(70_000) });
    expect((await l.addRecords('r1', [...awkward.map((id) => record(id)), record('BIG', big)])).sort()).toEqual([...awkward, 'BIG'].sort());
    const got = await l.getRecords('r1', [...awkward, 'BIG']);
    expect([...got.keys()].sort()).toEqual([...awkward, 'BIG'].sort());
    expect(got.get('BIG')?.payload).toBe(big);
    expect(recordKey('a/b#?')).toMatch(/^R\|[A-Za-z0-9_-]+$/);
  });

  it('tells the version of each record it created, under any externalId, and none of one that existed', async () => {
    const { ledger: l } = ledger();
    await l.beginRun({ ...RUN, runId: 'r1' });
    const awkward = ['a/b', 'c#d', "o'neil", '100%', 'Zoë Ørsted', 'x'.repeat(200)];
    await l.addRecords('r1', [record('OLD')]);
    const versions = new Map<string, string>();
    // OLD exists: its partition's transaction fails whole and the rest of it goes one by one.
    await l.addRecords('r1', [...awkward.map((id) => record(id)), record('OLD'), record('NEW')], { sending: true, versions });
    const got = await l.getRecords('r1', [...awkward, 'OLD', 'NEW']);
    expect([...versions.keys()].sort()).toEqual([...awkward, 'NEW'].sort());
    for (const [id, version] of versions) expect(version).toBe(got.get(id)?.version);
  });

  it('adds nothing twice when ingest is retried, and asks only for messages not yet sent', async () => {
    const { ledger: l } = ledger();
    await l.beginRun({ ...RUN, runId: 'r1' });
    await l.addRecords('r1', [record('A'), record('B')]);
    await l.markEnqueued('r1', ['A']);
    await l.markSubmitted('r1', ['A'], { requestId: 'q1', at: '2026-11-23T00:00:01Z' });
    expect(await l.addRecords('r1', [record('A'), record('B'), record('C')])).toEqual(['B', 'C']);
    expect((await l.getRecords('r1', ['A'])).get('A')).toMatchObject({ state: 'submitted', attempts: 1 });
  });

  it('counts one request once, and confirms a record once however many race to do it', async () => {
    const { ledger: l, table, names } = ledger();
    await l.beginRun({ ...RUN, runId: 'r1' });
    await l.addRecords('r1', [record('A', '{"data":{"active":true}}')]);
    await l.markSubmitted('r1', ['A'], { requestId: 'q1', at: '2026-11-23T00:00:01Z' });
    await l.markSubmitted('r1', ['A'], { requestId: 'q1', at: '2026-11-23T00:00:01Z' });
    expect((await l.getRecords('r1', ['A'])).get('A')?.attempts).toBe(1);
    const results = await Promise.all(Array.from({ length: 6 }, () => l.transition('r1', 'A', confirmed('2026-11-23T00:00:02Z'))));
    expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    expect((await l.countByState('r1')).confirmed).toBe(1);
    const people = [];
    for await (const p of table(names.people).listEntities()) people.push(p);
    expect(people).toEqual([expect.objectContaining({ externalId: 'A', lastConfirmedHash: 'h', lastRunId: 'r1', active: true })]);
  });

  it('completes a run once, and moves the checkpoint only forward', async () => {
    const { ledger: l } = ledger();
    await l.beginRun({ ...RUN, runId: 'r1' });
    expect(await l.completeRun('r1', 'x')).toBe(false);
    await l.finishIngest('r1', { rows: 0, valid: 0, rejected: 0, at: RUN.startedAt });
    const done = await Promise.all([l.completeRun('r1', 'a'), l.completeRun('r1', 'b')]);
    expect(done.filter(Boolean)).toHaveLength(1);
    expect(await l.listOpenRuns()).toEqual([]);
    await Promise.all(['2026-11-23T00:00:03Z', '2026-11-23T00:00:09Z', '2026-11-23T00:00:05Z'].map((at) => l.setCheckpoint(at)));
    expect(await l.getCheckpoint()).toBe('2026-11-23T00:00:09Z');
  });

  it('stores each rejected-row problem once, and reopens a dead-lettered record for replay', async () => {
    const { ledger: l } = ledger();
    await l.beginRun({ ...RUN, runId: 'r1' });
    const row = { line: 7, externalId: 'E7', rule: 'email-format', message: 'not an email', column: 'Email' };
    await l.addRejected('r1', [row, row]);
    await l.addRejected('r1', [row]);
    const rows = [];
    for await (const r of l.listRejected('r1')) rows.push(r);
    expect(rows).toEqual([row]);
    await l.addRecords('r1', [record('A')]);
    await l.transition('r1', 'A', { type: 'poisoned', code: 'Forbidden', reason: 'poisoned', at: Date.parse(RUN.startedAt) });
    expect(await l.transition('r1', 'A', { type: 'replayed' })).toMatchObject({ to: 'queued' });
    expect((await l.getRecords('r1', ['A'])).get('A')).toMatchObject({ state: 'queued', enqueued: false });
  });

  it('holds a run, and decides it once: approved sends it, discarded or superseded ends it', async () => {
    const { ledger: l } = ledger();
    for (const runId of ['h1', 'h2']) {
      await l.beginRun({ ...RUN, runId });
      await l.addRecords(runId, [
        { ...record('A'), state: 'held' },
        { ...record('U'), state: 'unchanged' },
      ]);
      await l.finishIngest(runId, { rows: 2, valid: 2, rejected: 0, at: RUN.startedAt, held: [{ threshold: 'maxDisables', limit: 25, actual: 30, message: '30 disables' }] });
    }
    expect(await l.getRun('h1')).toMatchObject({ state: 'held', held: [{ threshold: 'maxDisables', limit: 25, actual: 30 }] });
    expect(await l.listOpenRuns()).toEqual([]);
    expect(await Promise.all([l.decideHeld('h1', { kind: 'approved', at: 'a', by: 'ops' }), l.decideHeld('h1', { kind: 'discarded', at: 'b' })])).toContain(false);
    await l.decideHeld('h2', { kind: 'superseded', at: 'c', by: 'r9' });
    expect(await l.getRun('h2')).toMatchObject({ state: 'superseded', endedAt: 'c', decision: { kind: 'superseded', by: 'r9' } });
    expect(await l.decideHeld('h2', { kind: 'approved', at: 'd' })).toBe(false);
    expect(await l.countByState('h2')).toMatchObject({ held: 1, unchanged: 1 });
  });

  it('keeps per-source state, clearing a field only while it still holds what was read', async () => {
    const { ledger: l } = ledger();
    expect(await l.getSourceState('hr')).toBeUndefined();
    await l.setSourceState('hr', { lastRunId: 'r1', lastRows: 100, kind: 'full', resendRequestedAt: 'T1' });
    await l.setSourceState('hr', { resendRequestedAt: '' }, { resendRequestedAt: 'T0' });
    expect(await l.getSourceState('hr')).toEqual({ source: 'hr', lastRunId: 'r1', lastRows: 100, kind: 'full', resendRequestedAt: 'T1' });
    await l.setSourceState('hr', { resendRequestedAt: '' }, { resendRequestedAt: 'T1' });
    expect((await l.getSourceState('hr'))?.resendRequestedAt).toBeUndefined();
  });

  it('counts each request of a run once, and moves people between sources', async () => {
    const { ledger: l } = ledger();
    await l.beginRun({ ...RUN, runId: 'r1', source: 'contractors' });
    for (const status of ['throttled', 'accepted']) await l.noteRequest('r1', { requestId: 'q1', at: 't', operations: 50, status });
    await l.noteRequest('r1', { requestId: 'q2', at: 't', operations: 3, status: 'accepted' });
    const requests = [];
    for await (const q of l.listRequests('r1')) requests.push(q);
    expect(requests).toEqual([
      { requestId: 'q1', at: 't', operations: 50, status: 'accepted' },
      { requestId: 'q2', at: 't', operations: 3, status: 'accepted' },
    ]);
    await l.addRecords('r1', [{ ...record('P', '{"data":{"externalId":"P","active":true}}'), source: 'contractors' }]);
    await l.markSubmitted('r1', ['P'], { requestId: 'q2', at: RUN.startedAt });
    await l.transition('r1', 'P', confirmed('2026-11-23T00:00:05Z'));
    await l.markAlsoIn('P', 'hr');
    expect(await l.getPerson('P')).toMatchObject({ source: 'contractors', alsoIn: 'hr', lastConfirmedHash: 'h' });
    await l.handOver('P', 'hr');
    const p = await l.getPerson('P');
    expect(p).toMatchObject({ source: 'hr', lastConfirmedHash: '' });
    expect(p?.alsoIn).toBeUndefined();
    const listed = [];
    for await (const x of l.listPeople()) listed.push(x);
    expect(listed).toEqual([expect.objectContaining({ externalId: 'P', source: 'hr' })]);
    expect(listed[0]?.payload).toBeUndefined();
  });
});
