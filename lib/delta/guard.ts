// The guard: before anything of a run is sent, its disables, its shrink against the source's
// last full extract and its share of rejected rows are checked against the source's
// thresholds. A run over any of them is held — nothing sent — until a person approves it.
// Entra Connect holds at 500 deletes, after the fact; hrsync holds before sending, and counts disables.
import type { GuardThresholds, SourceKind } from '../sources/sources.js';

export interface GuardInput {
  kind: SourceKind;
  rows: number;
  rejected: number;
  /** Absent from a full extract, plus `active: false` for someone last confirmed active. */
  disables: number;
  /** The source's people last confirmed active before this run. */
  activePeople: number;
  /** Rows of the source's last full extract that was not held or discarded; undefined for the first. */
  previousRows?: number;
}

export type ThresholdName = 'maxDisables' | 'maxShrinkPercent' | 'maxRejectedPercent' | 'maxFailedPercent';

/** One threshold a run went over, with the numbers. */
export interface TrippedThreshold {
  threshold: ThresholdName;
  limit: number;
  actual: number;
  message: string;
}

/** The disables a source allows per run: its own setting, else the lower of 500 and 10% of its active people, at least 25. */
export function maxDisablesFor(thresholds: GuardThresholds, activePeople: number): number {
  return thresholds.maxDisables ?? Math.max(25, Math.min(500, Math.floor(activePeople / 10)));
}

/** Every threshold the run goes over; empty when it may be sent. */
export function checkGuard(input: GuardInput, thresholds: GuardThresholds): TrippedThreshold[] {
  const out: TrippedThreshold[] = [];
  const maxDisables = maxDisablesFor(thresholds, input.activePeople);
  if (input.disables > maxDisables) {
    out.push({
      threshold: 'maxDisables',
      limit: maxDisables,
      actual: input.disables,
      message: `${input.disables} disables, more than the ${maxDisables} allowed${thresholds.maxDisables === undefined ? ` (the lower of 500 and 10% of the source's ${input.activePeople} active people, at least 25)` : ''}`,
    });
  }
  if (input.kind === 'full' && input.previousRows !== undefined && input.previousRows > 0) {
    const shrink = Math.max(0, ((input.previousRows - input.rows) / input.previousRows) * 100);
    if (shrink > thresholds.maxShrinkPercent) {
      out.push({
        threshold: 'maxShrinkPercent',
        limit: thresholds.maxShrinkPercent,
        actual: round(shrink),
        message: `${input.rows} rows, ${round(shrink)}% fewer than the ${input.previousRows} of the source's last full extract (at most ${thresholds.maxShrinkPercent}% allowed)`,
      });
    }
  }
  if (input.rows > 0) {
    const share = (input.rejected / input.rows) * 100;
    if (share > thresholds.maxRejectedPercent) {
      out.push({
        threshold: 'maxRejectedPercent',
        limit: thresholds.maxRejectedPercent,
        actual: round(share),
        message: `${input.rejected} of ${input.rows} rows rejected (${round(share)}%; at most ${thresholds.maxRejectedPercent}% allowed)`,
      });
    }
  }
  return out;
}

/** Outcomes a run needs in the provisioning logs before its failure share is judged: fewer say little. */
export const FAILURE_GUARD_MIN_OUTCOMES = 200;

/** A run's outcomes in the provisioning logs so far: every entry about its records, and those that failed other than for a manager not there yet. */
export interface OutcomeTally {
  outcomes: number;
  failures: number;
}

/**
 * The failure share, checked while a run is sent: over `maxFailedPercent` of at least 200 outcomes,
 * the run stops. Microsoft quarantines the whole job when more than 40% of its records fail, which
 * stops every source; this stops one run long before that. Reference failures are left out: a
 * report sent before its manager exists fails, and is not a sign of a bad run.
 */
export function checkFailureShare(tally: OutcomeTally, thresholds: Pick<GuardThresholds, 'maxFailedPercent'>): TrippedThreshold | undefined {
  if (tally.outcomes < FAILURE_GUARD_MIN_OUTCOMES || thresholds.maxFailedPercent >= 100) return undefined;
  const share = (tally.failures / tally.outcomes) * 100;
  if (share <= thresholds.maxFailedPercent) return undefined;
  return {
    threshold: 'maxFailedPercent',
    limit: thresholds.maxFailedPercent,
    actual: round(share),
    message: `${tally.failures} of ${tally.outcomes} outcomes in the provisioning logs failed (${round(share)}%; at most ${thresholds.maxFailedPercent}% allowed, reference failures aside): sending stopped before the job is quarantined`,
  };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
