// Ledger and queue stand-ins for measuring ingest alone: every write is counted by kind and then
// dropped, so neither their memory nor a storage emulator's speed is in the figure. They answer
// as an empty ledger does on a source's first night (nobody known, no earlier run). Benchmarks
// only: what ingest never calls throws, so a change that starts calling it is noticed.
import { recordPartition } from '../lib/ledger/keys.js';
import type { LedgerRecord, PipelineLedger } from '../lib/ledger/types.js';
import type { NewRecord, OperationQueue, PersonRecord, RejectedRow, RunRecord, SourceState } from '../lib/pipeline/ports.js';

function unused(method: string): never {
  throw new Error(`CountingLedger.${method}: not used by ingest`);
}

/** Counts ingest's ledger writes; keeps only runs and source states. */
export class CountingLedger implements PipelineLedger {
  readonly writes = { records: 0, recordBatches: 0, markedEnqueued: 0, rejected: 0, ownership: 0, sourceStates: 0 };
  private readonly runs = new Map<string, RunRecord>();
  private readonly sources = new Map<string, SourceState>();

  async beginRun(run: Parameters<PipelineLedger['beginRun']>[0]): Promise<RunRecord> {
    const existing = this.runs.get(run.runId);
    if (existing !== undefined) return { ...existing };
    const created: RunRecord = { ...run, state: 'ingesting' };
    this.runs.set(run.runId, created);
    return { ...created };
  }
  async addRecords(_runId: string, records: readonly NewRecord[]): Promise<string[]> {
    this.writes.records += records.length;
    this.writes.recordBatches++;
    return records.filter((r) => (r.state ?? 'queued') === 'queued').map((r) => r.externalId);
  }
  async markEnqueued(_runId: string, ids: readonly string[]): Promise<void> {
    this.writes.markedEnqueued += ids.length;
  }
  async addRejected(_runId: string, rows: readonly RejectedRow[]): Promise<void> {
    this.writes.rejected += rows.length;
  }
  async finishIngest(runId: string, c: Parameters<PipelineLedger['finishIngest']>[1]): Promise<void> {
    const run = this.runs.get(runId);
    if (run === undefined) return;
    const held = c.held !== undefined && c.held.length > 0;
    Object.assign(run, { state: c.unusable !== undefined ? 'unusable' : held ? 'held' : 'ingested', rows: c.rows, valid: c.valid, rejected: c.rejected, ingestedAt: c.at });
  }
  async getRun(runId: string): Promise<RunRecord | undefined> {
    const r = this.runs.get(runId);
    return r && { ...r };
  }
  async getPerson(): Promise<PersonRecord | undefined> {
    return undefined;
  }
  async *listPeople(): AsyncIterable<PersonRecord> {
    /* nobody yet */
  }
  async markAlsoIn(): Promise<void> {
    this.writes.ownership++;
  }
  async handOver(): Promise<void> {
    this.writes.ownership++;
  }
  async getSourceState(source: string): Promise<SourceState | undefined> {
    const s = this.sources.get(source);
    return s && { ...s };
  }
  async setSourceState(source: string, patch: Partial<Omit<SourceState, 'source'>>): Promise<void> {
    this.writes.sourceStates++;
    this.sources.set(source, { ...(this.sources.get(source) ?? { source }), ...patch });
  }
  async decideHeld(): Promise<boolean> {
    return false;
  }
  partitionOf(runId: string, externalId: string): string {
    return recordPartition(runId, externalId);
  }

  async getRecords(): Promise<Map<string, LedgerRecord>> {
    return new Map<string, LedgerRecord>();
  }
  // eslint-disable-next-line require-yield
  async *listRejected(): AsyncIterable<RejectedRow> {
    unused('listRejected');
  }
  markSubmitted(): Promise<void> {
    unused('markSubmitted');
  }
  noteFailure(): Promise<void> {
    unused('noteFailure');
  }
  transition(): Promise<undefined> {
    unused('transition');
  }
  transitionAll(): Promise<Map<string, undefined>> {
    unused('transitionAll');
  }
  // eslint-disable-next-line require-yield
  async *listOpenRecords(): AsyncIterable<never> {
    unused('listOpenRecords');
  }
  countOpen(): Promise<{ queued: number; submitted: number }> {
    unused('countOpen');
  }
  noteRequest(): Promise<void> {
    unused('noteRequest');
  }
  // eslint-disable-next-line require-yield
  async *listRequests(): AsyncIterable<never> {
    unused('listRequests');
  }
  listOpenRuns(): Promise<RunRecord[]> {
    unused('listOpenRuns');
  }
  // eslint-disable-next-line require-yield
  async *listRecords(): AsyncIterable<never> {
    unused('listRecords');
  }
  // eslint-disable-next-line require-yield
  async *listRecordSummaries(): AsyncIterable<never> {
    unused('listRecordSummaries');
  }
  countByState(): Promise<never> {
    unused('countByState');
  }
  completeRun(): Promise<boolean> {
    unused('completeRun');
  }
  addOutcomes(): Promise<undefined> {
    unused('addOutcomes');
  }
  stopRun(): Promise<boolean> {
    unused('stopRun');
  }
  holdStoppedRun(): Promise<boolean> {
    unused('holdStoppedRun');
  }
  reopenRun(): Promise<void> {
    unused('reopenRun');
  }
  getCheckpoint(): Promise<string | undefined> {
    unused('getCheckpoint');
  }
  setCheckpoint(): Promise<void> {
    unused('setCheckpoint');
  }
}

/** Counts messages sent; holds none, so the backlog is always empty. */
export class CountingQueue implements OperationQueue {
  sends = 0;
  bytes = 0;
  async send(text: string): Promise<void> {
    this.sends++;
    this.bytes += text.length;
  }
  async receive(): Promise<never[]> {
    return [];
  }
  async delete(): Promise<void> {
    /* nothing held */
  }
  async release(): Promise<void> {
    /* nothing held */
  }
  async approximateCount(): Promise<number> {
    return 0;
  }
}
