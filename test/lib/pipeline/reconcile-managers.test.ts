// Reconcile and the org chart: a report whose log entry is a retryable failure while its manager
// (same run) is still open waits for the manager instead of going straight back to the queue,
// so one early race does not cascade down the tree; nothing waits for ever.
import { describe, expect, it } from 'vitest';
import { decodeMessage } from '../../../lib/pipeline/messages.js';
import type { ReconcileDeps } from '../../../lib/pipeline/ports.js';
import { DEFAULT_RECONCILE_OPTIONS, reconcile } from '../../../lib/pipeline/reconcile.js';
import type { ProvisioningClient } from '../../../lib/provisioning/client.js';
import type { ProvisioningLogEntry } from '../../../lib/provisioning/log-entry.js';
import { captureLogger } from '../provisioning/fakes.js';
import { MemoryLedger, MemoryQueue, MemoryReports } from './memory.js';

const OPTIONS = { ...DEFAULT_RECONCILE_OPTIONS, retryBaseSeconds: 0 };
const RUN = 'run-1';
const clock = Date.parse('2026-11-23T08:00:00Z');
const at = (s: number): string => new Date(clock + s * 1000).toISOString();

function entry(id: string, t: number, ok: boolean): ProvisioningLogEntry {
  return {
    id: `log-${id}-${t}`, activityDateTime: at(t), sourceIdentity: { id }, provisioningAction: 'create',
    provisioningStatusInfo: ok ? { status: 'success' } : { status: 'failure', errorInformation: { errorCode: 'UnresolvedReference', reason: 'The manager reference could not be resolved.' } },
  } as ProvisioningLogEntry;
}

/** A run of records (id → manager) all submitted at t=0, and a log the test writes to. */
async function world(people: Record<string, string | undefined>) {
  const ledger = new MemoryLedger();
  const queue = new MemoryQueue(() => Date.now());
  const log: ProvisioningLogEntry[] = [];
  const client = { queryProvisioningLogs: async function* () { yield* log; } } as unknown as Pick<ProvisioningClient, 'queryProvisioningLogs'>;
  const deps: ReconcileDeps = { ledger, queue, poison: new MemoryQueue(() => Date.now()), reports: new MemoryReports(), client, logger: captureLogger(), clock: { now: () => new Date(clock + 60_000) } };
  await ledger.beginRun({ runId: RUN, file: 'c/f.csv', etag: 'e', startedAt: at(-60), source: 'default', kind: 'full' });
  const ids = Object.keys(people);
  await ledger.addRecords(RUN, ids.map((id, i) => ({ externalId: id, line: i + 2, payload: `{"externalId":"${id}"}`, payloadHash: id, ...(people[id] === undefined ? {} : { managerId: people[id] }) })));
  await ledger.markEnqueued(RUN, ids);
  await ledger.finishIngest(RUN, { rows: ids.length, valid: ids.length, rejected: 0, at: at(-30) });
  await ledger.markSubmitted(RUN, ids, { requestId: 'req-1', at: at(0) });
  /** The ids whose messages are on the queue now (taken off it, as upload would). */
  const sent = async (): Promise<string[]> => {
    const out: string[] = [];
    for (let m = await queue.receive(32, 30); m.length > 0; m = await queue.receive(32, 30)) {
      for (const x of m) { out.push(decodeMessage(x.text).externalId); await queue.delete(x); }
    }
    return out.sort();
  };
  /** What upload does with the taken messages: the records are submitted again. */
  const submit = async (ids: string[], t: number): Promise<void> => ledger.markSubmitted(RUN, ids, { requestId: `req-${t}`, at: at(t) });
  return { ledger, deps, log, sent, submit };
}

function invalidUpn(id: string, t: number): ProvisioningLogEntry {
  return { ...entry(id, t, false), provisioningStatusInfo: { status: 'failure', errorInformation: { errorCode: 'AzureActiveDirectoryInvalidUserPrincipalName', reason: 'The userPrincipalName is not valid.' } } } as ProvisioningLogEntry;
}

describe('reconcile with managers in the same run', () => {
  it('holds a report back until its manager is confirmed, then sends it once, level by level', async () => {
    // CEO ← VP ← LEAD: the CEO failed for a passing reason, and everyone below failed for want of a manager.
    const w = await world({ CEO: undefined, VP: 'CEO', LEAD: 'VP' });
    w.log.push(entry('LEAD', 1, false), entry('VP', 2, false), entry('CEO', 3, false));
    await reconcile(w.deps, OPTIONS);
    expect(await w.sent()).toEqual(['CEO']);
    expect((await w.ledger.getRecords(RUN, ['VP', 'LEAD'])).get('LEAD')?.waitingFor).toBe('VP');

    await w.submit(['CEO'], 10);
    w.log.push(entry('CEO', 11, true));
    await reconcile(w.deps, OPTIONS);
    expect(await w.sent()).toEqual(['VP']);

    await w.submit(['VP'], 20);
    w.log.push(entry('VP', 21, true));
    await reconcile(w.deps, OPTIONS);
    expect(await w.sent()).toEqual(['LEAD']);
    const lead = (await w.ledger.getRecords(RUN, ['LEAD'])).get('LEAD');
    expect(lead).toMatchObject({ state: 'queued', attempts: 1, enqueued: true });
    expect(lead?.waitingFor).toBeUndefined();
  });

  it('releases a report in the same pass when the manager\'s success comes after the report\'s failure', async () => {
    const w = await world({ M: undefined, R: 'M' });
    w.log.push(entry('R', 1, false), entry('M', 2, true));
    await reconcile(w.deps, OPTIONS);
    expect(await w.sent()).toEqual(['R']);
  });

  it('gives a waiting report one last try once its manager is dead-lettered, then ends it naming the manager', async () => {
    const w = await world({ M: undefined, R: 'M' });
    w.log.push(entry('R', 1, false));
    await reconcile(w.deps, OPTIONS);
    expect(await w.sent()).toEqual([]);
    w.log.push(invalidUpn('M', 5));
    await reconcile(w.deps, OPTIONS);
    expect((await w.ledger.getRecords(RUN, ['M'])).get('M')?.state).toBe('dead-lettered');
    expect(await w.sent()).toEqual(['R']);
    await w.submit(['R'], 10);
    w.log.push(entry('R', 11, false));
    const summary = await reconcile(w.deps, OPTIONS);
    expect(await w.sent()).toEqual([]);
    expect((await w.ledger.getRecords(RUN, ['R'])).get('R')).toMatchObject({
      state: 'dead-lettered', lastErrorCode: 'UnresolvedReference', attempts: 2,
      lastReason: expect.stringMatching(/its manager M was dead-lettered in this run: AzureActiveDirectoryInvalidUserPrincipalName/),
    });
    expect(summary.completedRuns).toEqual([RUN]);
  });

  it('dead-letters at once a report failing for want of a manager already dead-lettered, and resends other retryable failures', async () => {
    const w = await world({ M: undefined, R: 'M', S: 'M' });
    w.log.push(invalidUpn('M', 1), entry('R', 2, false), { ...entry('S', 3, false), provisioningStatusInfo: { status: 'failure', errorInformation: { errorCode: 'ServiceUnavailable', reason: 'The service is temporarily unavailable.' } } } as ProvisioningLogEntry);
    // Sequential order matters here: M's outcome first.
    await reconcile(w.deps, { ...OPTIONS, parallelism: 1 });
    expect((await w.ledger.getRecords(RUN, ['R'])).get('R')?.state).toBe('dead-lettered');
    expect(await w.sent()).toEqual(['S']);
  });

  it('does not wait in a circle: two people naming each other as manager are both sent again', async () => {
    const w = await world({ A: 'B', B: 'A' });
    w.log.push(entry('A', 1, false), entry('B', 2, false));
    // Both failures are applied side by side, so which of the two goes first is not fixed; one does.
    await reconcile(w.deps, OPTIONS);
    const first = await w.sent();
    expect(first).toHaveLength(1);
    const [sentFirst = '', other = ''] = first[0] === 'A' ? ['A', 'B'] : ['B', 'A'];
    await reconcile(w.deps, OPTIONS);
    expect(await w.sent()).toEqual([]);
    await w.submit([sentFirst], 10);
    w.log.push(entry(sentFirst, 11, true));
    await reconcile(w.deps, OPTIONS);
    expect(await w.sent()).toEqual([other]);
  });

  it('does not wait for a manager outside the run or already confirmed', async () => {
    const w = await world({ M: undefined, R: 'M', S: 'ELSEWHERE' });
    w.log.push(entry('M', 1, true), entry('R', 2, false), entry('S', 3, false));
    await reconcile(w.deps, OPTIONS);
    expect(await w.sent()).toEqual(['R', 'S']);
  });
});
