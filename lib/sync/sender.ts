// Sends a direct sync's records in BulkRequests: a few requests waiting for an answer at once (the
// client's limiter paces them), a report's request only after its manager's has been answered,
// what the gate turns away deferred rather than sent, and nothing more once the failure share
// stopped the sync. It owns the figures of what was sent.
import { randomUUID } from 'node:crypto';
import type { OperationStore } from '../convert/operation-store.js';
import { dropManagerReference, withoutManagerMessage } from '../delta/managers.js';
import { managersFirst } from '../delta/order.js';
import type { ProvisioningClient } from '../provisioning/client.js';
import { GateClosedError, ProvisioningError, callsMade } from '../provisioning/errors.js';
import type { Logger } from '../core/logger.js';
import { BulkBatcher } from '../scim/bulk.js';
import type { BulkBatch } from '../scim/bulk.js';
import type { Problem } from '../scim/problem.js';
import { BULK_REQUEST_SCHEMA } from '../scim/schemas.js';
import type { BulkOperation, BulkRequest } from '../scim/types.js';
import type { FailureShare } from './failure-share.js';
import type { FirstFailure } from './first-failure.js';
import type { LedgerMirror } from './ledger-run.js';
import type { RecordBook } from './record-book.js';
import type { SyncOptions } from './types.js';

export interface SenderContext {
  client: Pick<ProvisioningClient, 'uploadBulkRequest'>;
  book: RecordBook;
  store: OperationStore;
  mirror: Pick<LedgerMirror, 'request'> | undefined;
  options: Pick<SyncOptions, 'batchLimits' | 'inFlight'>;
  logger: Logger;
  now: () => number;
  share: Pick<FailureShare, 'stoppedFor'>;
  failure: FirstFailure;
  /** The extract's path, for the warning of a record sent without its manager reference. */
  file: string;
  onProblem: (problem: Problem) => void;
  /** Before each request is dispatched (confirmation starts with the first). */
  beforeRequest: () => void;
  /** After each upload that reached the client, answered or not. */
  afterUpload: () => void;
}

/** A record to send: its externalId, line and operation in the store. */
export interface Sendable {
  externalId: string;
  line: number;
  stored: number;
}

/** Sends records of one sync and counts what it sent. */
export class Sender {
  private requestCount = 0;
  private uploadedCount = 0;
  private resentCount = 0;
  private firstUpload: number | undefined;
  private closed: GateClosedError | undefined;
  private readonly inflight = new Set<Promise<void>>();
  // Each record's upload on its way: a report's request goes only once its manager's has been answered.
  private readonly uploading = new Map<string, Promise<void>>();

  constructor(private readonly ctx: SenderContext) {}

  /** bulkUpload calls made, accepted or not, resends and retries included. */
  get requests(): number {
    return this.requestCount;
  }

  /** Records the service accepted at least once. */
  get uploaded(): number {
    return this.uploadedCount;
  }

  /** Records sent again after a retryable failure or a refused upload. */
  get resent(): number {
    return this.resentCount;
  }

  /** When the first accepted upload was started. */
  get firstUploadAt(): number | undefined {
    return this.firstUpload;
  }

  /** The gate's first "no" (the budget or the job): what it turned away is deferred, not sent. */
  get gateClosed(): GateClosedError | undefined {
    return this.closed;
  }

  /** Whether no upload is on its way. */
  get idle(): boolean {
    return this.inflight.size === 0;
  }

  /** Sends records in requests of the batch limits, in the order given; `onRead` sees each as it is taken. */
  async sendAll<T extends Sendable>(records: readonly T[], onRead?: (record: T) => void): Promise<void> {
    const batcher = new BulkBatcher(this.ctx.options.batchLimits);
    for (const r of records) {
      onRead?.(r);
      await this.send(batcher.add({ externalId: r.externalId, line: r.line, json: await this.ctx.store.read(r.stored) }));
    }
    await this.send(batcher.flush());
  }

  /** Sends the records whose resend is due, managers before their reports as on the first pass. */
  async resendDue(): Promise<void> {
    const { book, now, logger } = this.ctx;
    const found = book.due(now());
    if (found.length === 0) return;
    for (const r of found) if (r.dropManager !== undefined) await this.dropManager(r.externalId, r.dropManager);
    const due = managersFirst(found.map((r) => ({ r, externalId: r.externalId, ...(r.managerId === undefined ? {} : { managerId: r.managerId }) }))).map((x) => x.r);
    book.dispatch(due.map((r) => r.externalId));
    // Held back before their first upload (their manager's did not get through) is not a resend.
    this.resentCount += due.filter((r) => r.attempts > 0 || r.refusals > 0).length;
    logger.info('Resending records', { records: due.length, externalIds: due.map((r) => r.externalId) });
    await this.sendAll(due);
  }

  /** Waits for every upload on its way, then throws the sync's first failure, if any. */
  async drain(): Promise<void> {
    await Promise.all(this.inflight);
    this.ctx.failure.throwIfFailed();
  }

  /** Waits for every upload on its way to end, however it ends. */
  async settle(): Promise<void> {
    await Promise.allSettled(this.inflight);
  }

  private async send(batch: BulkBatch | undefined): Promise<void> {
    if (batch === undefined) return;
    this.ctx.beforeRequest();
    await this.dispatch(batch.externalIds);
  }

  private async dispatch(externalIds: string[]): Promise<void> {
    // Requests can overtake each other on the way: wait until the requests holding these records' managers are answered.
    const before = new Set<Promise<void>>();
    for (const id of externalIds) {
      const m = this.ctx.book.get(id)?.managerId;
      const p = m === undefined ? undefined : this.uploading.get(m);
      if (p !== undefined) before.add(p);
    }
    const task: Promise<void> = (before.size === 0 ? this.upload(externalIds) : Promise.all(before).then(() => this.upload(externalIds))).finally(() => {
      this.inflight.delete(task);
      for (const id of externalIds) if (this.uploading.get(id) === task) this.uploading.delete(id);
    });
    for (const id of externalIds) this.uploading.set(id, task);
    this.inflight.add(task);
    if (this.inflight.size >= this.ctx.options.inFlight) await Promise.race(this.inflight);
    this.ctx.failure.throwIfFailed();
  }

  private async upload(ids: string[]): Promise<void> {
    const { book, store, logger, now, failure } = this.ctx;
    if (this.ctx.share.stoppedFor !== undefined) {
      book.stop(ids);
      return;
    }
    const externalIds = await this.sendable(ids);
    if (externalIds.length === 0) return;
    const request: BulkRequest = {
      schemas: [BULK_REQUEST_SCHEMA],
      Operations: await Promise.all(externalIds.map(async (id) => JSON.parse(await store.read(book.get(id)?.stored ?? -1)) as BulkOperation)),
      failOnErrors: null,
    };
    const callClass = this.callClassOf(externalIds);
    if (this.closed !== undefined && (this.closed.why !== 'budget' || callClass === 'normal')) {
      book.defer(externalIds);
      return;
    }
    // Taken before sending: the service may process the records before the 202 reaches us.
    const at = now();
    try {
      const result = await this.ctx.client.uploadBulkRequest(request, { callClass });
      this.firstUpload ??= at;
      this.requestCount += result.calls;
      this.noteRequest(result.requestId, at, externalIds.length, 'accepted', result.calls);
      for (const id of externalIds) if ((book.get(id)?.attempts ?? 0) === 0) this.uploadedCount++;
      book.sent(externalIds, result.requestId, at);
    } catch (err) {
      if (!(err instanceof ProvisioningError)) {
        failure.note(err);
        return;
      }
      const calls = callsMade(err);
      this.requestCount += calls;
      if (calls > 0) this.noteRequest(err.requestId ?? randomUUID(), at, externalIds.length, err.kind, calls);
      if (err instanceof GateClosedError) {
        if (this.closed === undefined || (err.why === 'budget' && callClass === 'reserved')) this.closed = err;
        book.defer(externalIds);
        logger.warn('Not sent: the gate is closed', { why: err.why, until: Number.isFinite(err.until) ? new Date(err.until).toISOString() : 'never', records: externalIds.length });
        return;
      }
      if (err.kind === 'auth' || err.kind === 'not-found') {
        // Every later request would fail the same way: stop and name the cause.
        failure.note(err);
        return;
      }
      if (err.kind === 'invalid-request') {
        book.rejectedByService(externalIds, err.code ?? 'InvalidRequest', err.serviceMessage ?? err.message);
        logger.warn('Bulk request rejected by the service', { status: err.status, requestId: err.requestId, externalIds });
        return;
      }
      book.refused(externalIds, err.kind, err.message, now());
      logger.warn('Bulk request not accepted after retries; will resend', { kind: err.kind, externalIds });
    } finally {
      this.ctx.afterUpload();
    }
  }

  // Disables and resends may spend the budget's reserve; the rest stops where it begins.
  private callClassOf(externalIds: readonly string[]): 'reserved' | 'normal' {
    const { book } = this.ctx;
    return externalIds.every((id) => {
      const r = book.get(id);
      return r?.intent === 'disable' || (r?.attempts ?? 0) > 0 || (r?.refusals ?? 0) > 0;
    })
      ? 'reserved'
      : 'normal';
  }

  private noteRequest(requestId: string, at: number, operations: number, status: string, calls: number): void {
    this.ctx.mirror?.request({ requestId, at: new Date(at).toISOString(), operations, status, ...(calls === 1 ? {} : { calls }) });
  }

  // Who of a request may go now: a report whose manager (in this sync) is still queued — its upload did
  // not get through — waits for the manager's outcome, and one whose manager was dead-lettered goes
  // without the reference. Managers in the same request come first in it.
  private async sendable(externalIds: string[]): Promise<string[]> {
    const { book } = this.ctx;
    const here = new Set(externalIds);
    const out: string[] = [];
    for (const id of externalIds) {
      const view = book.managerView(id);
      const m = view === undefined ? undefined : book.get(view.externalId);
      // A manager not tried yet sorts later only when it exists already (an update after this create): no wait.
      const tried = m !== undefined && (m.attempts > 0 || m.refusals > 0 || m.waitFor !== undefined || book.isDeferred(m.externalId));
      if (view !== undefined && tried && !here.has(view.externalId) && view.state === 'queued') {
        if (book.isDeferred(view.externalId)) book.defer([id]);
        else book.hold([id]);
        if (book.get(id)?.waitFor !== undefined || book.isDeferred(id)) continue;
      }
      if (view?.state === 'dead-lettered' && view.known !== true && book.get(id)?.withoutManager === undefined) await this.dropManager(id, view.externalId);
      out.push(id);
    }
    return out;
  }

  // The record goes without its manager reference from now on: stored again, and said in a warning.
  private async dropManager(id: string, managerId: string): Promise<void> {
    const { book, store, now, logger } = this.ctx;
    const r = book.get(id);
    if (r === undefined) return;
    const released = dropManagerReference(await store.read(r.stored));
    if (book.dropManager(id, managerId, store.add(released.json), released.json, released.hash, now())) {
      this.ctx.onProblem({
        severity: 'warning',
        file: this.ctx.file,
        line: r.line,
        externalId: id,
        rule: 'manager-dropped',
        message: withoutManagerMessage(managerId, 'dead-lettered'),
      });
      logger.info('Sent without its manager reference', { externalId: id, managerId });
    }
  }
}
