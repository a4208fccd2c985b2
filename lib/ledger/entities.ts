// Table entities ↔ the ledger's types. Merge updates cannot remove a property, so '' stands for
// "none" in the optional string properties a record or person can lose.
import type { LifecycleRecord } from '../core/lifecycle.js';
import { joinPayload, recordKey, recordPartition, runOfPartition, splitPayload } from './keys.js';
import type { Intent, LedgerRecord, PersonRecord, RecordState, RunPlanSummary, RunRecord, RunRequest, RunState, SourceState } from './types.js';

export type Entity = Record<string, unknown> & { partitionKey: string; rowKey: string };

export function str(e: Record<string, unknown>, key: string): string | undefined {
  const v = e[key];
  return typeof v === 'string' ? v : undefined;
}

/** A string property, with '' read as absent. */
export function some(e: Record<string, unknown>, key: string): string | undefined {
  const v = str(e, key);
  return v === undefined || v === '' ? undefined : v;
}

function json<T>(e: Record<string, unknown>, key: string): T | undefined {
  const v = str(e, key);
  if (v === undefined || v === '') return undefined;
  try {
    return JSON.parse(v) as T;
  } catch {
    return undefined;
  }
}

const RECORD_OPTIONALS = [
  'managerId',
  'source',
  'intent',
  'note',
  'lastRequestId',
  'lastSubmittedAt',
  'lastOutcomeAt',
  'lastAction',
  'lastErrorCode',
  'lastReason',
  'waitingFor',
  'withoutManager',
] as const;

/** Every property of a record but its payload (`payload0..N`, `payloadParts`): a `select` that leaves the payload out. */
export const RECORD_VIEW: readonly string[] = ['PartitionKey', 'RowKey', 'externalId', 'line', 'state', 'attempts', 'refusals', 'enqueued', 'payloadHash', ...RECORD_OPTIONALS];

export function toRecord(e: Entity): LedgerRecord {
  const out: LedgerRecord = {
    runId: runOfPartition(e.partitionKey),
    externalId: str(e, 'externalId') ?? '',
    line: Number(e['line'] ?? 0),
    state: (str(e, 'state') ?? 'queued') as RecordState,
    attempts: Number(e['attempts'] ?? 0),
    payload: joinPayload(e),
    payloadHash: str(e, 'payloadHash') ?? '',
    enqueued: e['enqueued'] === true,
  };
  for (const key of RECORD_OPTIONALS) {
    const v = some(e, key);
    if (v !== undefined) (out as unknown as Record<string, unknown>)[key] = key === 'intent' ? (v as Intent) : v;
  }
  if (typeof e['etag'] === 'string') out.version = e['etag'];
  return out;
}

/** The entity a record was read from, for a change that starts from it (see LedgerRecord.version). */
export function recordEntity(r: LedgerRecord): Entity & { etag: string } {
  return {
    partitionKey: recordPartition(r.runId, r.externalId),
    rowKey: recordKey(r.externalId),
    etag: r.version ?? '',
    externalId: r.externalId,
    line: r.line,
    state: r.state,
    attempts: r.attempts,
    enqueued: r.enqueued,
    payloadHash: r.payloadHash,
    ...splitPayload(r.payload),
    waitingFor: r.waitingFor ?? '',
    ...Object.fromEntries(RECORD_OPTIONALS.filter((k) => k !== 'waitingFor' && r[k] !== undefined).map((k) => [k, r[k]])),
  };
}

/** What the lifecycle needs of a stored record, times in ms. */
export function lifecycleView(e: Entity): LifecycleRecord {
  const ms = (key: string): number | undefined => {
    const v = some(e, key);
    const t = v === undefined ? Number.NaN : Date.parse(v);
    return Number.isNaN(t) ? undefined : t;
  };
  const submittedAt = ms('lastSubmittedAt');
  const outcomeAt = ms('lastOutcomeAt');
  const intent = some(e, 'intent');
  const requestId = some(e, 'lastRequestId');
  return {
    state: (str(e, 'state') ?? 'queued') as RecordState,
    attempts: Number(e['attempts'] ?? 0),
    ...(typeof e['refusals'] === 'number' ? { refusals: e['refusals'] } : {}),
    ...(intent === undefined ? {} : { intent: intent as Intent }),
    ...(requestId === undefined ? {} : { lastRequestId: requestId }),
    ...(submittedAt === undefined ? {} : { lastSubmittedAt: submittedAt }),
    ...(outcomeAt === undefined ? {} : { lastOutcomeAt: outcomeAt }),
  };
}

export function toPerson(e: Entity, withPayload = false): PersonRecord {
  const manager = some(e, 'managerId');
  const alsoIn = some(e, 'alsoIn');
  return {
    externalId: str(e, 'externalId') ?? '',
    lastConfirmedHash: str(e, 'lastConfirmedHash') ?? '',
    lastConfirmedAt: str(e, 'lastConfirmedAt') ?? '',
    lastRunId: str(e, 'lastRunId') ?? '',
    source: some(e, 'source') ?? 'default',
    ...(manager === undefined ? {} : { managerId: manager }),
    ...(alsoIn === undefined ? {} : { alsoIn }),
    ...(typeof e['active'] === 'boolean' ? { active: e['active'] } : {}),
    ...(withPayload && typeof e['payloadParts'] === 'number' ? { payload: joinPayload(e) } : {}),
  };
}

export function toRun(e: Entity): RunRecord {
  const n = (key: string): Partial<RunRecord> => (typeof e[key] === 'number' ? { [key]: e[key] } : {});
  const s = (key: string): Partial<RunRecord> => (some(e, key) === undefined ? {} : { [key]: some(e, key) });
  const plan = json<RunPlanSummary>(e, 'plan');
  const held = json<RunRecord['held']>(e, 'held');
  const decision = json<RunRecord['decision']>(e, 'decision');
  const unusable = json<RunRecord['unusable']>(e, 'unusable');
  const outcomes = typeof e['outcomes'] === 'number' ? { outcomes: e['outcomes'], failures: typeof e['failures'] === 'number' ? e['failures'] : 0 } : undefined;
  return {
    runId: e.rowKey,
    file: str(e, 'file') ?? '',
    etag: str(e, 'blobEtag') ?? '',
    state: (str(e, 'state') ?? 'ingesting') as RunState,
    source: some(e, 'source') ?? 'default',
    kind: str(e, 'kind') === 'changes' ? 'changes' : 'full',
    ...(str(e, 'mode') === 'sync' ? { mode: 'sync' as const } : {}),
    startedAt: str(e, 'startedAt') ?? '',
    ...s('ingestedAt'),
    ...s('endedAt'),
    ...n('rows'),
    ...n('valid'),
    ...n('rejected'),
    ...(plan === undefined ? {} : { plan }),
    ...(held === undefined ? {} : { held }),
    ...(decision === undefined ? {} : { decision }),
    ...(outcomes === undefined ? {} : { outcomes }),
    ...s('stoppedAt'),
    ...(unusable === undefined ? {} : { unusable }),
  };
}

export function toRequest(e: Entity): RunRequest {
  const calls = Number(e['calls'] ?? 1);
  return {
    requestId: str(e, 'requestId') ?? e.rowKey.slice(2),
    at: str(e, 'at') ?? '',
    operations: Number(e['operations'] ?? 0),
    status: str(e, 'status') ?? '',
    ...(Number.isInteger(calls) && calls !== 1 ? { calls } : {}),
  };
}

export function toSourceState(e: Entity): SourceState {
  const out: SourceState = { source: e.rowKey };
  for (const key of ['lastRunId', 'mappingFingerprint', 'heldRunId', 'resendRequestedAt'] as const) {
    const v = some(e, key);
    if (v !== undefined) out[key] = v;
  }
  if (typeof e['lastRows'] === 'number') out.lastRows = e['lastRows'];
  const kind = some(e, 'kind');
  if (kind === 'full' || kind === 'changes') out.kind = kind;
  return out;
}
