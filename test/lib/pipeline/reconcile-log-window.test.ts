// Where each pass starts reading the provisioning logs: the log lag behind its checkpoint, and the
// clock skew only where the start comes from our own clock (the run's start), never from the
// checkpoint, which is the service's own activity time.
import { expect, it } from 'vitest';
import type { ReconcileDeps } from '../../../lib/pipeline/ports.js';
import { DEFAULT_RECONCILE_OPTIONS, reconcile } from '../../../lib/pipeline/reconcile.js';
import type { ProvisioningClient } from '../../../lib/provisioning/client.js';
import type { ProvisioningLogEntry } from '../../../lib/provisioning/log-entry.js';
import { captureLogger } from '../provisioning/fakes.js';
import { MemoryLedger, MemoryQueue, MemoryReports } from './memory.js';

const start = Date.parse('2026-11-23T08:00:00Z');
const at = (s: number): string => new Date(start + s * 1000).toISOString();
const op = (id: string): string => JSON.stringify({ method: 'POST', bulkId: id, path: '/Users', data: { externalId: id, active: true } });

function success(id: string, s: number): ProvisioningLogEntry {
  return { id: `log-${id}`, activityDateTime: at(s), sourceIdentity: { id }, provisioningAction: 'create', provisioningStatusInfo: { status: 'success' } } as ProvisioningLogEntry;
}

async function passes(options: { logLagMinutes: number; clockSkewSeconds: number }): Promise<string[]> {
  const ledger = new MemoryLedger();
  await ledger.beginRun({ runId: 'R', file: 'R.csv', etag: 'e', startedAt: at(0), source: 'default', kind: 'changes' });
  await ledger.addRecords(
    'R',
    ['A', 'B'].map((id, i) => ({ externalId: id, payload: op(id), line: i + 2, payloadHash: `h-${id}` })),
  );
  await ledger.markEnqueued('R', ['A', 'B']);
  await ledger.finishIngest('R', { rows: 2, valid: 2, rejected: 0, at: at(1) });
  await ledger.markSubmitted('R', ['A', 'B'], { requestId: 'q1', at: at(5) });
  const log = [success('A', 10)];
  const asked: string[] = [];
  const deps: ReconcileDeps = {
    ledger,
    queue: new MemoryQueue(() => Date.now()),
    poison: new MemoryQueue(() => Date.now()),
    reports: new MemoryReports(),
    client: {
      queryProvisioningLogs: async function* (query: { since: Date }) {
        asked.push(query.since.toISOString());
        yield* log;
      },
    } as unknown as Pick<ProvisioningClient, 'queryProvisioningLogs'>,
    logger: captureLogger(),
    clock: { now: () => new Date(start + 20_000) },
  };
  const o = { ...DEFAULT_RECONCILE_OPTIONS, ...options };
  expect((await reconcile(deps, o)).confirmed).toBe(1);
  // B is still on its way, so the next pass reads the logs again, from the checkpoint A's entry set.
  expect(await ledger.getCheckpoint()).toBe(at(10));
  await reconcile(deps, o);
  return asked;
}

it('reads from the run start less the skew and the lag, then from the checkpoint less the lag alone', async () => {
  expect(await passes({ logLagMinutes: 0, clockSkewSeconds: 5 })).toEqual([at(-5), at(10)]);
  expect(await passes({ logLagMinutes: 15, clockSkewSeconds: 5 })).toEqual([at(-15 * 60 - 5), at(10 - 15 * 60)]);
});
