// Log entries for records reconcile listed as queued: a send written to the ledger between the
// pass's listing and its log read, and a person's entry from another run read again later.
import { logs } from '@opentelemetry/api-logs';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { expect, it } from 'vitest';
import type { ReconcileDeps } from '../../../lib/pipeline/ports.js';
import { DEFAULT_RECONCILE_OPTIONS, reconcile } from '../../../lib/pipeline/reconcile.js';
import type { ProvisioningClient } from '../../../lib/provisioning/client.js';
import type { ProvisioningLogEntry } from '../../../lib/provisioning/log-entry.js';
import { EVENTS } from '../../../lib/telemetry/catalogue.js';
import { CUSTOM_EVENT_NAME_ATTRIBUTE } from '../../../lib/telemetry/emit.js';
import { captureLogger } from '../provisioning/fakes.js';
import { MemoryLedger, MemoryQueue, MemoryReports } from './memory.js';

const events = new InMemoryLogRecordExporter();
logs.setGlobalLoggerProvider(new LoggerProvider({ processors: [new SimpleLogRecordProcessor(events)] }));

const start = Date.parse('2026-11-23T08:00:00Z');
const at = (s: number): string => new Date(start + s * 1000).toISOString();
const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const op = (id: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ method: 'POST', bulkId: id, path: '/Users', data: { externalId: id, active: true, ...extra } });

function entry(id: string, s: number, status: 'success' | 'failure', failure?: { errorCode: string; reason: string }, action = 'update'): ProvisioningLogEntry {
  return {
    id: `log-${id}-${s}`,
    activityDateTime: at(s),
    sourceIdentity: { id },
    provisioningAction: action,
    provisioningStatusInfo: status === 'success' ? { status } : { status, errorInformation: failure },
  } as ProvisioningLogEntry;
}

function depsFor(ledger: MemoryLedger, log: ProvisioningLogEntry[], now: { ms: number }): ReconcileDeps {
  return {
    ledger,
    queue: new MemoryQueue(() => Date.now()),
    poison: new MemoryQueue(() => Date.now()),
    reports: new MemoryReports(),
    client: {
      queryProvisioningLogs: async function* () {
        yield* log;
      },
    } as unknown as Pick<ProvisioningClient, 'queryProvisioningLogs'>,
    logger: captureLogger(),
    clock: { now: () => new Date(now.ms) },
  };
}

async function openRun(ledger: MemoryLedger, runId: string, records: Array<{ externalId: string; payload: string; managerId?: string }>): Promise<void> {
  await ledger.beginRun({ runId, file: `${runId}.csv`, etag: 'e', startedAt: at(-60), source: 'default', kind: 'changes' });
  await ledger.addRecords(
    runId,
    records.map((r, i) => ({ ...r, line: i + 2, payloadHash: `${runId}-${r.externalId}` })),
  );
  await ledger.markEnqueued(
    runId,
    records.map((r) => r.externalId),
  );
  await ledger.finishIngest(runId, { rows: records.length, valid: records.length, rejected: 0, at: at(-30) });
}

// The upload's write of X's send lands after the pass listed the run and before it reads the logs.
function writeSendAfterListing(ledger: MemoryLedger, runId: string, externalId: string, s: number): void {
  const list = ledger.listOpenRecords.bind(ledger);
  let written = false;
  ledger.listOpenRecords = async function* (id: string) {
    yield* list(id);
    if (written) return;
    written = true;
    await ledger.markSubmitted(runId, [externalId], { requestId: `late-${externalId}`, at: at(s) });
  };
}

it('a send written between the listing and the log read settles from its entry in that pass', async () => {
  const ledger = new MemoryLedger();
  await openRun(ledger, 'R', [
    { externalId: 'S', payload: op('S') },
    { externalId: 'X', payload: op('X') },
  ]);
  await ledger.markSubmitted('R', ['S'], { requestId: 'rs', at: at(0) });
  const log = [entry('S', 1, 'success', undefined, 'create'), entry('X', 2, 'success', undefined, 'create')];
  writeSendAfterListing(ledger, 'R', 'X', 1);
  await reconcile(depsFor(ledger, log, { ms: start + 60_000 }), DEFAULT_RECONCILE_OPTIONS);
  expect(ledger.recordsOf('R').get('X')).toMatchObject({ state: 'confirmed', attempts: 1 });
});

it('such a report, failing for a manager still on its way, waits for the manager and is counted once', async () => {
  const ledger = new MemoryLedger();
  await openRun(ledger, 'W', [
    { externalId: 'M', payload: op('M') },
    { externalId: 'X', payload: op('X', { [ENT]: { manager: { value: 'M' } } }), managerId: 'M' },
  ]);
  await ledger.markSubmitted('W', ['M'], { requestId: 'rm', at: at(0) });
  const log = [entry('X', 2, 'failure', { errorCode: 'UnresolvedReference', reason: 'The manager reference could not be resolved.' }, 'create')];
  writeSendAfterListing(ledger, 'W', 'X', 1);
  events.reset();
  await reconcile(depsFor(ledger, log, { ms: start + 60_000 }), DEFAULT_RECONCILE_OPTIONS);
  expect(ledger.recordsOf('W').get('X')).toMatchObject({ state: 'queued', waitingFor: 'M' });
  const waiting = events.getFinishedLogRecords().filter((r) => r.attributes[CUSTOM_EVENT_NAME_ATTRIBUTE] === EVENTS.recordsWaiting.name);
  expect(waiting.map((r) => r.attributes.waitingForManager)).toEqual([1]);
});

it.each([['update'], ['disable']])("another run's %s of the person, read again a pass later, does not settle this run's record sent back", async (action) => {
  const ledger = new MemoryLedger();
  await openRun(ledger, 'A', [{ externalId: 'X', payload: op('X', { department: 'old' }) }]);
  await openRun(ledger, 'B', [{ externalId: 'X', payload: op('X', { department: 'new' }) }]);
  await ledger.markSubmitted('A', ['X'], { requestId: 'ra', at: at(0) });
  await ledger.markSubmitted('B', ['X'], { requestId: 'rb', at: at(5) });
  const log = [entry('X', 10, 'failure', { errorCode: 'ServiceUnavailable', reason: 'The service is temporarily unavailable.' })];
  const now = { ms: start + 60_000 };
  const deps = depsFor(ledger, log, now);
  const options = { ...DEFAULT_RECONCILE_OPTIONS, retryBaseSeconds: 600 };
  // B's copy fails and B goes back to wait ten minutes; then A's copy succeeds and confirms A.
  await reconcile(deps, options);
  log.push(entry('X', 20, 'success', undefined, action));
  now.ms += 5 * 60_000;
  await reconcile(deps, options);
  expect(ledger.recordsOf('A').get('X')?.state).toBe(action === 'disable' ? 'disabled' : 'confirmed');
  // The next pass reads A's entry again (the log lag): B was not sent with it and stays queued.
  now.ms += 5 * 60_000;
  await reconcile(deps, options);
  expect(ledger.recordsOf('B').get('X')).toMatchObject({ state: 'queued', attempts: 1 });
  expect((await ledger.getPerson('X'))?.lastConfirmedHash).toBe('A-X');
});
