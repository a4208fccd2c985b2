// An extract's records for planning, kept compact: a million candidates as objects (and the set of
// ids present, the plan's records and the send order, each another million objects) took ingest
// past 2.5 GB. Here every externalId the run meets is held once, numbered by a slot; each valid
// record is a row of typed-array columns (its id's slot, line, OperationStore number, binary hash,
// flags, its manager's slot); a record's plan decision is two more small columns. Objects are made
// for one record at a time, when it is planned or written.
import { candidateOf } from './candidate.js';
import { HASH_PREFIX } from './hash.js';
import { IdIndex } from './ids.js';
import { dropManagerReference } from './managers.js';
import type { KnownPeople, ManagerDropped } from './managers.js';
import type { Candidate, RecordDecision } from './plan.js';
import type { Intent } from '../core/lifecycle.js';

const PRESENT = 1;
const VALID = 2;

const ACTIVE = 1;
const WITHOUT_MANAGER = 2;

const HASH_BYTES = 32;
const HEX_HASH = new RegExp(`^${HASH_PREFIX}[0-9a-f]{${HASH_BYTES * 2}}$`);

/** A record's state and intent in the plan, as one byte: 0 not planned yet. */
const DECISION_CODES = ['', 'unchanged', 'create', 'update', 'resend', 'disable'] as const;
type DecisionCode = 0 | 1 | 2 | 3 | 4 | 5;

function codeOf(d: RecordDecision): DecisionCode {
  if (d.state === 'unchanged') return 1;
  switch (d.intent) {
    case 'create':
      return 2;
    case 'update':
      return 3;
    case 'resend':
      return 4;
    case 'disable':
      return 5;
    default:
      throw new Error(`a queued record without a known intent: ${String(d.intent)}`);
  }
}

/** A growable typed array. */
class Column<T extends Int32Array | Uint8Array> {
  data: T;
  constructor(
    private readonly make: (n: number) => T,
    private readonly width = 1,
  ) {
    this.data = make(1024 * width);
  }
  /** Room for `rows`: doubling, or `exactly` that many. */
  ensure(rows: number, exactly = false): void {
    if (rows * this.width <= this.data.length) return;
    let size = this.data.length;
    if (exactly) size = rows * this.width;
    while (size < rows * this.width) size *= 2;
    const next = this.make(size);
    next.set(this.data);
    this.data = next;
  }
}

/** The plan's view of one record of the table (a fresh object each call). */
export interface TableRecord extends Candidate {
  /** The record's row in the table. */
  row: number;
}

/**
 * Every externalId of an extract (valid, rejected, or named as a manager) and its valid records in
 * file order. `has` answers whether the extract holds an id, rejected rows included: the table is
 * the run's `present`.
 */
export class CandidateTable {
  constructor(expectedIds = 1024) {
    this.ids = new IdIndex(expectedIds);
  }

  private readonly ids: IdIndex;
  private readonly slotFlags = new Column((n) => new Uint8Array(n));
  /** Per slot, the row of its valid record, or -1. */
  private readonly slotRow = new Column((n) => new Int32Array(n));

  private rows = 0;
  private readonly rowSlot = new Column((n) => new Int32Array(n));
  private readonly rowLine = new Column((n) => new Int32Array(n));
  private readonly rowStored = new Column((n) => new Int32Array(n));
  private readonly rowHash = new Column((n) => Buffer.alloc(n), HASH_BYTES);
  private readonly rowFlags = new Column((n) => new Uint8Array(n));
  /** Per row, the slot of the manager it names (or, when sent without it, the manager left out), or -1. */
  private readonly rowManager = new Column((n) => new Int32Array(n));
  private readonly rowDecision = new Column((n) => new Uint8Array(n));
  private readonly rowNote = new Column((n) => new Int32Array(n));
  /** Hashes not of recordHash's form, by row (none in practice). */
  private readonly oddHashes = new Map<number, string>();
  private hashesDropped = false;
  private lookupDropped = false;
  private readonly notes: string[] = [];
  private readonly noteIndex = new Map<string, number>();

  /** How many valid records. */
  get length(): number {
    return this.rows;
  }

  /** Whether the extract holds `externalId`, valid or rejected. */
  has(externalId: string): boolean {
    const slot = this.ids.find(externalId);
    return slot !== -1 && ((this.slotFlags.data[slot] as number) & PRESENT) !== 0;
  }

  /** A rejected row's id: present, with no valid record. */
  addPresent(externalId: string): void {
    const slot = this.slot(externalId);
    (this.slotFlags.data as Uint8Array)[slot] = (this.slotFlags.data[slot] as number) | PRESENT;
  }

  /** One valid operation, as candidateOf reads it; returns its row. */
  add(externalId: string, line: number, json: string, stored: number): number {
    return this.addCandidate(candidateOf(externalId, line, json, stored));
  }

  /** One valid record; returns its row. An id is valid once: a second record of it replaces the first's slot row. */
  addCandidate(c: Candidate): number {
    if (this.hashesDropped) throw new Error('the table no longer holds hashes (dropHashes): nothing can be added');
    const row = this.rows++;
    for (const col of this.rowColumns()) col.ensure(this.rows);
    const slot = this.slot(c.externalId);
    (this.slotFlags.data as Uint8Array)[slot] = (this.slotFlags.data[slot] as number) | PRESENT | VALID;
    this.slotRow.data[slot] = row;
    this.rowSlot.data[row] = slot;
    this.rowLine.data[row] = c.line;
    this.rowStored.data[row] = c.stored;
    this.setHash(row, c.hash);
    this.rowFlags.data[row] = (c.active ? ACTIVE : 0) | (c.withoutManager === undefined ? 0 : WITHOUT_MANAGER);
    const manager = c.withoutManager ?? c.managerId;
    this.rowManager.data[row] = manager === undefined ? -1 : this.slot(manager);
    this.rowDecision.data[row] = 0;
    this.rowNote.data[row] = -1;
    return row;
  }

  /** The record at `row`, as the plan sees it. */
  get(row: number): TableRecord {
    const r = this.unhashed(row) as TableRecord;
    r.hash = this.hash(row);
    return r;
  }

  /** The record at `row` without its hash: all the table still holds once its hashes are dropped. */
  unhashed(row: number): Omit<TableRecord, 'hash'> {
    this.check(row);
    const flags = this.rowFlags.data[row] as number;
    const manager = this.rowManager.data[row] as number;
    const managerId = manager < 0 ? undefined : this.ids.get(manager);
    const r: Omit<TableRecord, 'hash'> = {
      row,
      externalId: this.ids.get(this.rowSlot.data[row] as number),
      line: this.rowLine.data[row] as number,
      stored: this.rowStored.data[row] as number,
      active: (flags & ACTIVE) !== 0,
    };
    if (managerId !== undefined) {
      if ((flags & WITHOUT_MANAGER) !== 0) r.withoutManager = managerId;
      else r.managerId = managerId;
    }
    return r;
  }

  /** A record's hash, as recordHash gave it. */
  hash(row: number): string {
    this.check(row);
    if (this.hashesDropped) throw new Error('the table no longer holds hashes (dropHashes)');
    return this.oddHashes.get(row) ?? `${HASH_PREFIX}${Buffer.from(this.rowHash.data.buffer, this.rowHash.data.byteOffset + row * HASH_BYTES, HASH_BYTES).toString('hex')}`;
  }

  /**
   * Lets go of the hashes (32 bytes a record) once the plan is made and the caller has what it
   * still needs of them; nothing may be added, and get() and hash() throw, afterwards.
   */
  dropHashes(): void {
    this.hashesDropped = true;
    this.rowHash.data = Buffer.alloc(0);
    this.oddHashes.clear();
  }

  /** Lets go of finding records by id (~12 bytes an id) once nothing asks any more; has(), managerRow() and adding throw afterwards. */
  dropLookup(): void {
    this.ids.dropLookup();
    this.slotRow.data = new Int32Array(0);
    this.lookupDropped = true;
  }

  /** The valid records in file order. */
  *records(): IterableIterator<TableRecord> {
    for (let row = 0; row < this.rows; row++) yield this.get(row);
  }

  externalIdOf(row: number): string {
    this.check(row);
    return this.ids.get(this.rowSlot.data[row] as number);
  }

  /** The manager a record names and is sent with, or undefined. */
  managerOf(row: number): string | undefined {
    this.check(row);
    const manager = this.rowManager.data[row] as number;
    return manager < 0 || ((this.rowFlags.data[row] as number) & WITHOUT_MANAGER) !== 0 ? undefined : this.ids.get(manager);
  }

  /** The row of the valid record `managerOf(row)` names, or -1 (none, or not valid in this extract). */
  managerRow(row: number): number {
    this.check(row);
    if (this.lookupDropped) throw new Error('the table no longer finds records by id (dropLookup)');
    const manager = this.rowManager.data[row] as number;
    if (manager < 0 || ((this.rowFlags.data[row] as number) & WITHOUT_MANAGER) !== 0) return -1;
    return (this.slotFlags.data[manager] as number) & VALID ? (this.slotRow.data[manager] as number) : -1;
  }

  /** Keeps the plan's decision for a record. */
  decide(row: number, d: RecordDecision): void {
    this.check(row);
    this.rowDecision.data[row] = codeOf(d);
    let note = this.noteIndex.get(d.note);
    if (note === undefined) {
      note = this.notes.push(d.note) - 1;
      this.noteIndex.set(d.note, note);
    }
    this.rowNote.data[row] = note;
  }

  /** The plan's decision for a record (confirmedAt is not kept: the caller has People). */
  decision(row: number): { state: 'queued' | 'unchanged'; intent?: Intent; note: string } {
    this.check(row);
    const code = this.rowDecision.data[row] as DecisionCode;
    if (code === 0) throw new Error(`record ${row} has not been planned`);
    const note = this.notes[this.rowNote.data[row] as number] as string;
    return code === 1 ? { state: 'unchanged', note } : { state: 'queued', intent: DECISION_CODES[code] as Intent, note };
  }

  /**
   * releaseFromRejectedManagers on the table: reports whose manager's row was rejected in this run
   * (present, yet no valid record) and whom `known` does not find in the directory go without the
   * reference, their operations stored again without it and their hashes re-derived. Returns who.
   */
  async releaseFromRejectedManagers(known: KnownPeople | undefined, store: { read(n: number): Promise<string>; add(json: string): number }): Promise<ManagerDropped[]> {
    const rejectedManagers = new Set<string>();
    for (let row = 0; row < this.rows; row++) {
      const m = this.rejectedManager(row);
      if (m !== undefined) rejectedManagers.add(m);
    }
    if (rejectedManagers.size === 0) return [];
    const inDirectory = known === undefined ? new Set<string>() : await known([...rejectedManagers]);
    const dropped: ManagerDropped[] = [];
    for (let row = 0; row < this.rows; row++) {
      const m = this.rejectedManager(row);
      if (m === undefined || inDirectory.has(m)) continue;
      const released = dropManagerReference(await store.read(this.rowStored.data[row] as number));
      this.rowStored.data[row] = store.add(released.json);
      this.setHash(row, released.hash);
      this.rowFlags.data[row] = (this.rowFlags.data[row] as number) | WITHOUT_MANAGER;
      dropped.push({ externalId: this.externalIdOf(row), line: this.rowLine.data[row] as number, managerId: m });
    }
    return dropped;
  }

  /** The ids named as managers that the extract does not hold at all, and the rows naming them (ids, lines, managers). */
  unknownManagerRefs(): Array<{ externalId: string; line: number; managerId: string }> {
    const refs: Array<{ externalId: string; line: number; managerId: string }> = [];
    for (let row = 0; row < this.rows; row++) {
      const manager = this.managerOf(row);
      if (manager === undefined || manager === this.externalIdOf(row) || this.has(manager)) continue;
      refs.push({ externalId: this.externalIdOf(row), line: this.rowLine.data[row] as number, managerId: manager });
    }
    return refs;
  }

  // The manager a record names whose row was rejected here (the extract holds the id, no valid record does).
  private rejectedManager(row: number): string | undefined {
    const m = this.rowManager.data[row] as number;
    if (m < 0 || ((this.rowFlags.data[row] as number) & WITHOUT_MANAGER) !== 0 || m === this.rowSlot.data[row]) return undefined;
    const flags = this.slotFlags.data[m] as number;
    return (flags & PRESENT) !== 0 && (flags & VALID) === 0 ? this.ids.get(m) : undefined;
  }

  private slot(externalId: string): number {
    const known = this.ids.size;
    const slot = this.ids.intern(externalId);
    if (slot === known) {
      this.slotFlags.ensure(this.ids.size);
      this.slotRow.ensure(this.ids.size);
      this.slotFlags.data[slot] = 0;
      this.slotRow.data[slot] = -1;
    }
    return slot;
  }

  /**
   * Makes room for `rows` valid records and `ids` ids in all, at once (the scan's counts), rather
   * than growing as they come: grown a step at a time while the spool is read, between its many
   * short-lived buffers, the old copies left the process's heap in pieces it did not give back.
   */
  reserve(rows: number, ids = rows): void {
    for (const col of this.rowColumns()) col.ensure(rows, true);
    this.ids.reserve(ids);
    this.slotFlags.ensure(ids, true);
    this.slotRow.ensure(ids, true);
  }

  private rowColumns(): Array<Column<Int32Array | Uint8Array>> {
    return [this.rowSlot, this.rowLine, this.rowStored, this.rowHash, this.rowFlags, this.rowManager, this.rowDecision, this.rowNote];
  }

  private setHash(row: number, hash: string): void {
    if (HEX_HASH.test(hash)) {
      this.oddHashes.delete(row);
      this.rowHash.data.write(hash.slice(HASH_PREFIX.length), row * HASH_BYTES, 'hex');
    } else {
      this.oddHashes.set(row, hash);
    }
  }

  private check(row: number): void {
    if (!Number.isInteger(row) || row < 0 || row >= this.rows) throw new RangeError(`no record ${row}`);
  }
}
