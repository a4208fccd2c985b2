// One extract's nightly decision, against the ledger: who is sent, who is unchanged, who has
// left, and whether the run is held. Both the pipeline's ingest and `hrsync sync` (with a
// ledger) call this, then send what it says their own way.
import type { HeldThreshold, PipelineLedger, RunPlanSummary, SourceState } from '../ledger/types.js';
import type { SourceSettings } from '../sources/sources.js';
import { checkGuard } from './guard.js';
import { recordHash } from './hash.js';
import { disablesOf, leaverOperation, planEach, planRun } from './plan.js';
import type { Candidate, DecisionSink, IdSet, PersonView, Plan } from './plan.js';

export type NightlyLedger = Pick<PipelineLedger, 'listPeople' | 'getPerson' | 'getSourceState' | 'getRecords'>;

export interface NightlyInput<C extends Candidate = Candidate> {
  source: SourceSettings;
  /** The valid records in file order (gone through once). */
  candidates: Iterable<C>;
  /** Every externalId of the extract, rejected rows included. */
  present: IdSet;
  rows: number;
  rejected: number;
  now: number;
  /** The mapping's fingerprint (mappingFingerprint). */
  fingerprint: string;
  /** A full resend asked for on the command line, with why. */
  fullResend?: string;
  /** Where each record's decision goes instead of `plan.records`, which is then left empty (planEach). */
  onRecord?: DecisionSink<C>;
}

/** A leaver's disable, ready to record and send. */
export interface LeaverRecord {
  externalId: string;
  json: string;
  hash: string;
  managerId?: string;
  /** False when no complete record was stored and only externalId and active are sent. */
  complete: boolean;
  /** When the person was last confirmed: log entries until then are about earlier runs. */
  confirmedAt?: string;
}

export interface NightlyDecision {
  plan: Plan;
  leavers: LeaverRecord[];
  /** The thresholds the run goes over; empty when it may be sent. */
  held: HeldThreshold[];
  summary: RunPlanSummary;
  /** The source's state before this run. */
  before: SourceState | undefined;
  /** People as they were before this run: whom the directory holds. */
  people: ReadonlyMap<string, PersonView>;
}

const MAX_WARNINGS = 200;

/** The canonical fingerprint of a mapping document: a mapping changed in substance changes it. */
export function mappingFingerprint(document: unknown): string {
  return recordHash(document);
}

/** People as the plan sees them; a person without a source was sent before sources existed: `default`. */
export async function loadPeople(ledger: Pick<PipelineLedger, 'listPeople'>): Promise<Map<string, PersonView>> {
  const people = new Map<string, PersonView>();
  for await (const p of ledger.listPeople()) {
    const at = Date.parse(p.lastConfirmedAt);
    people.set(p.externalId, {
      externalId: p.externalId,
      hash: p.lastConfirmedHash,
      source: p.source,
      active: p.active !== false,
      confirmedAt: Number.isNaN(at) ? 0 : at,
      ...(p.alsoIn === undefined ? {} : { alsoIn: p.alsoIn }),
    });
  }
  return people;
}

/** Plans one extract of one source against the ledger and checks the guard. */
export async function decideNight<C extends Candidate>(ledger: NightlyLedger, input: NightlyInput<C>): Promise<NightlyDecision> {
  const before = await ledger.getSourceState(input.source.name);
  const people = await loadPeople(ledger);
  const states = new Map<string, Promise<SourceState | undefined>>();
  const listedBy = async (source: string, externalId: string): Promise<boolean> => {
    let state = states.get(source);
    if (state === undefined) states.set(source, (state = ledger.getSourceState(source)));
    const s = await state;
    // A changes source's extract lists only what changed, so it keeps whom it has until it says otherwise.
    if (s?.kind === 'changes') return true;
    return s?.lastRunId !== undefined && (await ledger.getRecords(s.lastRunId, [externalId])).has(externalId);
  };
  const fullResend = input.fullResend ?? (before?.resendRequestedAt === undefined ? undefined : `full resend asked for at ${before.resendRequestedAt} (hrsync resend)`);
  const ctx = {
    source: input.source,
    people,
    present: input.present,
    now: input.now,
    listedBy,
    ...(fullResend === undefined ? {} : { fullResend }),
  };
  const plan = input.onRecord === undefined ? await planRun(input.candidates, ctx) : await planEach(input.candidates, ctx, input.onRecord);

  const leavers: LeaverRecord[] = [];
  for (const l of plan.leavers) {
    const person = await ledger.getPerson(l.externalId, { payload: true });
    const op = leaverOperation(l.externalId, person?.payload);
    const data = (JSON.parse(op.json) as { data: unknown }).data;
    leavers.push({
      externalId: l.externalId,
      json: op.json,
      hash: recordHash(data),
      complete: op.complete,
      ...(person?.managerId === undefined ? {} : { managerId: person.managerId }),
      ...(person?.lastConfirmedAt === undefined || person.lastConfirmedAt === '' ? {} : { confirmedAt: person.lastConfirmedAt }),
    });
  }

  const held = checkGuard(
    {
      kind: input.source.kind,
      rows: input.rows,
      rejected: input.rejected,
      disables: disablesOf(plan),
      activePeople: plan.activePeople,
      ...(before?.lastRows === undefined ? {} : { previousRows: before.lastRows }),
    },
    input.source.guard,
  );

  const summary: RunPlanSummary = {
    ...plan.counts,
    incompleteDisables: leavers.filter((l) => !l.complete).length,
    ...(fullResend === undefined ? {} : { fullResend }),
    ...(before?.mappingFingerprint !== undefined && before.mappingFingerprint !== input.fingerprint ? { mappingChanged: true } : {}),
    mappingFingerprint: input.fingerprint,
    ...(input.fullResend === undefined && before?.resendRequestedAt !== undefined ? { resendRequestedAt: before.resendRequestedAt } : {}),
    warnings: plan.warnings.slice(0, MAX_WARNINGS),
    warningsTotal: plan.warnings.length,
    maxFailedPercent: input.source.guard.maxFailedPercent,
  };
  return { plan, leavers, held, summary, before, people };
}

/** After a run is sent (ingested, or approved): what the source's next run compares with. */
export async function adoptRun(
  ledger: Pick<PipelineLedger, 'setSourceState'>,
  source: { name: string; kind: 'full' | 'changes' },
  runId: string,
  rows: number,
  summary: RunPlanSummary | undefined,
): Promise<void> {
  await ledger.setSourceState(source.name, {
    lastRunId: runId,
    heldRunId: '',
    kind: source.kind,
    ...(source.kind === 'full' ? { lastRows: rows } : {}),
    ...(summary?.mappingFingerprint === undefined ? {} : { mappingFingerprint: summary.mappingFingerprint }),
  });
  // The resend asked for is done, unless it was asked for again meanwhile.
  if (summary?.resendRequestedAt !== undefined) await ledger.setSourceState(source.name, { resendRequestedAt: '' }, { resendRequestedAt: summary.resendRequestedAt });
}
