// What a run sends: each valid record is compared with what was last confirmed for that person
// (People) and either sent — new, changed, not confirmed last time, due for drift repair, or
// asked for by a full resend — or ends `unchanged` without a call. In a full extract, everyone
// of the source last confirmed active and now absent is a leaver. A person belongs to the
// source that last sent them: a contractors file never disables someone an employee file sent,
// and a person listed by two sources stays with the one that has them (a warning in both runs).
// Pure but for `listedBy`, which asks the ledger whether a source's latest extract lists someone.
import type { Intent } from '../core/lifecycle.js';
import type { SourceSettings } from '../sources/sources.js';
import { driftDue } from './drift.js';
import { HASH_PREFIX } from './hash.js';

/** A valid record of the extract, as the plan needs it (its operation stays in the OperationStore). */
export interface Candidate {
  externalId: string;
  line: number;
  /** Its operation's number in the OperationStore. */
  stored: number;
  /** recordHash of its `data`. */
  hash: string;
  /** `data.active` as mapped. */
  active: boolean;
  managerId?: string;
  /** The manager whose reference the extract names but this run sends without (lib/delta/managers). */
  withoutManager?: string;
}

/** Which externalIds a run holds: a Set, or lib/delta/table's CandidateTable. */
export interface IdSet {
  has(externalId: string): boolean;
}

/** What People says of one person. */
export interface PersonView {
  externalId: string;
  /** recordHash of the record last confirmed. */
  hash: string;
  /** The source that last sent them. */
  source: string;
  /** Whether the record last confirmed was active. */
  active: boolean;
  /** When it was confirmed (ms): when it was last sent, for drift repair. */
  confirmedAt: number;
  /** Another source whose extract also listed them, as that source's run found. */
  alsoIn?: string;
}

export interface PlanContext {
  source: SourceSettings;
  people: ReadonlyMap<string, PersonView>;
  /** Every externalId the extract holds, rejected rows included: a person whose row is rejected has not left. */
  present: IdSet;
  now: number;
  /** Why everyone is sent (an operator's request, --full-resend); undefined for a delta run. */
  fullResend?: string;
  /** Whether the latest extract of `source` lists `externalId`. */
  listedBy(source: string, externalId: string): Promise<boolean>;
}

/** What the plan decides for one record. */
export interface RecordDecision {
  state: 'queued' | 'unchanged';
  intent?: Intent;
  /** Why it is sent, or why not. */
  note: string;
  /** When this person was last confirmed (ms): log entries until then are about earlier runs. Set on records sent only. */
  confirmedAt?: number;
}

export interface PlannedRecord extends Candidate, RecordDecision {}

/** Where planEach puts each record's decision, in file order. */
export type DecisionSink<C extends Candidate> = (candidate: C, decision: RecordDecision) => void;

export interface PlannedLeaver {
  externalId: string;
  person: PersonView;
}

export type PlanWarningRule = 'other-source' | 'taken-over' | 'handed-over';

/** About people two sources list: ids and source names only. */
export interface PlanWarning {
  rule: PlanWarningRule;
  externalId: string;
  line?: number;
  /** The other source. */
  source: string;
  message: string;
}

export interface PlanCounts {
  create: number;
  update: number;
  /** Unchanged records sent anyway: drift repair or a full resend. */
  resend: number;
  drift: number;
  /** Explicit `active: false` for someone last confirmed active. */
  disableInactive: number;
  /** Absent from a full extract. */
  disableAbsent: number;
  unchanged: number;
  /** Records left to the source that owns them. */
  otherSource: number;
}

export interface Plan {
  /** Every valid record, in file order. */
  records: PlannedRecord[];
  leavers: PlannedLeaver[];
  /** People absent here whom another source lists: they change owner instead of being disabled. */
  handovers: Array<{ externalId: string; to: string }>;
  /** People of another source whom this extract lists too: the owner's next run warns about them. */
  contested: Array<{ externalId: string; owner: string }>;
  /** People whose other source no longer lists them. */
  uncontested: string[];
  warnings: PlanWarning[];
  counts: PlanCounts;
  /** The source's people last confirmed active before this run. */
  activePeople: number;
}

/** Decides, for one extract of one source, what is sent and who has left. */
export async function planRun(candidates: Iterable<Candidate>, ctx: PlanContext): Promise<Plan> {
  const records: PlannedRecord[] = [];
  const plan = await planEach(candidates, ctx, (c, d) => records.push({ ...c, ...d }));
  return { ...plan, records };
}

/**
 * planRun without the records: each record's decision goes to `sink` as it is made, in file order,
 * so a caller that keeps its candidates compactly (lib/delta/table) keeps the decisions so too.
 * The plan returned has `records` empty.
 */
export async function planEach<C extends Candidate>(candidates: Iterable<C>, ctx: PlanContext, sink: DecisionSink<C>): Promise<Plan> {
  const S = ctx.source.name;
  const counts: PlanCounts = { create: 0, update: 0, resend: 0, drift: 0, disableInactive: 0, disableAbsent: 0, unchanged: 0, otherSource: 0 };
  const plan: Plan = { records: [], leavers: [], handovers: [], contested: [], uncontested: [], warnings: [], counts, activePeople: 0 };
  const send = (c: C, intent: Intent, note: string): void => {
    const confirmedAt = confirmedAtOf(ctx.people, c.externalId);
    sink(c, { state: 'queued', intent, note, ...(confirmedAt === undefined ? {} : { confirmedAt }) });
    if (intent === 'disable') counts.disableInactive++;
    else counts[intent]++;
  };

  for (const c of candidates) {
    const p = ctx.people.get(c.externalId);
    if (p === undefined) {
      send(c, 'create', 'new');
      continue;
    }
    const disabling = !c.active && p.active;
    if (p.source !== S) {
      if (p.active && (await ctx.listedBy(p.source, c.externalId))) {
        sink(c, { state: 'unchanged', note: `not sent: source ${p.source} owns this person and its latest extract lists them too` });
        counts.otherSource++;
        plan.contested.push({ externalId: c.externalId, owner: p.source });
        plan.warnings.push({
          rule: 'other-source',
          externalId: c.externalId,
          line: c.line,
          source: p.source,
          message: `also in the latest extract of source ${p.source}, which owns this person; this source's record was not sent`,
        });
        continue;
      }
      send(c, disabling ? 'disable' : 'update', `taken over from source ${p.source}, whose latest extract no longer lists them`);
      plan.warnings.push({
        rule: 'taken-over',
        externalId: c.externalId,
        line: c.line,
        source: p.source,
        message: `last sent by source ${p.source}; this source sends them from now on`,
      });
      continue;
    }
    if (p.alsoIn !== undefined && p.alsoIn !== S) {
      if (await ctx.listedBy(p.alsoIn, c.externalId)) {
        plan.warnings.push({
          rule: 'other-source',
          externalId: c.externalId,
          line: c.line,
          source: p.alsoIn,
          message: `also in the latest extract of source ${p.alsoIn}; this source owns the person, so that record is not sent`,
        });
      } else {
        plan.uncontested.push(c.externalId);
      }
    }
    if (p.hash !== c.hash) {
      const note = disabling
        ? 'active: false in the extract'
        : p.hash.startsWith(HASH_PREFIX)
          ? 'changed since last confirmed'
          : 'last confirmed before hrsync compared records: sent once';
      send(c, disabling ? 'disable' : 'update', note);
    } else if (ctx.fullResend !== undefined) {
      send(c, 'resend', ctx.fullResend);
    } else if (driftDue(c.externalId, p.confirmedAt, ctx.now, ctx.source.resendAfterDays)) {
      send(c, 'resend', `not sent for ${ctx.source.resendAfterDays} days: resent to undo any change made by hand in Entra`);
      counts.drift++;
    } else {
      sink(c, { state: 'unchanged', note: `same as last confirmed on ${new Date(p.confirmedAt).toISOString().slice(0, 10)}` });
      counts.unchanged++;
    }
  }

  for (const p of ctx.people.values()) {
    if (p.source !== S || !p.active) continue;
    plan.activePeople++;
    if (ctx.source.kind !== 'full' || ctx.present.has(p.externalId)) continue;
    if (p.alsoIn !== undefined && p.alsoIn !== S && (await ctx.listedBy(p.alsoIn, p.externalId))) {
      plan.handovers.push({ externalId: p.externalId, to: p.alsoIn });
      plan.warnings.push({
        rule: 'handed-over',
        externalId: p.externalId,
        source: p.alsoIn,
        message: `absent from this extract but listed by source ${p.alsoIn}: handed over to it instead of being disabled`,
      });
      continue;
    }
    plan.leavers.push({ externalId: p.externalId, person: p });
    counts.disableAbsent++;
  }
  plan.leavers.sort((a, b) => (a.externalId < b.externalId ? -1 : a.externalId > b.externalId ? 1 : 0));
  return plan;
}

/** A sent record's `confirmedAt`: when People last confirmed the person, if ever. */
export function confirmedAtOf(people: ReadonlyMap<string, PersonView>, externalId: string): number | undefined {
  const p = people.get(externalId);
  return p === undefined || p.confirmedAt === 0 ? undefined : p.confirmedAt;
}

/** Disables the guard counts: leavers plus explicit `active: false` transitions. */
export function disablesOf(plan: Plan): number {
  return plan.counts.disableAbsent + plan.counts.disableInactive;
}

/** The leaver's disable: their last confirmed complete record with `active: false`, as a SCIM operation. */
export function leaverOperation(externalId: string, lastConfirmedOperation: string | undefined): { json: string; complete: boolean } {
  if (lastConfirmedOperation !== undefined && lastConfirmedOperation !== '') {
    try {
      const op = JSON.parse(lastConfirmedOperation) as { data?: Record<string, unknown> };
      if (op.data !== undefined && op.data['externalId'] === externalId) {
        return { json: JSON.stringify({ ...op, data: { ...op.data, active: false } }), complete: true };
      }
    } catch {
      // Unreadable: fall through to the smallest record that disables.
    }
  }
  // Confirmed before hrsync kept complete records: externalId and active are all there is.
  const data = { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'], externalId, active: false };
  return { json: JSON.stringify({ method: 'POST', bulkId: externalId, path: '/Users', data }), complete: false };
}
