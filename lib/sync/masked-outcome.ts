// The service's reason for a record, masked with the record's own names before the record book
// stores it: the log entry carries only some of them (outcomeOf masks those), the operation all.
import { maskPersonalData, personalValuesOf } from '../core/mask-personal.js';
import type { RecordOutcome } from '../provisioning/outcomes.js';

/** The outcome with the names, userName and emails of its record's operation masked in the reason; unchanged when there is no reason or no such record. */
export async function withRecordMasked(outcome: RecordOutcome, stored: number | undefined, read: (stored: number) => Promise<string>): Promise<RecordOutcome> {
  if (outcome.reason === undefined || stored === undefined) return outcome;
  return { ...outcome, reason: maskPersonalData(outcome.reason, personalValuesOf(await read(stored))) };
}
