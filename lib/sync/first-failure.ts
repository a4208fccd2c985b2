// The sync's first fatal error, from whichever part met it (an upload, a log read): once it is
// set, the uploads and the confirmation loop stop, and the sync throws it.

/** Holds the first fatal error of a sync. */
export class FirstFailure {
  private error: unknown;

  /** Keeps `err` unless an earlier error is kept already. */
  note(err: unknown): void {
    this.error ??= err;
  }

  /** Whether a fatal error was met. */
  get failed(): boolean {
    return this.error !== undefined;
  }

  /** Throws the first fatal error, if any. */
  throwIfFailed(): void {
    if (this.error !== undefined) throw this.error;
  }
}
