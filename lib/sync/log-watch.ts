// Reads the provisioning logs for a direct sync: which entries were there before it started, and
// the outcomes of its records since, applied to the record book oldest first.
import type { OperationStore } from '../convert/operation-store.js';
import type { ProvisioningClient } from '../provisioning/client.js';
import type { Logger } from '../core/logger.js';
import { outcomeOf } from '../provisioning/outcomes.js';
import type { RecordOutcome } from '../provisioning/outcomes.js';
import type { FailureShare } from './failure-share.js';
import { withRecordMasked } from './masked-outcome.js';
import type { RecordBook } from './record-book.js';
import type { SyncOptions } from './types.js';

export interface LogWatchContext {
  client: Pick<ProvisioningClient, 'queryProvisioningLogs'>;
  book: RecordBook;
  store: Pick<OperationStore, 'read'>;
  options: Pick<SyncOptions, 'clockSkewMs' | 'logLagMs' | 'logPageSize'>;
  startedAt: number;
  now: () => number;
  logger: Logger;
  share: Pick<FailureShare, 'count' | 'judge'>;
}

/** Follows the provisioning logs from the sync's start. */
export class LogWatch {
  // Each read reaches back logLagMs behind the newest entry seen: entries become visible late.
  private newest: number;
  private lastApplied: number | undefined;

  constructor(private readonly ctx: LogWatchContext) {
    this.newest = ctx.startedAt - ctx.options.clockSkewMs;
  }

  /** Local time the last outcome was applied to a record. */
  get lastOutcomeAt(): number | undefined {
    return this.lastApplied;
  }

  /** The newest entry per externalId already in the logs when the sync started: those must not confirm this one (a run moments ago). */
  async baseline(): Promise<Map<string, number>> {
    const latest = new Map<string, number>();
    for await (const entry of this.ctx.client.queryProvisioningLogs({ since: new Date(this.ctx.startedAt - this.ctx.options.clockSkewMs) })) {
      const id = entry.sourceIdentity?.id;
      const time = Date.parse(entry.activityDateTime);
      if (id !== undefined && !Number.isNaN(time) && time > (latest.get(id) ?? -Infinity)) latest.set(id, time);
    }
    return latest;
  }

  /** Reads the logs since the last read, applies the outcomes to the book, and judges the failure share. */
  async read(): Promise<void> {
    const { client, book, store, options, startedAt, now, logger, share } = this.ctx;
    const since = new Date(Math.max(startedAt - options.clockSkewMs, this.newest - options.logLagMs));
    const outcomes: RecordOutcome[] = [];
    for await (const entry of client.queryProvisioningLogs({ since, ...(options.logPageSize === undefined ? {} : { pageSize: options.logPageSize }) })) {
      const outcome = outcomeOf(entry);
      if (outcome !== undefined) outcomes.push(await withRecordMasked(outcome, book.get(outcome.externalId)?.stored, (n) => store.read(n)));
    }
    // Oldest first, so a failure and the later success of its resend apply in the order they happened.
    outcomes.sort((a, b) => Date.parse(a.activityDateTime) - Date.parse(b.activityDateTime));
    const at = now();
    for (const o of outcomes) {
      const time = Date.parse(o.activityDateTime);
      if (time > this.newest) this.newest = time;
      const effect = book.apply(o, at);
      if (effect !== 'ignored') {
        this.lastApplied = at;
        share.count(o);
      }
      if (effect === 'retry') logger.info('Retryable failure; will resend', { externalId: o.externalId, errorCode: o.errorCode });
    }
    share.judge();
  }
}
