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

export type ThresholdName = 'maxDisables' | 'maxShrinkPercent' | 'maxRejectedPercent';

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
      threshold: 'maxDisables', limit: maxDisables, actual: input.disables,
      message: `${input.disables} disables, more than the ${maxDisables} allowed${thresholds.maxDisables === undefined ? ` (the lower of 500 and 10% of the source's ${input.activePeople} active people, at least 25)` : ''}`,
    });
  }
  if (input.kind === 'full' && input.previousRows !== undefined && input.previousRows > 0) {
    const shrink = Math.max(0, ((input.previousRows - input.rows) / input.previousRows) * 100);
    if (shrink > thresholds.maxShrinkPercent) {
      out.push({
        threshold: 'maxShrinkPercent', limit: thresholds.maxShrinkPercent, actual: round(shrink),
        message: `${input.rows} rows, ${round(shrink)}% fewer than the ${input.previousRows} of the source's last full extract (at most ${thresholds.maxShrinkPercent}% allowed)`,
      });
    }
  }
  if (input.rows > 0) {
    const share = (input.rejected / input.rows) * 100;
    if (share > thresholds.maxRejectedPercent) {
      out.push({
        threshold: 'maxRejectedPercent', limit: thresholds.maxRejectedPercent, actual: round(share),
        message: `${input.rejected} of ${input.rows} rows rejected (${round(share)}%; at most ${thresholds.maxRejectedPercent}% allowed)`,
      });
    }
  }
  return out;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
