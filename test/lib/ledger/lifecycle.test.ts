// The ledger's record lifecycle on Azurite: every state change once, whatever crashes, retries
// and racing instances do in between.
import { TableClient, TableServiceClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LifecycleEvent } from '../../../lib/core/lifecycle.js';
import { emptyCounts } from '../../../lib/core/lifecycle.js';
import { RunLedger, recordKey } from '../../../lib/ledger/run-ledger.js';
import { recordPartition } from '../../../lib/ledger/keys.js';
import { ledgerTableNames } from '../../../lib/ledger/tables.js';
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

type Hook = (table: string, entity: { partitionKey?: string; rowKey?: string }) => Promise<void>;

/** A ledger on fresh tables; `beforeUpdate` runs before each ETag-conditioned write, to interleave a rival. */
function setup(beforeUpdate?: Hook) {
  const names = ledgerTableNames(`lc${++n}`);
  const plain = (name: string): TableClient => TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true });
  const hooked = (name: string): TableClient => {
    const client = plain(name);
    if (beforeUpdate === undefined) return client;
    const update = client.updateEntity.bind(client);
    client.updateEntity = (async (entity, mode, options) => {
      await beforeUpdate(name, entity);
      return update(entity, mode, options);
    }) as TableClient['updateEntity'];
    return client;
  };
  return { names, table: plain, ledger: new RunLedger(names, hooked), rival: new RunLedger(names, plain) };
}

const op = (externalId: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ method: 'POST', bulkId: externalId, path: '/Users', data: { externalId, active: true, ...extra } });
const rec = (externalId: string, line: number, payload = op(externalId), managerId?: string) => ({
  externalId,
  line,
  payload,
  payloadHash: `h-${payload.length}`,
  ...(managerId === undefined ? {} : { managerId }),
});
const t = (s: number) => new Date(Date.UTC(2026, 10, 23, 0, 0, s)).toISOString();
const ms = (s: number) => Date.parse(t(s));
const RUN = { file: 'f', etag: 'e', startedAt: t(0), source: 'default', kind: 'full' as const };
// The named transitions, as reconcile and upload apply them.
const ok = (s: number, action = 'create'): LifecycleEvent => ({ type: 'logged', outcome: { status: 'success', action, at: ms(s) }, now: ms(s) });
const skippedBy = (s: number): LifecycleEvent => ({ type: 'logged', outcome: { status: 'skipped', action: 'other', at: ms(s) }, now: ms(s) });
const busy = (s: number): LifecycleEvent => ({
  type: 'logged',
  outcome: { status: 'failure', at: ms(s), errorCode: 'ServiceUnavailable', reason: 'try later', retryable: true },
  now: ms(s),
});
const poisoned = (s: number, reason = 'bad manager'): LifecycleEvent => ({ type: 'poisoned', code: 'InvalidValue', reason, at: ms(s) });

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('ledger lifecycle', () => {
  it('takes records from queued through submitted, retry and confirmation to a complete run', async () => {
    const { ledger: l } = setup();
    const run = await l.beginRun({ ...RUN, runId: 'r1', file: 'extracts/hr/a.csv', etag: '"0x1"', source: 'hr' });
    expect(run).toMatchObject({ runId: 'r1', state: 'ingesting', file: 'extracts/hr/a.csv', etag: '"0x1"', source: 'hr', kind: 'full' });
    expect(await l.addRecords('r1', [rec('M', 2), rec('A', 3, op('A'), 'M'), rec('B', 4)])).toEqual(['M', 'A', 'B']);
    await l.addRejected('r1', [{ line: 5, externalId: 'X', rule: 'required', message: 'userName is empty', column: 'Email', attribute: 'userName' }]);
    await l.markEnqueued('r1', ['M', 'A', 'B']);
    await l.finishIngest('r1', { rows: 4, valid: 3, rejected: 1, at: t(1) });
    expect(await l.getRun('r1')).toMatchObject({ state: 'ingested', rows: 4, valid: 3, rejected: 1, ingestedAt: t(1) });

    await l.markSubmitted('r1', ['M', 'A', 'B'], { requestId: 'q1', at: t(2) });
    expect(await l.countByState('r1')).toEqual({ ...emptyCounts(), submitted: 3 });
    expect((await l.getRecords('r1', ['A'])).get('A')).toMatchObject({
      state: 'submitted',
      attempts: 1,
      lastRequestId: 'q1',
      lastSubmittedAt: t(2),
      managerId: 'M',
      enqueued: false,
    });

    expect(await l.transition('r1', 'M', ok(3))).toMatchObject({ to: 'confirmed', action: 'create' });
    expect(await l.transition('r1', 'A', busy(3))).toMatchObject({ to: 'queued', effect: 'retry' });
    expect(await l.transition('r1', 'A', busy(3))).toBeUndefined();
    expect((await l.getRecords('r1', ['A'])).get('A')).toMatchObject({ state: 'queued', attempts: 1, lastErrorCode: 'ServiceUnavailable', lastReason: 'try later' });
    expect((await l.getRecords('r1', ['A'])).get('A')?.waitingFor).toBeUndefined();
    // Held for its manager, then released: the wait is stored and cleared with the message.
    await l.markSubmitted('r1', ['A'], { requestId: 'q1b', at: t(3) });
    const missing: LifecycleEvent = {
      type: 'logged',
      outcome: { status: 'failure', at: ms(4), errorCode: 'UnresolvedReference', reason: 'manager missing', retryable: true, category: 'reference-pending' },
      manager: { externalId: 'M', state: 'submitted', waitable: true },
      now: ms(4),
    };
    expect(await l.transition('r1', 'A', missing)).toMatchObject({ effect: 'wait', waitFor: 'M' });
    expect((await l.getRecords('r1', ['A'])).get('A')).toMatchObject({ state: 'queued', enqueued: false, waitingFor: 'M' });
    await l.markEnqueued('r1', ['A']);
    expect((await l.getRecords('r1', ['A'])).get('A')?.waitingFor).toBeUndefined();
    await l.markSubmitted('r1', ['A'], { requestId: 'q2', at: t(5) });
    expect((await l.getRecords('r1', ['A'])).get('A')).toMatchObject({ state: 'submitted', attempts: 3, lastRequestId: 'q2' });
    expect(await l.transition('r1', 'A', ok(6, 'update'))).toMatchObject({ to: 'confirmed' });
    expect(await l.transition('r1', 'B', poisoned(5))).toMatchObject({ to: 'dead-lettered' });

    expect(await l.countByState('r1')).toEqual({ ...emptyCounts(), confirmed: 2, 'dead-lettered': 1 });
    expect((await l.getRecords('r1', ['A'])).get('A')).toMatchObject({ lastAction: 'update', lastOutcomeAt: t(6) });
    expect((await all(l.listRecords('r1', 'dead-lettered'))).map((r) => [r.externalId, r.lastReason])).toEqual([['B', 'bad manager']]);
    expect((await all(l.listRecords('r1'))).map((r) => r.externalId).sort()).toEqual(['A', 'B', 'M']);
    expect(await all(l.listRejected('r1'))).toEqual([{ line: 5, externalId: 'X', rule: 'required', message: 'userName is empty', column: 'Email', attribute: 'userName' }]);
    expect((await l.listOpenRuns()).map((r) => r.runId)).toEqual(['r1']);
    expect(await l.completeRun('r1', t(6))).toBe(true);
    expect(await l.getRun('r1')).toMatchObject({ state: 'complete', endedAt: t(6) });
    expect(await l.listOpenRuns()).toEqual([]);

    expect(await l.getPerson('A')).toEqual({
      externalId: 'A',
      lastConfirmedHash: `h-${op('A').length}`,
      lastConfirmedAt: t(6),
      lastRunId: 'r1',
      managerId: 'M',
      active: true,
      source: 'default',
    });
    expect((await l.getPerson('A', { payload: true }))?.payload).toBe(op('A'));
    expect(await l.getPerson('B')).toBeUndefined();
  });

  it('leaves records that moved on alone when ingest runs again on the same run', async () => {
    const { ledger: l } = setup();
    await l.beginRun({ ...RUN, runId: 'r1' });
    expect((await l.beginRun({ ...RUN, runId: 'r1', startedAt: t(9) })).startedAt).toBe(t(0));
    await l.addRecords('r1', [rec('A', 2), rec('B', 3), rec('C', 4)]);
    await l.markEnqueued('r1', ['A', 'B', 'C']);
    await l.markSubmitted('r1', ['A', 'B'], { requestId: 'q1', at: t(1) });
    await l.transition('r1', 'A', ok(2));

    // The re-delivered blob, with a changed payload for A and a record D the crash never reached.
    const need = await l.addRecords('r1', [rec('A', 2, op('A', { title: 'new' })), rec('B', 3), rec('C', 4), rec('D', 5)]);
    expect(need).toEqual(['D']);
    const got = await l.getRecords('r1', ['A', 'B', 'C', 'D']);
    // A is left as it ended: confirmed, its payload gone to People, not the re-delivered one.
    expect(got.get('A')).toMatchObject({ state: 'confirmed', attempts: 1, payload: '' });
    expect((await l.getPerson('A', { payload: true }))?.payload).toBe(op('A'));
    expect(got.get('B')).toMatchObject({ state: 'submitted', attempts: 1 });
    expect(got.get('C')).toMatchObject({ state: 'queued', enqueued: true });
    expect(await l.countByState('r1')).toEqual({ ...emptyCounts(), queued: 2, submitted: 1, confirmed: 1 });
    await expect(l.addRecords('r1', [rec('E', 6), rec('E', 7)])).rejects.toThrow(/appears twice/);
  });

  it('written for a caller that sends their messages at once, records are enqueued from the start, and a retry sends again only what is on its first attempt', async () => {
    const { ledger: l } = setup();
    await l.beginRun({ ...RUN, runId: 'r1' });
    expect(await l.addRecords('r1', [rec('A', 2), rec('B', 3), rec('C', 4), { ...rec('U', 5), state: 'unchanged' as const }], { sending: true })).toEqual(['A', 'B', 'C']);
    const first = await l.getRecords('r1', ['A', 'B', 'C', 'U']);
    // No second write marks them: reconcile finds no queued record without its message.
    expect([...first.values()].map((r) => [r.externalId, r.enqueued])).toEqual([
      ['A', true],
      ['B', true],
      ['C', true],
      ['U', false],
    ]);
    await l.markSubmitted('r1', ['A'], { requestId: 'q1', at: t(1) });
    await l.markSubmitted('r1', ['B'], { requestId: 'q2', at: t(1) });
    await l.transition('r1', 'B', { type: 'timed-out', reason: 'no log entry', now: Date.parse(t(2)) });
    // The host retries a crashed ingest: C may or may not have had its message, so it goes again (the
    // second copy is stale at upload); A moved on; B is on its second attempt, which reconcile sends.
    const need = await l.addRecords('r1', [rec('A', 2), rec('B', 3), rec('C', 4), rec('D', 6)], { sending: true });
    expect(need).toEqual(['C', 'D']);
    expect((await l.getRecords('r1', ['B'])).get('B')).toMatchObject({ state: 'queued', attempts: 1, enqueued: false });
  });

  it('confirms once: twice in a row, racing instances, and racing outcomes', async () => {
    const { ledger: l } = setup();
    await l.beginRun({ ...RUN, runId: 'r1' });
    await l.addRecords('r1', [rec('A', 2), rec('B', 3)]);
    await l.markSubmitted('r1', ['A', 'B'], { requestId: 'q1', at: t(1) });
    expect(await l.transition('r1', 'A', ok(2))).toBeDefined();
    expect(await l.transition('r1', 'A', ok(2))).toBeUndefined();
    expect(await l.transition('r1', 'A', poisoned(3, 'late'))).toBeUndefined();
    await l.markSubmitted('r1', ['A'], { requestId: 'q9', at: t(4) });
    expect((await l.getRecords('r1', ['A'])).get('A')).toMatchObject({ state: 'confirmed', attempts: 1 });

    const outcomes = await Promise.all([
      l.transition('r1', 'B', ok(5)),
      l.transition('r1', 'B', poisoned(5, 'x')),
      l.transition('r1', 'B', ok(5)),
      l.transition('r1', 'B', skippedBy(5)),
    ]);
    expect(outcomes.filter((o) => o !== undefined)).toHaveLength(1);
    const counts = await l.countByState('r1');
    expect(counts.confirmed + counts['dead-lettered'] + counts.skipped).toBe(2);
    expect(counts.submitted).toBe(0);
  });

  it('re-reads after an ETag conflict and honours what the rival wrote', async () => {
    let rivalDone = false;
    const ref: { rival?: RunLedger } = {};
    const { ledger: l, rival: r } = setup(async (_table, entity) => {
      // The rival confirms the record between our read and our conditional write.
      if (!rivalDone && entity.rowKey === recordKey('A')) {
        rivalDone = true;
        expect(await ref.rival?.transition('r1', 'A', ok(3))).toBeDefined();
      }
    });
    ref.rival = r;
    await r.beginRun({ ...RUN, runId: 'r1' });
    await r.addRecords('r1', [rec('A', 2)]);
    await r.markSubmitted('r1', ['A'], { requestId: 'q1', at: t(1) });
    expect(await l.transition('r1', 'A', { type: 'timed-out', reason: 'not in logs', now: ms(4) })).toBeUndefined();
    expect(rivalDone).toBe(true);
    expect((await l.getRecords('r1', ['A'])).get('A')).toMatchObject({ state: 'confirmed', lastOutcomeAt: t(3) });
  });

  it('gives up with an error when the entity keeps changing under it', async () => {
    let bumps = 0;
    const ref: { rival?: TableClient } = {};
    const {
      ledger: l,
      table,
      names,
    } = setup(async (_t, entity) => {
      if (entity.rowKey !== recordKey('A')) return;
      bumps++;
      await ref.rival?.updateEntity({ partitionKey: recordPartition('r1', 'A'), rowKey: recordKey('A'), touched: bumps }, 'Merge');
    });
    ref.rival = table(names.records);
    await l.beginRun({ ...RUN, runId: 'r1' });
    await l.addRecords('r1', [rec('A', 2)]);
    await expect(l.markSubmitted('r1', ['A'], { requestId: 'q1', at: t(1) })).rejects.toThrow(/kept changing/);
    expect(bumps).toBe(5);
    expect((await l.getRecords('r1', ['A'])).get('A')).toMatchObject({ state: 'queued', attempts: 0 });
  });

  it('keeps awkward externalIds and payloads past 32K characters intact, and once confirmed only in People', async () => {
    const { ledger: l, table, names } = setup();
    await l.beginRun({ ...RUN, runId: 'r1' });
    const ids = ['a/b', 'c#d', 'e?f', 'g\\h', '50%', '%2F', 'Zoë Ørsted 李', '😀', 'x'.repeat(200), 'y'.repeat(1000)];
    const big = op('BIG', { note: `${'n'.repeat(40_000)}😀${'ü'.repeat(30_000)}` });
    expect(big.length).toBeGreaterThan(64_000);
    await l.addRecords('r1', [...ids.map((id, i) => rec(id, i + 2)), rec('BIG', 99, big)]);
    await l.markSubmitted('r1', [...ids, 'BIG'], { requestId: 'q1', at: t(1) });
    expect((await l.getRecords('r1', ['BIG'])).get('BIG')?.payload).toBe(big);
    for (const id of [...ids, 'BIG']) expect(await l.transition('r1', id, ok(2))).toBeDefined();
    const got = await l.getRecords('r1', [...ids, 'BIG']);
    expect([...got.keys()].sort()).toEqual([...ids, 'BIG'].sort());
    // The confirmed record keeps its outcome, every part of its payload blank.
    expect([...got.values()].map((r) => r.payload)).toEqual(Array(ids.length + 1).fill(''));
    const entity = await table(names.records).getEntity<Record<string, unknown>>(recordPartition('r1', 'BIG'), recordKey('BIG'));
    const parts = Object.entries(entity).filter(([k]) => /^payload\d+$/.test(k));
    expect(parts.length).toBeGreaterThan(2);
    expect(parts.every(([, v]) => v === '')).toBe(true);
    expect(got.get('BIG')).toMatchObject({ state: 'confirmed', lastAction: expect.any(String) });
    expect((await all(l.listRecords('r1', 'confirmed'))).map((r) => r.externalId).sort()).toEqual([...ids, 'BIG'].sort());
    expect((await all(l.listPeople())).map((p) => p.externalId).sort()).toEqual([...ids, 'BIG'].sort());
    expect((await l.getPerson('y'.repeat(1000)))?.lastRunId).toBe('r1');
    expect((await l.getPerson('BIG', { payload: true }))?.payload).toBe(big);
  });

  it('writes many records in transactions and counts them by state', async () => {
    const { ledger: l } = setup();
    await l.beginRun({ ...RUN, runId: 'r1' });
    const ids = Array.from({ length: 230 }, (_, i) => `E${i}`);
    expect(
      await l.addRecords(
        'r1',
        ids.map((id, i) => rec(id, i + 2)),
      ),
    ).toHaveLength(230);
    await l.markSubmitted('r1', ids.slice(0, 120), { requestId: 'q1', at: t(1) });
    await l.addRecords(
      'r1',
      ids.slice(200).map((id, i) => ({ ...rec(`U${id}`, 300 + i), state: 'unchanged' as const })),
    );
    await Promise.all(ids.slice(0, 50).map((id) => l.transition('r1', id, ok(2))));
    await Promise.all(ids.slice(100, 120).map((id) => l.transition('r1', id, skippedBy(2))));
    expect(await l.countByState('r1')).toEqual({ ...emptyCounts(), queued: 110, submitted: 50, confirmed: 50, skipped: 20, unchanged: 30 });
  });

  it('keeps the latest confirmation per person when runs confirm out of order', async () => {
    const { ledger: l } = setup();
    for (const runId of ['r1', 'r2', 'r3']) {
      await l.beginRun({ ...RUN, runId, etag: runId });
    }
    await l.addRecords('r1', [rec('P', 2, op('P', { v: 1 }), 'M1')]);
    await l.addRecords('r2', [rec('P', 2, op('P', { v: 22 }), 'M2')]);
    await l.addRecords('r3', [{ ...rec('P', 2, JSON.stringify({ method: 'PUT', data: { externalId: 'P', active: false } })), source: 'contractors', intent: 'disable' }]);
    for (const runId of ['r1', 'r2', 'r3']) await l.markSubmitted(runId, ['P'], { requestId: `q-${runId}`, at: t(1) });
    await l.transition('r2', 'P', ok(20));
    await l.transition('r1', 'P', ok(10));
    expect(await l.getPerson('P')).toMatchObject({ lastRunId: 'r2', managerId: 'M2', lastConfirmedAt: t(20), active: true, source: 'default' });
    expect(await l.transition('r3', 'P', ok(30, 'disable'))).toMatchObject({ to: 'disabled' });
    const p = await l.getPerson('P');
    expect(p).toMatchObject({ lastRunId: 'r3', lastConfirmedAt: t(30), active: false, source: 'contractors' });
    expect(p?.managerId).toBeUndefined();
  });

  it('moves the checkpoint only forward, whatever the racing writers and timestamp formats', async () => {
    const { ledger: l, rival } = setup();
    expect(await l.getCheckpoint()).toBeUndefined();
    await Promise.all([t(9), t(3), t(7)].flatMap((at) => [l.setCheckpoint(at), rival.setCheckpoint(at)]));
    expect(await l.getCheckpoint()).toBe(t(9));
    await l.setCheckpoint('2026-11-23T00:00:08.999Z');
    await l.setCheckpoint('2026-11-23T00:00:09Z');
    expect(await l.getCheckpoint()).toBe(t(9));
    await rival.setCheckpoint('2026-11-23T00:00:09.001Z');
    expect(await l.getCheckpoint()).toBe('2026-11-23T00:00:09.001Z');
  });

  it('touches only its four tables', async () => {
    const { ledger: l, names } = setup();
    await l.beginRun({ ...RUN, runId: 'r1' });
    await l.addRecords('r1', [rec('A', 2)]);
    await l.markSubmitted('r1', ['A'], { requestId: 'q1', at: t(1) });
    await l.transition('r1', 'A', ok(1));
    await l.noteRequest('r1', { requestId: 'q1', at: t(1), operations: 1, status: 'accepted' });
    await l.setSourceState('default', { lastRunId: 'r1' });
    await l.setCheckpoint(t(1));
    const tables: string[] = [];
    for await (const x of TableServiceClient.fromConnectionString(azurite.connectionString, { allowInsecureConnection: true }).listTables()) {
      if (x.name?.startsWith(names.runs.replace(/Runs$/, ''))) tables.push(x.name);
    }
    expect(tables.sort()).toEqual([names.checkpoints, names.people, names.records, names.runs].sort());
  });

  it("reads a request's records with one query per partition, and marks them submitted in one transaction per partition, each on the version read", async () => {
    const { ledger, rival } = setup();
    await ledger.beginRun({ runId: 'rq', ...RUN });
    const ids = Array.from({ length: 50 }, (_, i) => `E${i}`);
    await ledger.addRecords(
      'rq',
      ids.map((id, i) => rec(id, i + 2)),
    );
    // More than 14 in one partition goes in more than one query (a filter holds 15 comparisons).
    const crowded = Array.from({ length: 400 }, (_, i) => `C${i}`)
      .filter((id) => recordPartition('rq', id) === recordPartition('rq', 'E0'))
      .slice(0, 20);
    await ledger.addRecords(
      'rq',
      crowded.map((id, i) => rec(id, i + 100)),
    );
    const read = await ledger.getRecords('rq', [...ids, ...crowded, 'nobody', 'E0']);
    expect([...read.keys()].sort()).toEqual([...ids, ...crowded].sort());
    expect(read.get('E7')).toMatchObject({ externalId: 'E7', line: 9, state: 'queued', attempts: 0 });
    // A rival moves E3 after the read: the rest go by transaction, E3 alone on its new version.
    await rival.markSubmitted('rq', ['E3'], { requestId: 'rival', at: t(1) });
    await ledger.markSubmitted('rq', ids, { requestId: 'q1', at: t(2) }, read);
    const after = await ledger.getRecords('rq', ids);
    expect([...after.values()].filter((r) => r.externalId !== 'E3').every((r) => r.state === 'submitted' && r.lastRequestId === 'q1')).toBe(true);
    expect(after.get('E4')).toMatchObject({ attempts: 1 });
    // E3 was re-read, not overwritten from the stale version: the same attempt went twice, and the
    // rival's earlier request stays the one its log entries are judged against.
    expect(after.get('E3')).toMatchObject({ state: 'submitted', attempts: 1, lastRequestId: 'rival', lastSubmittedAt: t(1) });
  });

  it("transitionAll confirms a run's records a partition at a time, creates their People together, and re-reads what moved", async () => {
    const { ledger, rival } = setup();
    await ledger.beginRun({ runId: 'ra', ...RUN });
    const ids = Array.from({ length: 40 }, (_, i) => `P${i}`);
    await ledger.addRecords(
      'ra',
      ids.map((id, i) => rec(id, i + 2)),
    );
    await ledger.markSubmitted('ra', ids, { requestId: 'q1', at: t(1) });
    const seen = await ledger.getRecords('ra', ids);
    // A rival confirms P5 first (a second reconcile instance): its People entry and count are its own.
    await rival.transition('ra', 'P5', ok(2));
    const applied = await ledger.transitionAll(
      'ra',
      ids.map((id) => ({ seen: seen.get(id) as never, event: ok(3) })),
    );
    expect([...applied.values()].filter((x) => x?.to === 'confirmed')).toHaveLength(39);
    expect(applied.get('P5')).toBeUndefined();
    const after = await ledger.getRecords('ra', ids);
    expect([...after.values()].every((r) => r.state === 'confirmed')).toBe(true);
    for (const id of ids) expect((await ledger.getPerson(id))?.lastRunId).toBe('ra');
    expect((await ledger.getPerson('P7'))?.lastConfirmedAt).toBe(t(3));
    expect((await ledger.getPerson('P5'))?.lastConfirmedAt).toBe(t(2));
  });
});
