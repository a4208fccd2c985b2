// Which records this process's upload invocations hold right now. A report's manager that is still
// unsent is either held by an upload beside it (about to go, at its turn at the rate limit) or
// waiting on the queue. Only the first is worth waiting a few moments for: the second, waited for,
// held the upload's slot for five looks while the host fetched nothing new (65 naps, 11 requests
// waiting out every look, at 20,000 rows on the in-memory store in bench:pipeline), so it is taken
// along at once. Held here, the two uploads that could send a manager twice — one along, one from its
// own message — see each other: whichever holds it second lets it be.
//
// What it cannot see: an upload in another instance of the app. A manager held there is taken
// along here and can go twice, one record more in a request, not a call more (docs/pipeline.md).

/** Records held by this process's upload invocations, counted; one per process. */
export class InFlightRecords {
  private readonly counts = new Map<string, number>();
  // Invocations waiting for records to be let go, each with the keys still held when it asked.
  private readonly waiters = new Set<Waiter>();

  /** Notes one more holder of the record; false when another invocation already held it. */
  hold(runId: string, externalId: string): boolean {
    const key = runRecordKey(runId, externalId);
    const n = this.counts.get(key) ?? 0;
    this.counts.set(key, n + 1);
    return n === 0;
  }

  /** Lets go of one hold of the record. */
  release(runId: string, externalId: string): void {
    const key = runRecordKey(runId, externalId);
    const n = this.counts.get(key) ?? 0;
    if (n > 1) {
      this.counts.set(key, n - 1);
      return;
    }
    this.counts.delete(key);
    for (const w of this.waiters) {
      if (!w.keys.delete(key) || w.keys.size > 0) continue;
      this.waiters.delete(w);
      w.resolve();
    }
  }

  /**
   * Resolves once none of the records is held any more (at once when none is); `cancel` stops
   * waiting. A request waiting for its managers goes on the moment the upload holding them lets
   * go, instead of at its next look a second later.
   */
  whenFree(records: Iterable<{ runId: string; externalId: string }>): { free: Promise<void>; cancel: () => void } {
    const keys = new Set<string>();
    for (const r of records) {
      const key = runRecordKey(r.runId, r.externalId);
      if (this.counts.has(key)) keys.add(key);
    }
    if (keys.size === 0) return { free: Promise.resolve(), cancel: () => undefined };
    const waiter: Waiter = { keys, resolve: () => undefined };
    const free = new Promise<void>((resolve) => {
      waiter.resolve = resolve;
    });
    this.waiters.add(waiter);
    return { free, cancel: () => void this.waiters.delete(waiter) };
  }

  /** Whether any invocation of this process holds the record. */
  has(runId: string, externalId: string): boolean {
    return this.counts.has(runRecordKey(runId, externalId));
  }

  /** How many records are held. */
  get count(): number {
    return this.counts.size;
  }
}

interface Waiter {
  keys: Set<string>;
  resolve: () => void;
}

/** One key per record of a run, for maps and sets of records across runs. */
export function runRecordKey(runId: string, externalId: string): string {
  return `${runId}\u0000${externalId}`;
}

/** What one upload invocation holds; every hold is let go by `releaseAll` when it ends. */
export class Holds {
  private readonly mine = new Map<string, { runId: string; externalId: string }>();
  // Records another invocation held when this one asked: not held here, so this one's own
  // copies neither look held to others nor to itself, and every copy of them is refused.
  private readonly refused = new Set<string>();

  constructor(private readonly inFlight?: Pick<InFlightRecords, 'hold' | 'release'>) {}

  /** Holds the record for this invocation; false when another invocation of this process holds it. */
  take(runId: string, externalId: string): boolean {
    if (this.inFlight === undefined) return true;
    const key = runRecordKey(runId, externalId);
    if (this.refused.has(key)) return false;
    // A record twice in one invocation (a duplicate message) is dropStale's to discard.
    if (this.mine.has(key)) return true;
    if (!this.inFlight.hold(runId, externalId)) {
      this.inFlight.release(runId, externalId);
      this.refused.add(key);
      return false;
    }
    this.mine.set(key, { runId, externalId });
    return true;
  }

  /** Lets go of one record this invocation holds. */
  drop(runId: string, externalId: string): void {
    const key = runRecordKey(runId, externalId);
    if (!this.mine.delete(key)) return;
    this.inFlight?.release(runId, externalId);
  }

  /** Lets go of everything this invocation holds. */
  releaseAll(): void {
    for (const r of this.mine.values()) this.inFlight?.release(r.runId, r.externalId);
    this.mine.clear();
  }
}
