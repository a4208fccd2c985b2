// externalId uniqueness within one file. Both rows of a duplicate are rejected, but the
// first is only known to be one when the second arrives, so the tracker remembers where
// each id was first seen and whether that row was valid (and so already passed on).

/** Where an externalId was seen in the file. */
export interface DuplicateGroup {
  externalId: string;
  /** Every line the id appears on, in file order. */
  lines: number[];
  /** Whether the first occurrence had passed validation (and must now be withdrawn). */
  firstWasValid: boolean;
}

/** Tracks externalIds across a file; memory is one Map entry per distinct id. */
export class DuplicateTracker {
  // Positive line: first row was valid; negative: it was rejected for another reason.
  private readonly first = new Map<string, number>();
  private readonly repeats = new Map<string, number[]>();

  /** Records an occurrence; returns the line of the first occurrence when this one is a repeat. */
  see(externalId: string, line: number, valid: boolean): number | undefined {
    const prior = this.first.get(externalId);
    if (prior === undefined) {
      this.first.set(externalId, valid ? line : -line);
      return undefined;
    }
    const more = this.repeats.get(externalId);
    if (more === undefined) this.repeats.set(externalId, [line]);
    else more.push(line);
    return Math.abs(prior);
  }

  /** Number of ids seen more than once. */
  get duplicatedCount(): number {
    return this.repeats.size;
  }

  /** Every duplicated id with all its lines. */
  *groups(): Iterable<DuplicateGroup> {
    for (const [externalId, more] of this.repeats) {
      const prior = this.first.get(externalId) as number;
      yield { externalId, lines: [Math.abs(prior), ...more], firstWasValid: prior > 0 };
    }
  }
}
