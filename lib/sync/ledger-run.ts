// `hrsync sync` with the pipeline's ledger (HRSYNC_STORAGE set): the same nightly decision as
// the Functions' ingest — only what changed is sent, leavers of a full source are disabled, a
// run over the guard is held — and the same record lifecycle, mirrored into the ledger as the
// one-process record book moves, so People learn every confirmation and the next run (pipeline
// or sync) compares with it. The run is kept as mode `sync`: the functions leave it alone.
import { randomUUID } from 'node:crypto';
import type { LifecycleEvent, LifecyclePolicy } from '../core/lifecycle.js';
import type { OperationStore } from '../convert/operation-store.js';
import { adoptRun, decideNight } from '../delta/nightly.js';
import type { NightlyDecision } from '../delta/nightly.js';
import { sendOrder } from '../delta/order.js';
import type { Candidate } from '../delta/plan.js';
import type { HeldThreshold, Intent, NewRecord, PipelineLedger, RunPlanSummary } from '../ledger/types.js';
import type { SourceSettings } from '../sources/sources.js';

/** What a ledger-backed sync needs besides the extract. */
export interface SyncNightly {
  ledger: PipelineLedger;
  source: SourceSettings;
  /** The extract's path, for the run. */
  file: string;
  /** The mapping's fingerprint (lib/delta mappingFingerprint). */
  fingerprint: string;
  /** Why everyone is sent (--full-resend); undefined for a delta run. */
  fullResend?: string;
  /** Send even when the guard would hold the run (--approve, after a person checked its numbers). */
  approve?: boolean;
  policy: LifecyclePolicy;
}

/** One record to send, in send order. */
export interface SendItem {
  externalId: string;
  line: number;
  stored: number;
  managerId?: string;
  intent?: Intent;
  /** Log entries at or before this (ms) are about earlier runs. */
  seenUpTo?: number;
}

/** What the ledger knew before the run, and what it decided. */
export interface LedgerPlan {
  runId: string;
  summary: RunPlanSummary;
  held: HeldThreshold[];
  /** Held and not approved: nothing is sent. */
  holding: boolean;
  toSend: SendItem[];
  unchanged: number;
  leavers: number;
}

const CHUNK = 100;

/** Plans a sync against the ledger and records the run; the caller sends `toSend` unless `holding`. `inDirectory` answers from People as they were. */
export async function planSyncRun(
  n: SyncNightly,
  input: { candidates: Candidate[]; present: ReadonlySet<string>; rows: number; rejected: number; now: number; store: OperationStore },
): Promise<{ plan: LedgerPlan; mirror: LedgerMirror; inDirectory: (externalId: string) => boolean }> {
  const at = new Date(input.now).toISOString();
  const runId = `${at.slice(0, 10).replace(/-/g, '')}-sync-${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const { ledger, source } = n;
  await ledger.beginRun({ runId, file: n.file, etag: 'sync', startedAt: at, source: source.name, kind: source.kind, mode: 'sync' });
  // A newer extract of the source supersedes a run held before it, whoever held it.
  const before = await ledger.getSourceState(source.name);
  if (before?.heldRunId !== undefined) {
    await ledger.decideHeld(before.heldRunId, { kind: 'superseded', at, by: runId });
    await ledger.setSourceState(source.name, { heldRunId: '' }, { heldRunId: before.heldRunId });
  }
  const decision = await decideNight(ledger, {
    source,
    candidates: input.candidates,
    present: input.present,
    rows: input.rows,
    rejected: input.rejected,
    now: input.now,
    fingerprint: n.fingerprint,
    ...(n.fullResend === undefined ? {} : { fullResend: n.fullResend }),
  });
  const holding = decision.held.length > 0 && n.approve !== true;
  const toSend = await writeRecords(ledger, runId, source.name, decision, input.store, holding);
  for (const c of decision.plan.contested) await ledger.markAlsoIn(c.externalId, source.name);
  for (const id of decision.plan.uncontested) await ledger.markAlsoIn(id, undefined);
  if (!holding) for (const h of decision.plan.handovers) await ledger.handOver(h.externalId, h.to);
  await ledger.finishIngest(runId, {
    rows: input.rows,
    valid: input.candidates.length,
    rejected: input.rejected,
    at,
    plan: decision.summary,
    ...(holding ? { held: decision.held } : {}),
  });
  if (holding) await ledger.setSourceState(source.name, { heldRunId: runId });
  else await adoptRun(ledger, source, runId, input.rows, decision.summary);
  return {
    plan: {
      runId,
      summary: decision.summary,
      held: decision.held,
      holding,
      toSend,
      unchanged: decision.plan.counts.unchanged + decision.plan.counts.otherSource,
      leavers: decision.leavers.length,
    },
    mirror: new LedgerMirror(ledger, runId, n.policy),
    inDirectory: (id) => decision.people.has(id),
  };
}

// Records first: unchanged ones final at once, the rest queued (or held). Leavers' operations join the store.
async function writeRecords(ledger: PipelineLedger, runId: string, source: string, decision: NightlyDecision, store: OperationStore, holding: boolean): Promise<SendItem[]> {
  const items: Array<SendItem & { record: NewRecord }> = [];
  const unchanged: NewRecord[] = [];
  for (const r of decision.plan.records) {
    const seen = r.confirmedAt === undefined ? {} : { seenUpTo: new Date(r.confirmedAt).toISOString() };
    const base = {
      externalId: r.externalId,
      line: r.line,
      payloadHash: r.hash,
      source,
      note: r.note,
      ...(r.managerId === undefined ? {} : { managerId: r.managerId }),
      ...seen,
      ...(r.withoutManager === undefined ? {} : { withoutManager: r.withoutManager }),
    };
    if (r.state === 'unchanged') {
      unchanged.push({ ...base, payload: '', state: 'unchanged' });
      continue;
    }
    items.push({
      externalId: r.externalId,
      line: r.line,
      stored: r.stored,
      ...(r.managerId === undefined ? {} : { managerId: r.managerId }),
      ...(r.intent === undefined ? {} : { intent: r.intent }),
      ...(r.confirmedAt === undefined ? {} : { seenUpTo: r.confirmedAt }),
      record: { ...base, payload: await store.read(r.stored), state: holding ? 'held' : 'queued', ...(r.intent === undefined ? {} : { intent: r.intent }) },
    });
  }
  for (const l of decision.leavers) {
    const seenUpTo = l.confirmedAt === undefined ? undefined : Date.parse(l.confirmedAt);
    items.push({
      externalId: l.externalId,
      line: 0,
      stored: store.add(l.json),
      intent: 'disable',
      ...(l.managerId === undefined ? {} : { managerId: l.managerId }),
      ...(seenUpTo === undefined ? {} : { seenUpTo }),
      record: {
        externalId: l.externalId,
        line: 0,
        payload: l.json,
        payloadHash: l.hash,
        source,
        intent: 'disable',
        state: holding ? 'held' : 'queued',
        note: l.complete ? 'absent from the extract' : 'absent from the extract (no complete record was kept: externalId and active only)',
        ...(l.confirmedAt === undefined ? {} : { seenUpTo: l.confirmedAt }),
      },
    });
  }
  await store.flush();
  for (let i = 0; i < unchanged.length; i += CHUNK) await ledger.addRecords(runId, unchanged.slice(i, i + CHUNK));
  const ordered = sendOrder(items);
  for (let i = 0; i < ordered.length; i += CHUNK)
    await ledger.addRecords(
      runId,
      ordered.slice(i, i + CHUNK).map((x) => x.record),
    );
  return ordered.map(({ record: _r, depth: _d, group: _g, ...item }) => item);
}

/** Applies to the ledger what the record book applied in memory, with the same events: the lifecycle decides both alike. */
export class LedgerMirror {
  // One chain per person, so a record's events reach the ledger in the order the book applied them.
  private readonly tails = new Map<string, Promise<void>>();
  private readonly requests: Array<Promise<void>> = [];
  private failure: unknown;

  constructor(
    private readonly ledger: PipelineLedger,
    readonly runId: string,
    private readonly policy: LifecyclePolicy,
  ) {}

  /** One event the book applied to one record. */
  apply(externalId: string, event: LifecycleEvent): void {
    const tail = (this.tails.get(externalId) ?? Promise.resolve())
      .then(async () => {
        await this.ledger.transition(this.runId, externalId, event, { policy: this.policy });
      })
      .catch((err: unknown) => {
        this.failure ??= err;
      });
    this.tails.set(externalId, tail);
    void tail.then(() => {
      if (this.tails.get(externalId) === tail) this.tails.delete(externalId);
    });
  }

  /** A bulkUpload call that carried the run's records, accepted or not. */
  request(q: { requestId: string; at: string; operations: number; status: string }): void {
    this.requests.push(
      this.ledger.noteRequest(this.runId, q).catch((err: unknown) => {
        this.failure ??= err;
      }),
    );
  }

  /** The failure share stopped the run: it says so (threshold, when) and completes with what it did not send held. */
  stop(threshold: HeldThreshold, at: number): void {
    this.requests.push(
      this.ledger.stopRun(this.runId, threshold, new Date(at).toISOString()).then(
        () => undefined,
        (err: unknown) => {
          this.failure ??= err;
        },
      ),
    );
  }

  /** Waits for every write so far; rethrows the first that failed. */
  async flush(): Promise<void> {
    await Promise.all([...this.tails.values(), ...this.requests.splice(0)]);
    if (this.failure !== undefined) throw this.failure;
  }

  /** Ends the run once every record is final. */
  async complete(at: number): Promise<void> {
    await this.flush();
    await this.ledger.completeRun(this.runId, new Date(at).toISOString());
  }
}

/** Why a ledger-backed sync sends everyone, when --full-resend asks. */
export const FULL_RESEND_FLAG = 'full resend asked for on the command line (--full-resend)';
