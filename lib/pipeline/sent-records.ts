// Which records this process has seen sent, per run. Upload reads a report's manager from the
// ledger to see whether it went before it; in a nightly run most managers went a little earlier,
// most often from this same process, and reading them again was a quarter of the run's table
// queries (1,035 of ~3,900 at 20,000 rows in bench:pipeline). A manager this process submitted,
// or read as gone (submitted, confirmed, disabled, skipped or unchanged), is not read again.
//
// What it gives up: a manager sent, then sent back (its record failed, or timed out) and not yet
// sent again, reads as sent here, so a report goes without taking it along. That report is then
// one whose manager is missing in the directory, the case reconcile already handles for reports
// sent just before their manager failed: it waits for the manager (docs/pipeline.md, "Managers
// first, even on a retry").

/** Entries kept before the oldest run's are dropped: ~100 bytes each, ~20 MB at most. */
export const SENT_RECORDS_LIMIT = 200_000;

/** Records known to have gone, by run; one per process, shared by every upload invocation in it. */
export class SentRecords {
  private readonly runs = new Map<string, Set<string>>();
  private size = 0;

  constructor(private readonly limit = SENT_RECORDS_LIMIT) {}

  /** Notes records of a run as sent (submitted by this process, or read past their first send). */
  add(runId: string, externalIds: Iterable<string>): void {
    let ids = this.runs.get(runId);
    for (const id of externalIds) {
      if (ids?.has(id) === true) continue;
      // Runs come one after another: the oldest one noted goes first, never the one added to. A
      // run larger than the limit keeps what it has; its later managers are read, as without this.
      while (this.size >= this.limit) if (!this.dropOldestBut(runId)) return;
      if (ids === undefined) this.runs.set(runId, (ids = new Set()));
      ids.add(id);
      this.size++;
    }
  }

  private dropOldestBut(runId: string): boolean {
    for (const [oldest, set] of this.runs) {
      if (oldest === runId) continue;
      this.runs.delete(oldest);
      this.size -= set.size;
      return true;
    }
    return false;
  }

  /** Whether this record of this run is known to have gone. */
  has(runId: string, externalId: string): boolean {
    return this.runs.get(runId)?.has(externalId) === true;
  }

  /** How many records it holds. */
  get count(): number {
    return this.size;
  }
}
