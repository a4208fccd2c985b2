// One outcome per record from a stream of provisioning log entries: the latest entry wins.

import { maskPersonalData } from '../core/mask-personal.js';
import type { FailureCategory } from './classify-failure.js';
import { classifyFailure } from './classify-failure.js';
import type { ProvisioningLogEntry, ProvisioningStatus } from './log-entry.js';
import { PROVISIONING_STATUSES } from './log-entry.js';

/** What the logs say about one record. `reason` is the service's text with emails, UPNs and the entry's names masked; still report it rather than log it. */
export interface RecordOutcome {
  externalId: string;
  status: ProvisioningStatus;
  /** provisioningAction: create | update | delete | stagedDelete | disable | other. */
  action: string;
  activityDateTime: string;
  /** The log entry's id, to find it in the portal. */
  logId: string;
  /** On failure (and on skips the classifier recognised). */
  errorCode?: string;
  reason?: string;
  retryable?: boolean;
  category?: FailureCategory;
}

function isStatus(value: string | undefined): value is ProvisioningStatus {
  return (PROVISIONING_STATUSES as readonly (string | undefined)[]).includes(value);
}

/** The outcome one entry describes, or undefined when it names no record. */
export function outcomeOf(entry: ProvisioningLogEntry): RecordOutcome | undefined {
  const externalId = entry.sourceIdentity?.id;
  if (externalId === undefined || externalId === '') return undefined;
  const base = {
    externalId,
    action: entry.provisioningAction ?? 'other',
    activityDateTime: entry.activityDateTime,
    logId: entry.id,
  };
  const rawStatus = entry.provisioningStatusInfo?.status?.toLowerCase();
  const info = entry.provisioningStatusInfo?.errorInformation;
  const errorCode = info?.errorCode ?? undefined;
  // Masked where it enters: every report, CSV and log line downstream gets the masked text. The
  // classifier below still reads the entry as the service wrote it.
  const reason = info?.reason === undefined || info.reason === null ? undefined : maskPersonalData(info.reason, namesIn(entry));
  const described = { ...(errorCode === undefined ? {} : { errorCode }), ...(reason === undefined ? {} : { reason }) };

  if (rawStatus === 'failure') {
    const { retryable, category } = classifyFailure(entry);
    // Scoping excluded the record: nothing to fix by resending, and not a failure of hrsync.
    if (category === 'out-of-scope') return { ...base, status: 'skipped', ...described, retryable: false, category };
    return { ...base, status: 'failure', ...described, retryable, category };
  }
  if (isStatus(rawStatus)) return { ...base, status: rawStatus, ...described };
  return {
    ...base,
    status: 'failure',
    errorCode: errorCode ?? 'UnrecognisedStatus',
    reason: reason ?? `The provisioning log reported status ${JSON.stringify(entry.provisioningStatusInfo?.status ?? null)}`,
    retryable: false,
    category: 'unknown',
  };
}

// Modified properties that hold a name, a UPN or an address of the person (givenName, surname, mail, …).
const NAME_PROPERTY = /name|mail|principal/i;

/** The names a log entry carries about its person: the identities' display names and name-like modified values. */
function namesIn(entry: ProvisioningLogEntry): string[] {
  const names: string[] = [];
  for (const identity of [entry.sourceIdentity, entry.targetIdentity]) if (typeof identity?.displayName === 'string') names.push(identity.displayName);
  for (const p of entry.modifiedProperties ?? []) {
    const m = p as { displayName?: unknown; oldValue?: unknown; newValue?: unknown } | null;
    if (typeof m?.displayName !== 'string' || !NAME_PROPERTY.test(m.displayName)) continue;
    for (const v of [m.oldValue, m.newValue]) if (typeof v === 'string') names.push(v);
  }
  return names;
}

function later(a: RecordOutcome, b: RecordOutcome): boolean {
  const ta = Date.parse(a.activityDateTime);
  const tb = Date.parse(b.activityDateTime);
  // Equal or unreadable times: the entry seen last wins.
  return Number.isNaN(ta) || Number.isNaN(tb) ? true : ta >= tb;
}

function merge(outcomes: Map<string, RecordOutcome>, entry: ProvisioningLogEntry): void {
  const outcome = outcomeOf(entry);
  if (outcome === undefined) return;
  const previous = outcomes.get(outcome.externalId);
  if (previous === undefined || later(outcome, previous)) outcomes.set(outcome.externalId, outcome);
}

/** One outcome per externalId, the latest entry winning; entries without a source id are ignored. */
export function summarizeOutcomes(entries: Iterable<ProvisioningLogEntry>): Map<string, RecordOutcome> {
  const outcomes = new Map<string, RecordOutcome>();
  for (const entry of entries) merge(outcomes, entry);
  return outcomes;
}

/** summarizeOutcomes over an async stream (e.g. queryProvisioningLogs) without holding every entry. */
export async function summarizeOutcomesAsync(entries: AsyncIterable<ProvisioningLogEntry>): Promise<Map<string, RecordOutcome>> {
  const outcomes = new Map<string, RecordOutcome>();
  for await (const entry of entries) merge(outcomes, entry);
  return outcomes;
}
