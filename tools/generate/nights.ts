// Consecutive nightly extracts of one organisation, for testing and benchmarking a delta sync:
// each night a few records change, a few people leave and a few join. Every night streams
// generateWorkers afresh, so memory holds only the small sets of chosen positions.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { csvLine, writeChunked } from './csv.js';
import { Random, hash32 } from './random.js';
import { DEFAULT_SEED, ORG_TEAM_SIZE, WORKER_COLUMNS, generateWorkers, managesAnyone, teamLead } from './workers.js';
import type { WorkerRow } from './workers.js';

export interface NightsOptions {
  /** Size of the organisation on night 0. */
  workers: number;
  /** How many extracts in all (night 0 … nights - 1). */
  nights: number;
  /** Default DEFAULT_SEED from workers.ts. */
  seed?: number;
  /** Share of the previous night's workers whose record changes on each night >= 1. Default 0.01. */
  changedShare?: number;
  /** Share of `workers` leaving on each night >= 1. Default 0.005. */
  leaverShare?: number;
  /** Share of `workers` joining on each night >= 1. Default 0.005. */
  joinerShare?: number;
}

export interface NightSummary {
  /** 0-based. */
  night: number;
  /** Path written. */
  file: string;
  /** Data rows in the file. */
  rows: number;
  /** WorkerIDs whose row differs from the previous night's (joiners excluded), in file order. */
  changed: string[];
  /** WorkerIDs present the previous night and absent now. */
  leavers: string[];
  /** WorkerIDs absent the previous night and present now, in file order (always the file's tail). */
  joiners: string[];
}

// Salts keep the leaver and change draws independent of each other and of workers.ts's streams.
const LEAVER_SALT = 0x3c6ef372;
const CHANGE_SALT = 0xa54ff53a;

interface Layout {
  /** Night k holds the used positions below ends[k]; positions from ends[k - 1] join on night k. */
  ends: number[];
  /** Positions never used, so no night boundary separates a team from a lead listed after it. */
  skipped: Set<number>;
  /** How many rows to generate: the last used position + 1. */
  count: number;
}

/**
 * Positions are used in order: `workers` for night 0, then `joiners` more each night. A team whose
 * lead is its block's last row lists its members before the lead, so a night boundary inside that
 * block would leave members whose manager has not joined yet. There the night takes the members
 * that fit but one, then the lead, and the members in between are never used.
 */
function layOut(workers: number, joiners: number, nights: number, seed: number): Layout {
  const ends: number[] = [];
  const skipped = new Set<number>();
  let position = 0;
  for (let night = 0; night < nights; night++) {
    let remaining = night === 0 ? workers : joiners;
    // The last night that takes anyone may end inside a block: generateWorkers leads a cut-short team from its first row.
    const moreLater = joiners > 0 && night < nights - 1;
    while (remaining > 0) {
      const team = position / ORG_TEAM_SIZE;
      const lastInBlock = position + ORG_TEAM_SIZE - 1;
      if (moreLater && remaining < ORG_TEAM_SIZE && Number.isInteger(team) && teamLead(Number.MAX_SAFE_INTEGER, seed, team) === lastInBlock) {
        for (let q = position + remaining - 1; q < lastInBlock; q++) skipped.add(q);
        position = lastInBlock + 1;
        remaining = 0;
      } else {
        position++;
        remaining--;
      }
    }
    ends.push(position);
  }
  return { ends, skipped, count: position };
}

/** A uniform sample of `size` of the items offered (Algorithm R), in O(size) memory. */
class Reservoir {
  readonly items: number[] = [];
  private seen = 0;
  private readonly size: number;
  private readonly random: Random;

  constructor(size: number, random: Random) {
    this.size = size;
    this.random = random;
  }

  offer(item: number): void {
    this.seen++;
    if (this.items.length < this.size) {
      this.items.push(item);
      return;
    }
    const slot = this.random.int(0, this.seen - 1);
    if (slot < this.size) this.items[slot] = item;
  }
}

/** A promotion of sorts: a new title and cost centre, both naming the night so each change differs from the last. */
function changedRow(row: WorkerRow, night: number): WorkerRow {
  return { ...row, JobTitle: `${row.JobTitle} (Level ${night + 1})`, CostCenter: `${row.CostCenter}-${String(night).padStart(2, '0')}` };
}

function share(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v < 0 || v > 1) throw new RangeError(`${name} must be between 0 and 1, got ${v}`);
  return v;
}

/** Writes night-0.csv … night-(n-1).csv into dir (CSV like writeWorkersCsv: header WORKER_COLUMNS, CRLF, no BOM) and says what changed each night. */
export async function writeNightsCsv(dir: string, options: NightsOptions): Promise<NightSummary[]> {
  const { workers, nights } = options;
  if (!Number.isSafeInteger(workers) || workers < 0) throw new RangeError(`workers must be a non-negative integer, got ${workers}`);
  if (!Number.isSafeInteger(nights) || nights < 1) throw new RangeError(`nights must be a positive integer, got ${nights}`);
  const seed = (options.seed ?? DEFAULT_SEED) >>> 0;
  const changedShare = share('changedShare', options.changedShare, 0.01);
  const leaverCount = Math.round(share('leaverShare', options.leaverShare, 0.005) * workers);
  const joinerCount = Math.round(share('joinerShare', options.joinerShare, 0.005) * workers);

  const layout = layOut(workers, joinerCount, nights, seed);
  const leftOn = new Map<number, number>();
  // Only the latest change counts: each change rewrites the original title and cost centre.
  const changedOn = new Map<number, number>();
  await mkdir(dir, { recursive: true });

  const summaries: NightSummary[] = [];
  for (let night = 0; night < nights; night++) {
    const summary: NightSummary = { night, file: join(dir, `night-${night}.csv`), rows: 0, changed: [], leavers: [], joiners: [] };
    const tomorrow = night + 1 < nights;
    // Every night so far took exactly its joiners and leavers, so tonight's size is known before streaming.
    const changedCount = Math.round(changedShare * (workers + night * (joinerCount - leaverCount)));
    // Tomorrow's leavers and changes are drawn from tonight's rows while they stream past; sampling
    // leaverCount extra changes leaves enough once tomorrow's leavers are struck out.
    const leavers = new Reservoir(tomorrow ? leaverCount : 0, new Random(hash32(seed ^ LEAVER_SALT, night + 1)));
    const changes = new Reservoir(tomorrow ? changedCount + leaverCount : 0, new Random(hash32(seed ^ CHANGE_SALT, night + 1)));

    const pieces = function* (): Iterable<string> {
      yield `${csvLine(WORKER_COLUMNS)}\r\n`;
      const end = layout.ends[night] as number;
      const firstJoiner = night === 0 ? end : (layout.ends[night - 1] as number);
      let position = -1;
      for (const row of generateWorkers(layout.count, seed)) {
        position++;
        if (position >= end) break;
        if (layout.skipped.has(position)) continue;
        const left = leftOn.get(position);
        if (left !== undefined && left <= night) {
          if (left === night) summary.leavers.push(row.WorkerID);
          continue;
        }
        if (position >= firstJoiner) summary.joiners.push(row.WorkerID);
        const changed = changedOn.get(position);
        if (changed === night) summary.changed.push(row.WorkerID);
        const out = changed === undefined ? row : changedRow(row, changed);
        yield `${csvLine(WORKER_COLUMNS.map((c) => out[c]))}\r\n`;
        summary.rows++;
        if (!tomorrow) continue;
        changes.offer(position);
        // A leaver's account is disabled, so only active staff who manage nobody leave; the executive team stays.
        if (position >= ORG_TEAM_SIZE && row.WorkerStatus === 'Active' && !managesAnyone(layout.count, seed, position)) {
          leavers.offer(position);
        }
      }
    };
    await writeChunked(summary.file, pieces());
    summaries.push(summary);
    if (!tomorrow) continue;

    if (leavers.items.length < leaverCount) {
      throw new RangeError(`night ${night + 1} needs ${leaverCount} leavers but only ${leavers.items.length} active workers who manage nobody are left`);
    }
    const leaving = new Set(leavers.items);
    const changing = changes.items.filter((p) => !leaving.has(p)).slice(0, changedCount);
    if (changing.length < changedCount) {
      throw new RangeError(`night ${night + 1} needs ${changedCount} changed records but only ${changing.length} workers stay`);
    }
    for (const p of leaving) leftOn.set(p, night + 1);
    for (const p of changing) changedOn.set(p, night + 1);
  }
  return summaries;
}
