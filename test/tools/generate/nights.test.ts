import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeNightsCsv } from '../../../tools/generate/nights.js';
import type { NightSummary, NightsOptions } from '../../../tools/generate/nights.js';
import { DEFAULT_SEED, ORG_TEAM_SIZE, WORKER_COLUMNS, generateWorkers, teamLead, writeWorkersCsv } from '../../../tools/generate/workers.js';
import type { WorkerRow } from '../../../tools/generate/workers.js';

let dir: string;
let runs = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hrsync-nights-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  summaries: NightSummary[];
  files: WorkerRow[][];
}

async function run(options: NightsOptions): Promise<Run> {
  const summaries = await writeNightsCsv(join(dir, `run-${runs++}`), options);
  const files: WorkerRow[][] = [];
  for (const s of summaries) files.push(parse(await readFile(s.file, 'utf8'), { columns: true }) as WorkerRow[]);
  return { summaries, files };
}

const ids = (rows: readonly WorkerRow[]): string[] => rows.map((r) => r.WorkerID);
const sameRow = (a: WorkerRow, b: WorkerRow): boolean => WORKER_COLUMNS.every((c) => a[c] === b[c]);

/** What a delta sync would see, worked out from the files alone. */
function diff(prev: readonly WorkerRow[], cur: readonly WorkerRow[]): Pick<NightSummary, 'changed' | 'leavers' | 'joiners'> {
  const before = new Map(prev.map((r) => [r.WorkerID, r]));
  const now = new Set(ids(cur));
  return {
    changed: ids(
      cur.filter((r) => {
        const b = before.get(r.WorkerID);
        return b !== undefined && !sameRow(b, r);
      }),
    ),
    leavers: ids(prev.filter((r) => !now.has(r.WorkerID))),
    joiners: ids(cur.filter((r) => !before.has(r.WorkerID))),
  };
}

function expectManagersPresent(rows: readonly WorkerRow[]): void {
  const present = new Set(ids(rows));
  const missing = rows.filter((r) => r.ManagerID !== '' && !present.has(r.ManagerID));
  expect(missing.map((r) => `${r.WorkerID} -> ${r.ManagerID}`)).toEqual([]);
}

describe('writeNightsCsv', () => {
  // Shares large enough that every night has plenty to check; 9 joiners a night so night boundaries fall inside teams.
  const options: NightsOptions = { workers: 3001, nights: 6, seed: 11, changedShare: 0.03, leaverShare: 0.01, joinerShare: 0.003 };
  let main: Run;
  beforeAll(async () => {
    main = await run(options);
  });

  it('writes CRLF CSV with the worker header and no BOM, one file per night', async () => {
    expect(main.summaries.map((s) => s.file)).toEqual([0, 1, 2, 3, 4, 5].map((n) => join(dir, 'run-0', `night-${n}.csv`)));
    for (const s of main.summaries) {
      const text = await readFile(s.file, 'utf8');
      expect(text.startsWith(`${WORKER_COLUMNS.join(',')}\r\n`)).toBe(true);
      expect(text.endsWith('\r\n')).toBe(true);
      expect(text.replaceAll('\r\n', '').includes('\n')).toBe(false);
    }
  });

  it('has exact counts each night: round(share * workers) leavers and joiners, round(share * last night) changes', () => {
    const [first, ...rest] = main.summaries;
    expect(first).toEqual({ night: 0, file: first?.file, rows: 3001, changed: [], leavers: [], joiners: [] });
    let previous = 3001;
    for (const s of rest) {
      expect(s.leavers).toHaveLength(30);
      expect(s.joiners).toHaveLength(9);
      expect(s.changed).toHaveLength(Math.round(0.03 * previous));
      expect(s.rows).toBe(previous - 30 + 9);
      previous = s.rows;
    }
    main.summaries.forEach((s, n) => expect(main.files[n]).toHaveLength(s.rows));
  });

  it('rounds counts from the shares', async () => {
    const { summaries } = await run({ workers: 1234, nights: 3, seed: 5, changedShare: 0.0105, leaverShare: 0.005, joinerShare: 0.003 });
    // 6.17 leavers, 3.702 joiners, 12.957 then 12.93 changes.
    expect(summaries.map((s) => [s.rows, s.leavers.length, s.joiners.length, s.changed.length])).toEqual([
      [1234, 0, 0, 0],
      [1232, 6, 4, 13],
      [1230, 6, 4, 13],
    ]);
  });

  it('says exactly what a diff of the files finds', () => {
    for (let n = 1; n < main.files.length; n++) {
      const s = main.summaries[n] as NightSummary;
      expect({ changed: s.changed, leavers: s.leavers, joiners: s.joiners }).toEqual(diff(main.files[n - 1] ?? [], main.files[n] ?? []));
    }
  });

  it('keeps rows in position order, joiners at the end, and never brings a leaver back', () => {
    const gone = new Set<string>();
    main.files.forEach((rows, n) => {
      const nums = ids(rows).map((id) => Number(id.slice(1)));
      expect(nums.every((v, i) => i === 0 || v > (nums[i - 1] as number))).toBe(true);
      const joiners = main.summaries[n]?.joiners ?? [];
      expect(ids(rows).slice(rows.length - joiners.length)).toEqual(joiners);
      for (const id of main.summaries[n]?.leavers ?? []) gone.add(id);
      expect(ids(rows).filter((id) => gone.has(id))).toEqual([]);
    });
  });

  it('gives every row a ManagerID present that night, joiners included', () => {
    for (const rows of main.files) expectManagersPresent(rows);
  });

  it('lets only active staff outside the executive team who manage nobody leave', () => {
    const executives = new Set(ids(main.files[0]?.slice(0, ORG_TEAM_SIZE) ?? []));
    expect(main.files[0]?.slice(0, ORG_TEAM_SIZE).map((r) => r.Department)).toEqual(Array(ORG_TEAM_SIZE).fill('Executive Office'));
    for (let n = 1; n < main.files.length; n++) {
      const prev = main.files[n - 1] ?? [];
      const byId = new Map(prev.map((r) => [r.WorkerID, r]));
      const managers = new Set(prev.map((r) => r.ManagerID));
      for (const id of main.summaries[n]?.leavers ?? []) {
        expect(byId.get(id)?.WorkerStatus).toBe('Active');
        expect(managers.has(id)).toBe(false);
        expect(executives.has(id)).toBe(false);
      }
    }
  });

  it('changes only JobTitle and CostCenter, and a change stays on later nights', () => {
    for (let n = 1; n < main.files.length; n++) {
      const prev = new Map((main.files[n - 1] ?? []).map((r) => [r.WorkerID, r]));
      const cur = new Map((main.files[n] ?? []).map((r) => [r.WorkerID, r]));
      for (const id of main.summaries[n]?.changed ?? []) {
        const [before, after] = [prev.get(id) as WorkerRow, cur.get(id) as WorkerRow];
        expect(WORKER_COLUMNS.filter((c) => before[c] !== after[c])).toEqual(['JobTitle', 'CostCenter']);
        expect(after.JobTitle).toBe(`${before.JobTitle.replace(/ \(Level \d+\)$/, '')} (Level ${n + 1})`);
      }
    }
    // Someone changed on night 1 and not again keeps night 1's values to the last night.
    const last = main.files.length - 1;
    const later = new Set(main.summaries.slice(2).flatMap((s) => [...s.changed, ...s.leavers]));
    const kept = (main.summaries[1]?.changed ?? []).filter((id) => !later.has(id));
    expect(kept.length).toBeGreaterThan(0);
    const first = new Map((main.files[1] ?? []).map((r) => [r.WorkerID, r]));
    const end = new Map((main.files[last] ?? []).map((r) => [r.WorkerID, r]));
    for (const id of kept) expect(end.get(id)).toEqual(first.get(id));
    // Some are changed twice; the second change replaces the first rather than stacking.
    const twice = main.summaries
      .slice(2)
      .flatMap((s) => s.changed)
      .filter((id) => main.summaries[1]?.changed.includes(id));
    expect(twice.length).toBeGreaterThan(0);
  });

  it('gives the same files for the same seed and other files for another', async () => {
    const again = await writeNightsCsv(join(dir, `run-${runs++}`), options);
    const other = await writeNightsCsv(join(dir, `run-${runs++}`), { ...options, seed: 12 });
    for (let n = 0; n < main.summaries.length; n++) {
      const file = await readFile(main.summaries[n]?.file as string);
      expect((await readFile(again[n]?.file as string)).equals(file)).toBe(true);
      expect((await readFile(other[n]?.file as string)).equals(file)).toBe(false);
    }
    expect(again.map(({ file: _, ...s }) => s)).toEqual(main.summaries.map(({ file: _, ...s }) => s));
  });

  it('writes the same night 0 as writeWorkersCsv when nobody joins later', async () => {
    const seed = DEFAULT_SEED;
    const solo = join(dir, 'solo.csv');
    await writeWorkersCsv(solo, 500, { seed });
    const [night0] = await writeNightsCsv(join(dir, `run-${runs++}`), { workers: 500, nights: 3, joinerShare: 0 });
    expect((await readFile(night0?.file as string)).equals(await readFile(solo))).toBe(true);
  });

  it('never cuts a team off from a lead listed after it, at night 0 or at a later night', async () => {
    const seed = DEFAULT_SEED;
    // A team whose lead is its block's last row, with night 0 ending in the middle of the block.
    let team = 50;
    while (teamLead(Number.MAX_SAFE_INTEGER, seed, team) !== (team + 1) * ORG_TEAM_SIZE - 1) team++;
    const workers = team * ORG_TEAM_SIZE + 3;
    const nights = 40;
    const joiners = 3;
    // Taking the first `workers` rows of the whole run's org as night 0 would orphan that team.
    const naive = [...generateWorkers(workers + joiners * (nights - 1), seed)].slice(0, workers);
    const naiveIds = new Set(ids(naive));
    expect(naive.filter((r) => r.ManagerID !== '' && !naiveIds.has(r.ManagerID)).length).toBeGreaterThan(0);

    const { summaries, files } = await run({ workers, nights, seed, joinerShare: joiners / workers, leaverShare: 0 });
    expect(summaries.map((s) => s.rows)).toEqual(Array.from({ length: nights }, (_, n) => workers + n * joiners));
    for (const rows of files) expectManagersPresent(rows);
    // The rows are still generateWorkers' rows, in order, with the few between such a team's members and its lead left out.
    const everyone = files.flatMap((rows, n) => (n === 0 ? rows : rows.slice(rows.length - joiners)));
    // WorkerIDs are E(100 + 3 * position + 0..2), and do not depend on how many rows are generated.
    const lastPosition = Math.floor((Number(everyone.at(-1)?.WorkerID.slice(1)) - 100) / 3);
    const all = [...generateWorkers(lastPosition + 1, seed)];
    const used = new Set(ids(everyone));
    const kept = all.filter((r) => used.has(r.WorkerID));
    expect(kept.length).toBe(everyone.length);
    expect(kept.map((r) => r.WorkerID)).toEqual(ids(everyone));
    const firstGap = all.findIndex((r) => !used.has(r.WorkerID));
    expect(firstGap).toBe(workers - 1);
  });

  it('rejects bad options and shares it cannot meet', async () => {
    const out = join(dir, `run-${runs++}`);
    await expect(writeNightsCsv(out, { workers: -1, nights: 2 })).rejects.toThrow(RangeError);
    await expect(writeNightsCsv(out, { workers: 10, nights: 0 })).rejects.toThrow(RangeError);
    await expect(writeNightsCsv(out, { workers: 10, nights: 2, changedShare: 1.5 })).rejects.toThrow(RangeError);
    await expect(writeNightsCsv(out, { workers: 40, nights: 2, leaverShare: 0.9 })).rejects.toThrow(/leavers/);
  });

  it('streams a 100,000-worker organisation over 3 nights', async () => {
    const summaries = await writeNightsCsv(join(dir, `run-${runs++}`), { workers: 100_000, nights: 3 });
    expect(summaries.map((s) => [s.rows, s.changed.length, s.leavers.length, s.joiners.length])).toEqual([
      [100_000, 0, 0, 0],
      [100_000, 1000, 500, 500],
      [100_000, 1000, 500, 500],
    ]);
    for (const s of summaries) {
      const bytes = await readFile(s.file);
      let lines = 0;
      for (const b of bytes) if (b === 0x0a) lines++;
      expect(lines).toBe(s.rows + 1);
    }
  });
});
