// One direct sync from its first upload to its report: it owns the run's state — the record book,
// the phase, whether uploads are done, the confirmation loop and its deadline — and hands the
// sending to a Sender and the log reading to a LogWatch, which confirm records while later
// requests still go out.
import type { OperationStore } from '../convert/operation-store.js';
import type { ProvisioningClient } from '../provisioning/client.js';
import { ProvisioningError } from '../provisioning/errors.js';
import type { Logger } from '../core/logger.js';
import { DEFAULT_GUARD } from '../sources/sources.js';
import { FailureShare } from './failure-share.js';
import { FirstFailure } from './first-failure.js';
import type { SendItem, SyncNightly } from './ledger-run.js';
import { LogWatch } from './log-watch.js';
import type { ExtractRead, SendPlan } from './prepare.js';
import { RecordBook } from './record-book.js';
import { buildReport, recordSummary } from './report.js';
import { Sender } from './sender.js';
import type { RecordSummary, SyncHooks, SyncOptions, SyncPhase, SyncReport } from './types.js';

export interface SyncRunContext {
  client: ProvisioningClient;
  nightly: SyncNightly | undefined;
  options: SyncOptions;
  hooks: SyncHooks;
  logger: Logger;
  store: OperationStore;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  startedAt: number;
}

/** Log reads that failed for a passing reason: tried again at the next turn. */
const PASSING_LOG_FAILURES = ['throttled', 'transient', 'bucket-full'];

/** Sends what the plan queued, confirms it in the logs, ends what stays open, and reports. */
export class SyncRun {
  private readonly book: RecordBook;
  private readonly failure = new FirstFailure();
  private readonly share: FailureShare;
  private readonly watch: LogWatch;
  private readonly sender: Sender;
  private phase: SyncPhase = 'uploading';
  private total = 0;
  private confirming: Promise<void> | undefined;
  private uploadsDone = false;
  private stopped = false;
  private deadline = Infinity;

  constructor(
    private readonly ctx: SyncRunContext,
    private readonly read: ExtractRead,
    private readonly plan: SendPlan,
  ) {
    const { client, options, logger, store, now, nightly } = ctx;
    const mirror = plan.mirror;
    this.book = new RecordBook(
      { maxAttempts: options.maxAttempts, retryBaseMs: options.retryDelayMs, maxRetryMs: options.maxRetryDelayMs, clockSkewMs: options.clockSkewMs },
      (id, event) => mirror?.apply(id, event),
      plan.inDirectory,
    );
    this.share = new FailureShare({
      maxFailedPercent: nightly?.source.guard.maxFailedPercent ?? DEFAULT_GUARD.maxFailedPercent,
      book: this.book,
      mirror,
      logger,
      now,
      source: nightly?.source.name,
    });
    this.watch = new LogWatch({ client, book: this.book, store, options, startedAt: ctx.startedAt, now, logger, share: this.share });
    this.sender = new Sender({
      client,
      book: this.book,
      store,
      mirror,
      options,
      logger,
      now,
      share: this.share,
      failure: this.failure,
      file: read.scan.file,
      onProblem: ctx.hooks.onProblem,
      beforeRequest: () => this.startConfirming(),
      afterUpload: () => this.progress(),
    });
  }

  /** Runs the sync to its report; throws the first fatal error (auth, a wrong id, a failed ledger write). */
  async run(): Promise<SyncReport> {
    const { now } = this.ctx;
    const queued = this.plan.queued;
    this.total = queued.length;
    this.progress();
    const baseline = queued.length > 0 ? await this.watch.baseline() : new Map<string, number>();
    try {
      await this.sender.sendAll(queued, (q) => this.register(q, baseline));
      await this.sender.drain();
      this.uploadsDone = true;
      this.phase = 'confirming';
      this.deadline = now() + this.ctx.options.timeoutMs;
      this.progress();
      await this.confirming;
      this.failure.throwIfFailed();
      // Resends dispatched by the last loop turn may still be in flight when the time runs out.
      await this.sender.drain();
    } finally {
      this.stopped = true;
      await this.confirming;
    }
    const { notConfirmed, deferred } = await this.settle();
    this.phase = 'done';
    this.progress();
    return buildReport({
      scan: this.read.scan,
      book: this.book,
      ledgerBacked: this.plan.mirror !== undefined,
      sent: {
        requests: this.sender.requests,
        uploaded: this.sender.uploaded,
        resent: this.sender.resent,
        ...(this.sender.firstUploadAt === undefined ? {} : { firstUploadAt: this.sender.firstUploadAt }),
      },
      lastOutcomeAt: this.watch.lastOutcomeAt,
      notConfirmed,
      deferred,
      dropped: this.read.dropped,
      ledger: this.plan.ledger,
      outcomes: this.share.tally(),
      stopped: this.share.stoppedFor,
      gateClosed: this.sender.gateClosed,
      startedAt: this.ctx.startedAt,
      finishedAt: now(),
    });
  }

  /** Waits for every upload on its way to end, however it ends. */
  async settleUploads(): Promise<void> {
    await this.sender.settle();
  }

  // Log entries at or before what the baseline or People saw are about earlier runs.
  private register(q: SendItem, baseline: ReadonlyMap<string, number>): void {
    const seen = Math.max(baseline.get(q.externalId) ?? -Infinity, q.seenUpTo ?? -Infinity);
    this.book.add(q.externalId, q.line, q.stored, Number.isFinite(seen) ? seen : undefined, q.intent, q.managerId);
  }

  // Confirmation runs beside the uploads, from the first request on.
  private startConfirming(): void {
    this.confirming ??= this.confirmLoop().catch((err: unknown) => {
      this.failure.note(err);
    });
  }

  private async confirmLoop(): Promise<void> {
    const { sleep, now, options } = this.ctx;
    while (!this.failure.failed && !this.stopped) {
      await sleep(options.pollIntervalMs);
      if (this.failure.failed || this.stopped) return;
      if (this.sender.firstUploadAt !== undefined) await this.readLogs();
      if (this.uploadsDone) await this.sender.resendDue();
      this.progress();
      if (this.uploadsDone && this.sender.idle && this.book.settled()) return;
      if (now() >= this.deadline) return;
    }
  }

  private async readLogs(): Promise<void> {
    try {
      await this.watch.read();
    } catch (err) {
      if (!(err instanceof ProvisioningError) || !PASSING_LOG_FAILURES.includes(err.kind)) throw err;
      this.ctx.logger.warn('Reading the provisioning logs failed; trying again', { kind: err.kind, status: err.status, requestId: err.requestId });
    }
  }

  // The run ends now. With a ledger, what was never sent or never confirmed ends dead-lettered, and the next run sends it.
  private async settle(): Promise<{ notConfirmed: RecordSummary[]; deferred: RecordSummary[] }> {
    const { book } = this;
    const { now } = this.ctx;
    const mirror = this.plan.mirror;
    const notConfirmed = book.open().map(recordSummary);
    const deferred = book.deferred().map(recordSummary);
    const gateClosed = this.sender.gateClosed;
    if (mirror !== undefined && deferred.length > 0) {
      // People does not know them as sent.
      book.abandon(`not sent: ${gateClosed?.detail ?? 'the daily budget was spent'}; the next run sends it`, now(), {
        deferred: true,
        code: gateClosed?.why === 'job' ? 'JobNotActive' : 'DeferredForBudget',
      });
    }
    if (mirror !== undefined) {
      book.abandon(`no provisioning log entry before the sync stopped waiting (--timeout); the next run sends it again`, now());
      await mirror.complete(now());
    }
    return { notConfirmed, deferred };
  }

  private progress(): void {
    this.ctx.hooks.onProgress?.({
      phase: this.phase,
      total: this.total,
      uploaded: this.sender.uploaded,
      requests: this.sender.requests,
      counts: this.book.tally(),
      retrying: this.book.retrying(),
    });
  }
}
