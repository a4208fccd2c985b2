// Past the source's failure share the sync sends nothing more, well before Microsoft quarantines
// the whole job (at 40% failed): what is still queued ends held, and the run says why.
import { checkFailureShare } from '../delta/guard.js';
import type { OutcomeTally } from '../delta/guard.js';
import type { HeldThreshold } from '../ledger/types.js';
import type { Logger } from '../core/logger.js';
import type { RecordOutcome } from '../provisioning/outcomes.js';
import { EVENTS } from '../telemetry/catalogue.js';
import { emitEvent } from '../telemetry/emit.js';
import type { LedgerMirror } from './ledger-run.js';
import type { RecordBook } from './record-book.js';

export interface FailureShareContext {
  maxFailedPercent: number;
  book: Pick<RecordBook, 'stop'>;
  mirror: Pick<LedgerMirror, 'runId' | 'stop'> | undefined;
  logger: Logger;
  now: () => number;
  /** The source's name, for the event. */
  source: string | undefined;
}

/** Counts the sync's outcomes in the logs and stops the sync once too many failed. */
export class FailureShare {
  private readonly counted: OutcomeTally = { outcomes: 0, failures: 0 };
  private tripped: HeldThreshold | undefined;

  constructor(private readonly ctx: FailureShareContext) {}

  /** The threshold that stopped the sync, once it has. */
  get stoppedFor(): HeldThreshold | undefined {
    return this.tripped;
  }

  /** The outcomes counted so far. */
  tally(): OutcomeTally {
    return { ...this.counted };
  }

  /** Counts one outcome the record book applied. */
  count(outcome: RecordOutcome): void {
    this.counted.outcomes++;
    // A report that reached the service before its manager fails for the reference: not a sign of a bad run.
    if (outcome.status === 'failure' && outcome.category !== 'reference-pending') this.counted.failures++;
  }

  /** Stops the sync if the share is over its limit: what is queued ends held, and nothing more is sent. */
  judge(): void {
    if (this.tripped !== undefined) return;
    const tripped = checkFailureShare(this.counted, { maxFailedPercent: this.ctx.maxFailedPercent });
    if (tripped === undefined) return;
    this.tripped = tripped;
    const { book, mirror, logger, now } = this.ctx;
    const held = book.stop();
    mirror?.stop(tripped, now());
    const { outcomes, failures } = this.counted;
    logger.warn('Run stopped: too many failures', {
      ...(mirror === undefined ? {} : { runId: mirror.runId }),
      outcomes,
      failures,
      percent: tripped.actual,
      limit: tripped.limit,
      notSent: held.length,
    });
    emitEvent(EVENTS.runStopped, {
      runId: mirror?.runId,
      source: this.ctx.source,
      mode: 'sync',
      outcomes,
      failures,
      percent: tripped.actual,
      limit: tripped.limit,
      notSent: held.length,
    });
  }
}
