// A run of people with managers, as ingest leaves it in a ledger: for the upload tests that turn
// on who manages whom.
import type { PipelineLedger } from '../../../lib/ledger/types.js';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** The POST of `id`, naming `manager` when there is one. */
export const managedOp = (id: string, manager?: string): string =>
  JSON.stringify({
    method: 'POST',
    bulkId: id,
    path: '/Users',
    data: { externalId: id, active: true, ...(manager === undefined ? {} : { [ENTERPRISE]: { manager: { value: manager } } }) },
  });

/** Begins `runId` and adds `people` (id → manager) as queued records with their messages sent, in order from line 2; ingested unless told otherwise. Returns the ids. */
export async function seedPeopleRun(
  ledger: PipelineLedger,
  runId: string,
  people: ReadonlyMap<string, string | undefined>,
  opts: { at: number; ingesting?: boolean },
): Promise<string[]> {
  const at = new Date(opts.at).toISOString();
  await ledger.beginRun({ runId, file: 'c/f.csv', etag: 'e', startedAt: at, source: 'default', kind: 'full' });
  const ids = [...people.keys()];
  await ledger.addRecords(
    runId,
    ids.map((id, i) => {
      const manager = people.get(id);
      return { externalId: id, line: i + 2, payload: managedOp(id, manager), payloadHash: id, ...(manager === undefined ? {} : { managerId: manager }) };
    }),
  );
  await ledger.markEnqueued(runId, ids);
  if (opts.ingesting !== true) await ledger.finishIngest(runId, { rows: ids.length, valid: ids.length, rejected: 0, at });
  return ids;
}
