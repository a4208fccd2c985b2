// A run's externalIds, numbered in the order first met, kept as UTF-8 in one buffer and found
// through an open-addressing table of numbers: a million ids take ~20 MB here, against ~65 MB as
// a Map of strings to numbers and an array of the strings.

const EMPTY = -1;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** Strings numbered 0, 1, 2… in the order they were first interned. */
export class IdIndex {
  private bytes: Buffer;
  private used = 0;
  /** Per number, where its bytes start; they end where the next one's start (or at `used`). */
  private starts: Int32Array;
  private count = 0;
  /** Numbers by hash, EMPTY where free; at most half full. */
  private table: Int32Array;

  constructor(expected = 1024) {
    const n = Math.max(16, Math.ceil(expected));
    this.bytes = Buffer.alloc(n * 8);
    this.starts = new Int32Array(n);
    this.table = new Int32Array(tableSizeFor(n)).fill(EMPTY);
  }

  /** How many strings. */
  get size(): number {
    return this.count;
  }

  /** Makes room for `n` ids in all (about 8 bytes each), at once, rather than growing as they come. */
  reserve(n: number): void {
    if (n > this.starts.length) this.starts = grown(this.starts, n);
    if (n * 8 > this.bytes.length) {
      const next = Buffer.alloc(n * 8);
      this.bytes.copy(next, 0, 0, this.used);
      this.bytes = next;
    }
    if (tableSizeFor(n) > this.table.length) this.rehash(tableSizeFor(n));
  }

  /** Lets go of the lookup table (half of what the index holds); get() still works, find() and intern() throw. */
  dropLookup(): void {
    this.table = new Int32Array(0);
  }

  /** The number of `id`, or -1 when it has none. */
  find(id: string): number {
    this.checkLookup();
    const key = keyOf(id);
    return this.table[this.probe(key)] as number;
  }

  /** The number of `id`, given one if it has none yet. */
  intern(id: string): number {
    this.checkLookup();
    const key = keyOf(id);
    const at = this.probe(key);
    const found = this.table[at] as number;
    if (found !== EMPTY) return found;
    const n = this.count++;
    if (n >= this.starts.length) this.starts = grown(this.starts, this.starts.length * 2);
    const length = typeof key === 'string' ? key.length : key.length;
    if (this.used + length > this.bytes.length) {
      const next = Buffer.alloc(Math.max(this.bytes.length * 2, this.used + length));
      this.bytes.copy(next, 0, 0, this.used);
      this.bytes = next;
    }
    if (typeof key === 'string') this.bytes.write(key, this.used, 'latin1');
    else key.copy(this.bytes, this.used);
    this.starts[n] = this.used;
    this.used += length;
    this.table[at] = n;
    if (this.count * 2 > this.table.length) this.rehash(this.table.length * 2);
    return n;
  }

  /** The string numbered `n`. */
  get(n: number): string {
    if (!Number.isInteger(n) || n < 0 || n >= this.count) throw new RangeError(`no id ${n}`);
    return this.bytes.toString('utf8', this.starts[n] as number, this.end(n));
  }

  private checkLookup(): void {
    if (this.table.length === 0) throw new Error('the id index no longer finds ids (dropLookup)');
  }

  private end(n: number): number {
    return n + 1 < this.count ? (this.starts[n + 1] as number) : this.used;
  }

  // Where `key` is in the table, or the free place where it would go.
  private probe(key: string | Buffer): number {
    const mask = this.table.length - 1;
    let at = hashOf(key) & mask;
    for (;;) {
      const n = this.table[at] as number;
      if (n === EMPTY || this.equals(n, key)) return at;
      at = (at + 1) & mask;
    }
  }

  private equals(n: number, key: string | Buffer): boolean {
    const start = this.starts[n] as number;
    const length = this.end(n) - start;
    if (length !== key.length) return false;
    const bytes = this.bytes;
    if (typeof key === 'string') {
      for (let i = 0; i < length; i++) if (bytes[start + i] !== key.charCodeAt(i)) return false;
      return true;
    }
    return bytes.compare(key, 0, length, start, start + length) === 0;
  }

  private rehash(size: number): void {
    const table = new Int32Array(size).fill(EMPTY);
    const mask = size - 1;
    for (let n = 0; n < this.count; n++) {
      let at = hashBytes(this.bytes, this.starts[n] as number, this.end(n)) & mask;
      while (table[at] !== EMPTY) at = (at + 1) & mask;
      table[at] = n;
    }
    this.table = table;
  }
}

function tableSizeFor(n: number): number {
  let size = 16;
  while (size < n * 2) size *= 2;
  return size;
}

function grown(a: Int32Array, size: number): Int32Array {
  const next = new Int32Array(size);
  next.set(a);
  return next;
}

// An ASCII id as it is (its UTF-8 bytes are its char codes), any other as its UTF-8 bytes.
function keyOf(id: string): string | Buffer {
  for (let i = 0; i < id.length; i++) if (id.charCodeAt(i) > 0x7f) return Buffer.from(id, 'utf8');
  return id;
}

// FNV-1a over the UTF-8 bytes.
function hashOf(key: string | Buffer): number {
  if (typeof key !== 'string') return hashBytes(key, 0, key.length);
  let h = FNV_OFFSET;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), FNV_PRIME);
  return h >>> 0;
}

function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ (bytes[i] as number), FNV_PRIME);
  return h >>> 0;
}
