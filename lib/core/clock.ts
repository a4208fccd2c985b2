// Time, read through one port so tests drive it with a fake clock: pacing, back-off, deadlines
// and the pipeline's timestamps. Every part may import this module.

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` milliseconds. */
  sleep(ms: number): Promise<void>;
}

/** The real clock: Date.now and setTimeout. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/**
 * The pipeline stages' view of the same clock, reading the time as a Date (timestamps for the
 * ledger and reports). It stays a separate shape until lib/pipeline's stages, being reworked for
 * throughput, read `Clock.now()` instead.
 */
export interface DateClock {
  now(): Date;
}

/** The real clock as a DateClock. */
export const systemDateClock: DateClock = { now: () => new Date() };
