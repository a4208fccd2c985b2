// In-memory stand-ins for the pipeline's ports, with the same contract as the Azure-backed ones
// (lib/ledger, Queue storage): for fast tests of the stages' logic. The end-to-end tests use the real ones.
import type {
  LedgerRecord, NewRecord, OperationQueue, PipelineLedger, ReceivedMessage, RecordState, RejectedRow, ReportSink, RunRecord,
} from '../../../lib/pipeline/ports.js';

export class MemoryLedger implements PipelineLedger {
  runs = new Map<string, RunRecord>();
  records = new Map<string, Map<string, LedgerRecord>>();
  rejected = new Map<string, RejectedRow[]>();
  checkpoint: string | undefined;

  async beginRun(run: { runId: string; file: string; etag: string; startedAt: string }): Promise<RunRecord> {
    const existing = this.runs.get(run.runId);
    if (existing !== undefined) return { ...existing };
    const created: RunRecord = { ...run, state: 'ingesting' };
    this.runs.set(run.runId, created);
    return { ...created };
  }
  async addRecords(runId: string, records: readonly NewRecord[]): Promise<string[]> {
    const byId = this.recordsOf(runId);
    const need: string[] = [];
    for (const r of records) {
      const existing = byId.get(r.externalId);
      if (existing === undefined) {
        byId.set(r.externalId, { runId, ...r, state: 'queued', attempts: 0, enqueued: false });
        need.push(r.externalId);
      } else if (existing.state === 'queued' && !existing.enqueued) {
        need.push(r.externalId);
      }
    }
    return need;
  }
  async markEnqueued(runId: string, ids: readonly string[]): Promise<void> {
    for (const id of ids) { const r = this.recordsOf(runId).get(id); if (r) { r.enqueued = true; delete r.waitingFor; } }
  }
  async addRejected(runId: string, rows: readonly RejectedRow[]): Promise<void> {
    const list = this.rejected.get(runId) ?? [];
    for (const row of rows) if (!list.some((x) => x.line === row.line && x.rule === row.rule && x.attribute === row.attribute && x.message === row.message)) list.push({ ...row });
    this.rejected.set(runId, list);
  }
  async *listRejected(runId: string): AsyncIterable<RejectedRow> { yield* this.rejected.get(runId) ?? []; }
  async finishIngest(runId: string, c: { rows: number; valid: number; rejected: number; at: string }): Promise<void> {
    const run = this.runs.get(runId);
    if (run && run.state === 'ingesting') Object.assign(run, { state: 'ingested', rows: c.rows, valid: c.valid, rejected: c.rejected, ingestedAt: c.at });
  }
  async getRun(runId: string): Promise<RunRecord | undefined> { const r = this.runs.get(runId); return r && { ...r }; }
  async getRecords(runId: string, ids: readonly string[]): Promise<Map<string, LedgerRecord>> {
    const out = new Map<string, LedgerRecord>();
    for (const id of ids) { const r = this.recordsOf(runId).get(id); if (r) out.set(id, { ...r }); }
    return out;
  }
  async markSubmitted(runId: string, ids: readonly string[], at: { requestId: string; at: string }, _seen?: ReadonlyMap<string, LedgerRecord>): Promise<void> {
    for (const id of ids) {
      const r = this.recordsOf(runId).get(id);
      if (!r || r.lastRequestId === at.requestId || (r.state !== 'queued' && r.state !== 'submitted')) continue;
      Object.assign(r, { state: 'submitted', attempts: r.attempts + 1, lastRequestId: at.requestId, lastSubmittedAt: at.at, enqueued: false });
    }
  }
  async noteFailure(runId: string, ids: readonly string[], f: { errorCode: string; reason: string }): Promise<void> {
    for (const id of ids) { const r = this.recordsOf(runId).get(id); if (r) Object.assign(r, { lastErrorCode: f.errorCode, lastReason: f.reason }); }
  }
  async finish(runId: string, id: string, o: { state: 'confirmed' | 'skipped' | 'dead-lettered'; at: string; errorCode?: string; reason?: string }, _seen?: LedgerRecord): Promise<boolean> {
    const r = this.recordsOf(runId).get(id);
    if (!r || (r.state !== 'queued' && r.state !== 'submitted')) return false;
    Object.assign(r, { state: o.state, lastOutcomeAt: o.at }, o.errorCode === undefined ? {} : { lastErrorCode: o.errorCode }, o.reason === undefined ? {} : { lastReason: o.reason });
    return true;
  }
  async requeue(runId: string, id: string, why: { errorCode: string; reason: string; at: string }, options: { waitFor?: string } = {}): Promise<boolean> {
    const r = this.recordsOf(runId).get(id);
    if (!r || r.state !== 'submitted') return false;
    Object.assign(r, { state: 'queued', enqueued: false, lastErrorCode: why.errorCode, lastReason: why.reason, lastOutcomeAt: why.at });
    if (options.waitFor === undefined) delete r.waitingFor;
    else r.waitingFor = options.waitFor;
    return true;
  }
  async reopen(runId: string, id: string): Promise<LedgerRecord | undefined> {
    const r = this.recordsOf(runId).get(id);
    if (!r || r.state !== 'dead-lettered') return undefined;
    Object.assign(r, { state: 'queued', enqueued: false });
    delete r.waitingFor;
    const run = this.runs.get(runId);
    if (run?.state === 'complete') run.state = 'ingested';
    return { ...r };
  }
  async listOpenRuns(): Promise<RunRecord[]> { return [...this.runs.values()].filter((r) => r.state !== 'complete').map((r) => ({ ...r })); }
  async *listRecords(runId: string, state?: RecordState): AsyncIterable<LedgerRecord> {
    for (const r of [...this.recordsOf(runId).values()]) if (state === undefined || r.state === state) yield { ...r };
  }
  async countByState(runId: string): Promise<Record<RecordState, number>> {
    const counts: Record<RecordState, number> = { queued: 0, submitted: 0, confirmed: 0, skipped: 0, 'dead-lettered': 0 };
    for (const r of this.recordsOf(runId).values()) counts[r.state]++;
    return counts;
  }
  async completeRun(runId: string, at: string): Promise<boolean> {
    const run = this.runs.get(runId);
    if (!run || run.state === 'complete') return false;
    Object.assign(run, { state: 'complete', endedAt: at });
    return true;
  }
  async getCheckpoint(): Promise<string | undefined> { return this.checkpoint; }
  async setCheckpoint(at: string): Promise<void> { if (this.checkpoint === undefined || at > this.checkpoint) this.checkpoint = at; }

  recordsOf(runId: string): Map<string, LedgerRecord> {
    let m = this.records.get(runId);
    if (!m) { m = new Map(); this.records.set(runId, m); }
    return m;
  }
}

interface Stored { id: string; text: string; visibleAt: number; dequeueCount: number; receipt: string }

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
  visible(): number { return this.messages.filter((m) => m.visibleAt <= this.now()).length; }
}

export class MemoryReports implements ReportSink {
  blobs = new Map<string, { content: string; contentType: string }>();
  async write(name: string, content: string, contentType: string): Promise<void> { this.blobs.set(name, { content, contentType }); }
}
