// In-memory stand-ins for the pipeline's ports, with the same contract as the Azure-backed ones
// (lib/ledger, Queue storage): for fast tests of the stages' logic. The end-to-end tests use the real ones.
import { emptyCounts, nextState } from '../../../lib/core/lifecycle.js';
import { recordPartition } from '../../../lib/ledger/keys.js';
import { decodeOperations } from '../../../lib/pipeline/messages.js';
import type { OperationMessage } from '../../../lib/pipeline/messages.js';
import type { LifecycleEvent, LifecyclePolicy, LifecycleRecord, Transition } from '../../../lib/core/lifecycle.js';
import type { TransitionOptions, UnusableInput } from '../../../lib/ledger/types.js';
import type {
  HeldThreshold,
  LedgerRecord,
  NewRecord,
  OperationQueue,
  PersonRecord,
  PipelineLedger,
  ReceivedMessage,
  RecordState,
  RecordSummary,
  RejectedRow,
  ReportSink,
  RunPlanSummary,
  RunRecord,
  RunRequest,
  SourceState,
} from '../../../lib/pipeline/ports.js';

export class MemoryLedger implements PipelineLedger {
  runs = new Map<string, RunRecord>();
  records = new Map<string, Map<string, LedgerRecord>>();
  rejected = new Map<string, RejectedRow[]>();
  requests = new Map<string, Map<string, RunRequest>>();
  people = new Map<string, PersonRecord>();
  sources = new Map<string, SourceState>();
  checkpoint: string | undefined;

  async beginRun(run: { runId: string; file: string; etag: string; startedAt: string; source: string; kind: 'full' | 'changes'; mode?: 'sync' }): Promise<RunRecord> {
    const existing = this.runs.get(run.runId);
    if (existing !== undefined) return { ...existing };
    const created: RunRecord = { ...run, state: 'ingesting' };
    this.runs.set(run.runId, created);
    return { ...created };
  }
  private created = 0;
  async addRecords(runId: string, records: readonly NewRecord[], options: { sending?: boolean; versions?: Map<string, string> } = {}): Promise<string[]> {
    const byId = this.recordsOf(runId);
    const need: string[] = [];
    const sending = options.sending === true;
    for (const r of records) {
      const existing = byId.get(r.externalId);
      if (existing === undefined) {
        const { state = 'queued', seenUpTo, ...rest } = r;
        byId.set(r.externalId, { runId, ...rest, state, attempts: 0, enqueued: sending && state === 'queued', ...(seenUpTo === undefined ? {} : { lastOutcomeAt: seenUpTo }) });
        options.versions?.set(r.externalId, `memory-${++this.created}`);
        if (state === 'queued') need.push(r.externalId);
      } else if (existing.state === 'queued' && (sending ? existing.attempts === 0 : !existing.enqueued)) {
        need.push(r.externalId);
      }
    }
    return need;
  }
  async markEnqueued(runId: string, ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      const r = this.recordsOf(runId).get(id);
      if (r) {
        r.enqueued = true;
        delete r.waitingFor;
      }
    }
  }
  async addRejected(runId: string, rows: readonly RejectedRow[]): Promise<void> {
    const list = this.rejected.get(runId) ?? [];
    for (const row of rows) if (!list.some((x) => x.line === row.line && x.rule === row.rule && x.attribute === row.attribute && x.message === row.message)) list.push({ ...row });
    this.rejected.set(runId, list);
  }
  async *listRejected(runId: string): AsyncIterable<RejectedRow> {
    yield* this.rejected.get(runId) ?? [];
  }
  async finishIngest(
    runId: string,
    c: { rows: number; valid: number; rejected: number; at: string; plan?: RunPlanSummary; held?: HeldThreshold[]; unusable?: UnusableInput },
  ): Promise<void> {
    const run = this.runs.get(runId);
    const held = c.held !== undefined && c.held.length > 0;
    if (run && run.state === 'ingesting') {
      Object.assign(
        run,
        { state: c.unusable !== undefined ? 'unusable' : held ? 'held' : 'ingested', rows: c.rows, valid: c.valid, rejected: c.rejected, ingestedAt: c.at },
        c.plan === undefined ? {} : { plan: c.plan },
        held ? { held: c.held } : {},
        c.unusable === undefined ? {} : { unusable: c.unusable, endedAt: c.at },
      );
    }
  }
  async getRun(runId: string): Promise<RunRecord | undefined> {
    const r = this.runs.get(runId);
    return r && { ...r };
  }
  // The table ledger's layout, so tests send requests in the order production does.
  partitionOf(runId: string, externalId: string): string {
    return recordPartition(runId, externalId);
  }

  async getRecords(runId: string, ids: readonly string[]): Promise<Map<string, LedgerRecord>> {
    const out = new Map<string, LedgerRecord>();
    for (const id of ids) {
      const r = this.recordsOf(runId).get(id);
      if (r) out.set(id, { ...r });
    }
    return out;
  }
  async markSubmitted(runId: string, ids: readonly string[], at: { requestId: string; at: string }, _seen?: ReadonlyMap<string, LedgerRecord>): Promise<void> {
    for (const id of ids) await this.transition(runId, id, { type: 'submitted', requestId: at.requestId, at: Date.parse(at.at) });
  }
  async noteFailure(runId: string, ids: readonly string[], f: { errorCode: string; reason: string }): Promise<void> {
    for (const id of ids) {
      const r = this.recordsOf(runId).get(id);
      if (r) Object.assign(r, { lastErrorCode: f.errorCode, lastReason: f.reason });
    }
  }
  // The same rules as the Table storage ledger: lib/core/lifecycle decides, this stores.
  async transitionAll(runId: string, items: ReadonlyArray<{ seen: LedgerRecord; event: LifecycleEvent }>, policy?: LifecyclePolicy): Promise<Map<string, Transition | undefined>> {
    const out = new Map<string, Transition | undefined>();
    for (const { seen, event } of items) out.set(seen.externalId, await this.transition(runId, seen.externalId, event, policy === undefined ? {} : { policy }));
    return out;
  }
  async transition(runId: string, id: string, event: LifecycleEvent, options: TransitionOptions = {}): Promise<Transition | undefined> {
    const r = this.recordsOf(runId).get(id);
    if (!r) return undefined;
    const ms = (s: string | undefined): number | undefined => (s === undefined ? undefined : Date.parse(s));
    const view: LifecycleRecord = {
      state: r.state,
      attempts: r.attempts,
      ...(r.intent === undefined ? {} : { intent: r.intent }),
      ...(r.lastRequestId === undefined ? {} : { lastRequestId: r.lastRequestId }),
      ...(r.lastSubmittedAt === undefined ? {} : { lastSubmittedAt: ms(r.lastSubmittedAt) as number }),
      ...(r.lastOutcomeAt === undefined ? {} : { lastOutcomeAt: ms(r.lastOutcomeAt) as number }),
    };
    const t = nextState(view, event, options.policy);
    if (t === undefined) return undefined;
    const iso = (n: number | undefined): string | undefined => (n === undefined ? undefined : new Date(n).toISOString());
    Object.assign(
      r,
      { state: t.to, attempts: t.attempts, enqueued: false },
      t.lastRequestId === undefined ? {} : { lastRequestId: t.lastRequestId },
      t.lastSubmittedAt === undefined ? {} : { lastSubmittedAt: iso(t.lastSubmittedAt) },
      t.lastOutcomeAt === undefined ? {} : { lastOutcomeAt: iso(t.lastOutcomeAt) },
      t.action === undefined ? {} : { lastAction: t.action },
      t.errorCode === undefined ? {} : { lastErrorCode: t.errorCode },
      t.reason === undefined ? {} : { lastReason: t.reason },
      t.payload === undefined ? {} : { payload: t.payload },
      t.payloadHash === undefined ? {} : { payloadHash: t.payloadHash },
      t.withoutManager === undefined ? {} : { withoutManager: t.withoutManager },
    );
    if (t.waitFor === undefined) delete r.waitingFor;
    else r.waitingFor = t.waitFor;
    if (t.to === 'confirmed' || t.to === 'disabled' || t.to === 'skipped') {
      let active: boolean | undefined;
      try {
        const a = (JSON.parse(r.payload) as { data?: { active?: unknown } }).data?.active;
        active = typeof a === 'boolean' ? a : undefined;
      } catch {
        active = undefined;
      }
      const at = iso(t.lastOutcomeAt) ?? new Date().toISOString();
      const before = this.people.get(id);
      if (before === undefined || before.lastConfirmedAt <= at) {
        this.people.set(id, {
          externalId: id,
          lastConfirmedHash: r.payloadHash,
          lastConfirmedAt: at,
          lastRunId: runId,
          source: r.source ?? 'default',
          payload: r.payload,
          ...(r.managerId === undefined ? {} : { managerId: r.managerId }),
          ...(active === undefined ? {} : { active }),
          ...(before?.alsoIn !== undefined && before.alsoIn !== (r.source ?? 'default') ? { alsoIn: before.alsoIn } : {}),
        });
      }
      // As the table ledger does: a record that ended keeps no payload; People holds it.
      r.payload = '';
    }
    return t;
  }
  async noteRequest(runId: string, q: RunRequest): Promise<void> {
    let m = this.requests.get(runId);
    if (!m) this.requests.set(runId, (m = new Map()));
    m.set(q.requestId, { ...q });
  }
  async *listRequests(runId: string): AsyncIterable<RunRequest> {
    yield* this.requests.get(runId)?.values() ?? [];
  }
  async listOpenRuns(): Promise<RunRecord[]> {
    return [...this.runs.values()].filter((r) => (r.state === 'ingesting' || r.state === 'ingested') && r.mode !== 'sync').map((r) => ({ ...r }));
  }
  async *listRecords(runId: string, state?: RecordState): AsyncIterable<LedgerRecord> {
    for (const r of [...this.recordsOf(runId).values()]) if (state === undefined || r.state === state) yield { ...r };
  }
  async *listRecordSummaries(runId: string, state?: RecordState): AsyncIterable<RecordSummary> {
    yield* this.listRecords(runId, state);
  }
  async *listOpenRecords(runId: string): AsyncIterable<LedgerRecord> {
    // As the table ledger lists them: queued records without their payload or version.
    for (const r of [...this.recordsOf(runId).values()]) {
      if (r.state === 'submitted') yield { ...r };
      if (r.state !== 'queued') continue;
      const { version: _version, ...light } = r;
      yield { ...light, payload: '' };
    }
  }
  async countOpen(runId: string): Promise<{ queued: number; submitted: number }> {
    const c = await this.countByState(runId);
    return { queued: c.queued, submitted: c.submitted };
  }
  async countByState(runId: string): Promise<Record<RecordState, number>> {
    const counts = emptyCounts();
    for (const r of this.recordsOf(runId).values()) counts[r.state]++;
    return counts;
  }
  async completeRun(runId: string, at: string): Promise<boolean> {
    const run = this.runs.get(runId);
    if (!run || run.state !== 'ingested') return false;
    Object.assign(run, { state: 'complete', endedAt: at });
    return true;
  }
  async decideHeld(runId: string, d: { kind: 'approved' | 'discarded' | 'superseded'; at: string; by?: string }): Promise<boolean> {
    const run = this.runs.get(runId);
    if (!run || run.state !== 'held') return false;
    Object.assign(run, { state: d.kind === 'approved' ? 'ingested' : d.kind, decision: { ...d } }, d.kind === 'approved' ? {} : { endedAt: d.at });
    if (d.kind === 'approved') delete run.stoppedAt;
    return true;
  }
  async addOutcomes(runId: string, add: { outcomes: number; failures: number }): Promise<{ outcomes: number; failures: number } | undefined> {
    const run = this.runs.get(runId);
    if (!run) return undefined;
    run.outcomes = { outcomes: (run.outcomes?.outcomes ?? 0) + add.outcomes, failures: (run.outcomes?.failures ?? 0) + add.failures };
    return { ...run.outcomes };
  }
  async stopRun(runId: string, threshold: HeldThreshold, at: string): Promise<boolean> {
    const run = this.runs.get(runId);
    if (!run || run.state !== 'ingested' || run.stoppedAt !== undefined) return false;
    Object.assign(run, { held: [...(run.held ?? []).filter((h) => h.threshold !== threshold.threshold), threshold], stoppedAt: at });
    delete run.decision;
    return true;
  }
  async holdStoppedRun(runId: string): Promise<boolean> {
    const run = this.runs.get(runId);
    if (!run || run.state !== 'ingested' || run.stoppedAt === undefined) return false;
    run.state = 'held';
    return true;
  }
  async reopenRun(runId: string): Promise<void> {
    const run = this.runs.get(runId);
    if (run?.state === 'complete') run.state = 'ingested';
  }
  async getCheckpoint(): Promise<string | undefined> {
    return this.checkpoint;
  }
  async setCheckpoint(at: string): Promise<void> {
    if (this.checkpoint === undefined || at > this.checkpoint) this.checkpoint = at;
  }
  async *listPeople(): AsyncIterable<PersonRecord> {
    for (const p of this.people.values()) {
      const { payload: _p, ...rest } = p;
      yield rest;
    }
  }
  async getPerson(id: string, options: { payload?: boolean } = {}): Promise<PersonRecord | undefined> {
    const p = this.people.get(id);
    if (p === undefined) return undefined;
    const { payload, ...rest } = p;
    return options.payload === true && payload !== undefined ? { ...rest, payload } : rest;
  }
  async markAlsoIn(id: string, source: string | undefined): Promise<void> {
    const p = this.people.get(id);
    if (!p) return;
    if (source === undefined) delete p.alsoIn;
    else p.alsoIn = source;
  }
  async handOver(id: string, to: string): Promise<void> {
    const p = this.people.get(id);
    if (!p) return;
    Object.assign(p, { source: to, lastConfirmedHash: '' });
    delete p.alsoIn;
  }
  async getSourceState(source: string): Promise<SourceState | undefined> {
    const s = this.sources.get(source);
    return s && { ...s };
  }
  async setSourceState(source: string, patch: Partial<Omit<SourceState, 'source'>>, onlyIf?: Partial<Omit<SourceState, 'source'>>): Promise<void> {
    const s = this.sources.get(source) ?? { source };
    if (onlyIf !== undefined && !Object.entries(onlyIf).every(([k, v]) => s[k as keyof SourceState] === v)) return;
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) continue;
      if (v === '') delete (s as unknown as Record<string, unknown>)[k];
      else (s as unknown as Record<string, unknown>)[k] = v;
    }
    this.sources.set(source, s);
  }

  recordsOf(runId: string): Map<string, LedgerRecord> {
    let m = this.records.get(runId);
    if (!m) {
      m = new Map();
      this.records.set(runId, m);
    }
    return m;
  }
}

interface Stored {
  id: string;
  text: string;
  visibleAt: number;
  dequeueCount: number;
  receipt: string;
}

/** A queue with visibility timeouts and dequeue counts, on a clock the test controls. */
export class MemoryQueue implements OperationQueue {
  messages: Stored[] = [];
  private seq = 0;
  constructor(private readonly now: () => number) {}
  failSendsAfter: number | undefined;
  sent = 0;

  async send(text: string, options: { visibilityTimeoutSeconds?: number } = {}): Promise<void> {
    if (this.failSendsAfter !== undefined && this.sent >= this.failSendsAfter) throw new Error('simulated crash while enqueueing');
    this.sent++;
    this.messages.push({ id: `m${++this.seq}`, text, visibleAt: this.now() + (options.visibilityTimeoutSeconds ?? 0) * 1000, dequeueCount: 0, receipt: '' });
  }
  async receive(max: number, visibilityTimeoutSeconds: number): Promise<ReceivedMessage[]> {
    const out: ReceivedMessage[] = [];
    for (const m of this.messages) {
      if (out.length >= max) break;
      if (m.visibleAt > this.now()) continue;
      m.dequeueCount++;
      m.receipt = `r${++this.seq}`;
      m.visibleAt = this.now() + visibilityTimeoutSeconds * 1000;
      out.push({ messageId: m.id, popReceipt: m.receipt, dequeueCount: m.dequeueCount, text: m.text });
    }
    return out;
  }
  async approximateCount(): Promise<number> {
    return this.messages.length;
  }
  /** The operations the queue's messages carry, batches opened, in queue order. */
  operations(): OperationMessage[] {
    return this.messages.flatMap((m) => decodeOperations(m.text));
  }
  async delete(message: Pick<ReceivedMessage, 'messageId' | 'popReceipt'>): Promise<void> {
    const i = this.messages.findIndex((m) => m.id === message.messageId && m.receipt === message.popReceipt);
    if (i < 0) throw new Error(`message ${message.messageId} not found or receipt stale`);
    this.messages.splice(i, 1);
  }
  async release(message: Pick<ReceivedMessage, 'messageId' | 'popReceipt'>): Promise<void> {
    const m = this.messages.find((x) => x.id === message.messageId && x.receipt === message.popReceipt);
    if (!m) throw new Error(`message ${message.messageId} not found or receipt stale`);
    m.visibleAt = this.now();
  }
  visible(): number {
    return this.messages.filter((m) => m.visibleAt <= this.now()).length;
  }
}

export class MemoryReports implements ReportSink {
  blobs = new Map<string, { content: string; contentType: string }>();
  async write(name: string, content: string, contentType: string): Promise<void> {
    this.blobs.set(name, { content, contentType });
  }
}
