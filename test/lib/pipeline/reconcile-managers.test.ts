// Reconcile and the org chart: a report whose log entry is a retryable failure while its manager
// (same run) is still open waits for the manager instead of going straight back to the queue,
// so one early race does not cascade down the tree; nothing waits for ever.
import { describe, expect, it } from 'vitest';
import { recordHash } from '../../../lib/delta/hash.js';
import { decodeOperations } from '../../../lib/pipeline/messages.js';
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
    id: `log-${id}-${t}`,
    activityDateTime: at(t),
    sourceIdentity: { id },
    provisioningAction: 'create',
    provisioningStatusInfo: ok
      ? { status: 'success' }
      : { status: 'failure', errorInformation: { errorCode: 'UnresolvedReference', reason: 'The manager reference could not be resolved.' } },
  } as ProvisioningLogEntry;
}

/** A run of records (id → manager) all submitted at t=0, and a log the test writes to. */
async function world(people: Record<string, string | undefined>) {
  const ledger = new MemoryLedger();
  const queue = new MemoryQueue(() => Date.now());
  const log: ProvisioningLogEntry[] = [];
  const client = {
    queryProvisioningLogs: async function* () {
      yield* log;
    },
  } as unknown as Pick<ProvisioningClient, 'queryProvisioningLogs'>;
  const deps: ReconcileDeps = {
    ledger,
    queue,
    poison: new MemoryQueue(() => Date.now()),
    reports: new MemoryReports(),
    client,
    logger: captureLogger(),
    clock: { now: () => new Date(clock + 60_000) },
  };
  await ledger.beginRun({ runId: RUN, file: 'c/f.csv', etag: 'e', startedAt: at(-60), source: 'default', kind: 'full' });
  const ids = Object.keys(people);
  await ledger.addRecords(
    RUN,
    ids.map((id, i) => ({ externalId: id, line: i + 2, payload: op(id, people[id]), payloadHash: id, ...(people[id] === undefined ? {} : { managerId: people[id] }) })),
  );
  await ledger.markEnqueued(RUN, ids);
  await ledger.finishIngest(RUN, { rows: ids.length, valid: ids.length, rejected: 0, at: at(-30) });
  await ledger.markSubmitted(RUN, ids, { requestId: 'req-1', at: at(0) });
  const ops = new Map<string, string>();
  /** The ids whose messages are on the queue now (taken off it, as upload would); `ops` keeps what each carried. */
  const sent = async (): Promise<string[]> => {
    const out: string[] = [];
    for (let m = await queue.receive(32, 30); m.length > 0; m = await queue.receive(32, 30)) {
      for (const x of m) {
        for (const d of decodeOperations(x.text)) {
          out.push(d.externalId);
          ops.set(d.externalId, d.op);
        }
        await queue.delete(x);
      }
    }
    return out.sort();
  };
  /** What upload does with the taken messages: the records are submitted again. */
  const submit = async (ids: string[], t: number): Promise<void> => ledger.markSubmitted(RUN, ids, { requestId: `req-${t}`, at: at(t) });
  return { ledger, deps, log, sent, submit, ops };
}

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
/** A SCIM operation for `id`, naming `manager` when given. */
function op(id: string, manager: string | undefined): string {
  return JSON.stringify({
    method: 'POST',
    bulkId: id,
    path: '/Users',
    data: { externalId: id, active: true, [ENTERPRISE]: { department: 'D1', ...(manager === undefined ? {} : { manager: { value: manager } }) } },
  });
}
const managerIn = (json: string | undefined): unknown =>
  (JSON.parse(json ?? '{}') as { data?: Record<string, { manager?: { value?: string } }> }).data?.[ENTERPRISE]?.manager?.value;

function invalidUpn(id: string, t: number): ProvisioningLogEntry {
  return {
    ...entry(id, t, false),
    provisioningStatusInfo: { status: 'failure', errorInformation: { errorCode: 'AzureActiveDirectoryInvalidUserPrincipalName', reason: 'The userPrincipalName is not valid.' } },
  } as ProvisioningLogEntry;
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

  it("releases a report in the same pass when the manager's success comes after the report's failure", async () => {
    const w = await world({ M: undefined, R: 'M' });
    w.log.push(entry('R', 1, false), entry('M', 2, true));
    await reconcile(w.deps, OPTIONS);
    expect(await w.sent()).toEqual(['R']);
  });

  it('releases a waiting report without the manager reference once its manager is dead-lettered, and People learn what was sent', async () => {
    const w = await world({ M: undefined, R: 'M' });
    w.log.push(entry('R', 1, false));
    await reconcile(w.deps, OPTIONS);
    expect(await w.sent()).toEqual([]);
    w.log.push(invalidUpn('M', 5));
    await reconcile(w.deps, OPTIONS);
    expect((await w.ledger.getRecords(RUN, ['M'])).get('M')?.state).toBe('dead-lettered');
    expect(await w.sent()).toEqual(['R']);
    expect(managerIn(w.ops.get('R'))).toBeUndefined();
    const released = (await w.ledger.getRecords(RUN, ['R'])).get('R');
    expect(released).toMatchObject({ state: 'queued', withoutManager: 'M', managerId: 'M' });
    expect(released?.payloadHash).toBe(recordHash((JSON.parse(w.ops.get('R') ?? '') as { data: unknown }).data));
    await w.submit(['R'], 10);
    w.log.push(entry('R', 11, true));
    const summary = await reconcile(w.deps, OPTIONS);
    expect((await w.ledger.getRecords(RUN, ['R'])).get('R')).toMatchObject({ state: 'confirmed', attempts: 2 });
    // The next run's delta compares the extract (with the reference) against this hash, so it sends the reference then.
    expect(w.ledger.people.get('R')?.lastConfirmedHash).toBe(released?.payloadHash);
    expect(summary.completedRuns).toEqual([RUN]);
    const report = JSON.parse(w.deps.reports instanceof MemoryReports ? (w.deps.reports.blobs.get(`${RUN}/report.json`)?.content ?? '{}') : '{}') as { withoutManager?: unknown };
    expect(report.withoutManager).toEqual([{ line: 3, externalId: 'R', manager: 'M', state: 'confirmed' }]);
  });

  it('sends a waiting report as it is when its dead-lettered manager is in the directory from an earlier run', async () => {
    const w = await world({ M: undefined, R: 'M' });
    w.ledger.people.set('M', { externalId: 'M', lastConfirmedHash: 'h', lastConfirmedAt: at(-3600), lastRunId: 'earlier', source: 'default' });
    w.log.push(entry('R', 1, false));
    await reconcile(w.deps, OPTIONS);
    w.log.push(invalidUpn('M', 5));
    await reconcile(w.deps, OPTIONS);
    expect(await w.sent()).toEqual(['R']);
    expect(managerIn(w.ops.get('R'))).toBe('M');
    expect((await w.ledger.getRecords(RUN, ['R'])).get('R')?.withoutManager).toBeUndefined();
  });

  it('resends at once without the reference a report failing for want of a manager already dead-lettered, and resends other retryable failures', async () => {
    const w = await world({ M: undefined, R: 'M', S: 'M' });
    w.log.push(invalidUpn('M', 1), entry('R', 2, false), {
      ...entry('S', 3, false),
      provisioningStatusInfo: { status: 'failure', errorInformation: { errorCode: 'ServiceUnavailable', reason: 'The service is temporarily unavailable.' } },
    } as ProvisioningLogEntry);
    // Sequential order matters here: M's outcome first.
    await reconcile(w.deps, { ...OPTIONS, parallelism: 1 });
    expect((await w.ledger.getRecords(RUN, ['R'])).get('R')).toMatchObject({ state: 'queued', withoutManager: 'M' });
    expect(await w.sent()).toEqual(['R', 'S']);
    expect(managerIn(w.ops.get('R'))).toBeUndefined();
    expect(managerIn(w.ops.get('S'))).toBe('M');
  });

  it('ends a report whose reference never resolved without saying it resolves later', async () => {
    const w = await world({ R: 'GONE' });
    for (let i = 1; i <= 5; i++) {
      if (i > 1) await w.submit(['R'], i * 10);
      w.log.push({
        ...entry('R', i * 10 + 1, false),
        provisioningStatusInfo: {
          status: 'failure',
          errorInformation: {
            errorCode: 'UnresolvedReference',
            reason: 'The manager reference GONE could not be resolved. It resolves on a later attempt once the manager exists.',
          },
        },
      } as ProvisioningLogEntry);
      await reconcile(w.deps, OPTIONS);
      await w.sent();
    }
    const r = (await w.ledger.getRecords(RUN, ['R'])).get('R');
    expect(r).toMatchObject({ state: 'dead-lettered', attempts: 5 });
    expect(r?.lastReason).toMatch(/could not be resolved in 5 attempts: its manager is neither in this run nor in the directory/);
    expect(r?.lastReason).not.toMatch(/later attempt/);
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
