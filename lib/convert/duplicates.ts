// externalId uniqueness within one file. Both rows of a duplicate are rejected, but the
// first is only known to be one when the second arrives, so the tracker remembers where
// each id was first seen and whether that row was valid (and so already passed on).
//
// A million ids as Map keys cost ~60 MB of heap strings and hash entries that every full
// GC walks; here they live in typed arrays (the ids' UTF-16 code units in one arena, an
// open-addressing table of entry numbers), ~25 bytes an id outside the JS heap.

/** Where an externalId was seen in the file. */
export interface DuplicateGroup {
  externalId: string;
  /** Every line the id appears on, in file order. */
  lines: number[];
  /** Whether the first occurrence had passed validation (and must now be withdrawn). */
  firstWasValid: boolean;
}

const INITIAL_ENTRIES = 1024;
const INITIAL_CHARS = 16 * 1024;

/** Tracks externalIds across a file; memory is one arena entry per distinct id. */
export class DuplicateTracker {
  // Slot → entry number + 1 (0: free); kept at most half full so probes stay short.
  private slots = new Int32Array(INITIAL_ENTRIES * 2);
  private hashes = new Int32Array(INITIAL_ENTRIES);
  // Positive line: first row was valid; negative: it was rejected for another reason.
  private firstLines = new Int32Array(INITIAL_ENTRIES);
  // Entry e's id is chars[starts[e], starts[e + 1]).
  private starts = new Uint32Array(INITIAL_ENTRIES + 1);
  private chars = new Uint16Array(INITIAL_CHARS);
  private count = 0;
  private readonly repeats = new Map<string, number[]>();

  /** Records an occurrence; returns the line of the first occurrence when this one is a repeat. */
  see(externalId: string, line: number, valid: boolean): number | undefined {
    const hash = hashOf(externalId);
    const entry = this.find(externalId, hash);
    if (entry < 0) {
      this.add(externalId, hash, valid ? line : -line);
      return undefined;
    }
    const more = this.repeats.get(externalId);
    if (more === undefined) this.repeats.set(externalId, [line]);
    else more.push(line);
    return Math.abs(this.firstLines[entry] as number);
  }

  /** Number of ids seen more than once. */
  get duplicatedCount(): number {
    return this.repeats.size;
  }

  /** Every duplicated id with all its lines. */
  *groups(): Iterable<DuplicateGroup> {
    for (const [externalId, more] of this.repeats) {
      const prior = this.firstLines[this.find(externalId, hashOf(externalId))] as number;
      yield { externalId, lines: [Math.abs(prior), ...more], firstWasValid: prior > 0 };
    }
  }

  // The entry holding `id`, or -1.
  private find(id: string, hash: number): number {
    const mask = this.slots.length - 1;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const slot = this.slots[i] as number;
      if (slot === 0) return -1;
      const entry = slot - 1;
      if (this.hashes[entry] === hash && this.holds(entry, id)) return entry;
    }
  }

  private holds(entry: number, id: string): boolean {
    const start = this.starts[entry] as number;
    if ((this.starts[entry + 1] as number) - start !== id.length) return false;
    const chars = this.chars;
    for (let k = 0; k < id.length; k++) if (chars[start + k] !== id.charCodeAt(k)) return false;
    return true;
  }

  private add(id: string, hash: number, firstLine: number): void {
    const entry = this.count;
    if (entry + 1 >= this.hashes.length) this.growEntries();
    let start = this.starts[entry] as number;
    if (start + id.length > this.chars.length) this.chars = grown(this.chars, start + id.length);
    const chars = this.chars;
    for (let k = 0; k < id.length; k++) chars[start++] = id.charCodeAt(k);
    this.starts[entry + 1] = start;
    this.hashes[entry] = hash;
    this.firstLines[entry] = firstLine;
    this.count = entry + 1;
    if (this.count * 2 > this.slots.length) this.rehash();
    else this.place(entry);
  }

  private place(entry: number): void {
    const mask = this.slots.length - 1;
    let i = (this.hashes[entry] as number) & mask;
    while (this.slots[i] !== 0) i = (i + 1) & mask;
    this.slots[i] = entry + 1;
  }

  private growEntries(): void {
    const size = this.hashes.length * 2;
    this.hashes = grown(this.hashes, size);
    this.firstLines = grown(this.firstLines, size);
    this.starts = grown(this.starts, size + 1);
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    for (let e = 0; e < this.count; e++) this.place(e);
  }
}

// FNV-1a over UTF-16 code units.
function hashOf(id: string): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < id.length; k++) h = Math.imul(h ^ id.charCodeAt(k), 0x01000193);
  return h | 0;
}

function grown<T extends Int32Array | Uint32Array | Uint16Array>(array: T, atLeast: number): T {
  let size = array.length * 2;
  while (size < atLeast) size *= 2;
  const bigger = new (array.constructor as new (n: number) => T)(size);
  bigger.set(array);
  return bigger;
}
