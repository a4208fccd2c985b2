// Realistic HR worker rows, generated one at a time from a seed, so a million-row extract
// can be streamed to disk and the same seed always gives the same file.
import type { CsvDelimiter } from '../../lib/extract/types.js';
import { csvLine, writeChunked } from './csv.js';
import { DEPARTMENTS, EXECUTIVE, jobCode } from './jobs.js';
import type { Department } from './jobs.js';
import { FIRST_NAMES, LAST_NAMES, MIDDLE_NAMES, NICKNAMES, emailLocalPart, emailPart } from './names.js';
import { COUNTRIES, PERSONAL_DOMAINS } from './places.js';
import type { CountryProfile } from './places.js';
import { Random, hash32 } from './random.js';

export const WORKER_COLUMNS = [
  'WorkerID',
  'WorkerStatus',
  'WorkerType',
  'FirstName',
  'PreferredName',
  'LastName',
  'MiddleName',
  'Email',
  'PersonalEmail',
  'OfficePhone',
  'MobilePhone',
  'JobTitle',
  'JobCode',
  'Department',
  'CostCenter',
  'Division',
  'Company',
  'ManagerID',
  'Street',
  'City',
  'PostCode',
  'Country',
  'HireDate',
  'TerminationDate',
] as const;

export type WorkerColumn = (typeof WORKER_COLUMNS)[number];
/** One row of the extract; an empty cell is `''`. */
export type WorkerRow = Record<WorkerColumn, string>;

export const DEFAULT_SEED = 20250630;
export const WORK_DOMAIN = 'contoso.com';

// The org chart is pure arithmetic on the row position, so a worker's manager is known
// without keeping earlier rows: blocks of TEAM_SIZE rows form a team with one lead, and
// the lead of team t reports to the lead of team floor((t - 1) / TEAMS_PER_LEAD).
const TEAM_SIZE = 8;
const TEAMS_PER_LEAD = 5;
// Share of teams whose lead is the block's last row, so the manager comes after the reports.
const LEAD_LAST_SHARE = 0.3;
// Dates are relative to a fixed "as of" day, never today, so output does not depend on the clock.
const AS_OF = Date.UTC(2025, 5, 30);
const EARLIEST_HIRE = Date.UTC(1998, 0, 5);
const DAY = 86_400_000;

interface Org {
  count: number;
  seed: number;
}

function leadPosition({ count, seed }: Org, team: number): number {
  const start = team * TEAM_SIZE;
  const lastInBlock = start + TEAM_SIZE - 1;
  const leadLast = team > 0 && lastInBlock < count && hash32(seed, team) / 4294967296 < LEAD_LAST_SHARE;
  return leadLast ? lastInBlock : start;
}

function managerPosition(org: Org, position: number): number | undefined {
  const team = Math.floor(position / TEAM_SIZE);
  if (position !== leadPosition(org, team)) return leadPosition(org, team);
  if (team === 0) return undefined;
  return leadPosition(org, Math.floor((team - 1) / TEAMS_PER_LEAD));
}

/** Rows per team of the org chart: team t holds positions t * ORG_TEAM_SIZE up to the next team's first row. */
export const ORG_TEAM_SIZE = TEAM_SIZE;

/** Position of the lead of `team` among `count` rows from `seed`, as generateWorkers places it. */
export function teamLead(count: number, seed: number, team: number): number {
  return leadPosition({ count, seed: seed >>> 0 }, team);
}

/** Whether anyone reports to the row at `position` among `count` rows from `seed`. */
export function managesAnyone(count: number, seed: number, position: number): boolean {
  const org: Org = { count, seed: seed >>> 0 };
  const team = Math.floor(position / TEAM_SIZE);
  if (position >= count || position !== leadPosition(org, team)) return false;
  const teamRows = Math.min(count, (team + 1) * TEAM_SIZE) - team * TEAM_SIZE;
  // The leads of teams team * TEAMS_PER_LEAD + 1 … report here (managerPosition's arithmetic, inverted).
  const firstChildTeam = team * TEAMS_PER_LEAD + 1;
  return teamRows > 1 || firstChildTeam * TEAM_SIZE < count;
}

/** Ids rise with the row but skip a few numbers, as ids of deleted records do. */
function workerId(seed: number, position: number): string {
  const n = 100 + position * 3 + (hash32(seed ^ 0x5bd1e995, position) % 3);
  return `E${String(n).padStart(6, '0')}`;
}

function teamDepartment(seed: number, team: number): Department {
  if (team === 0) return EXECUTIVE;
  return DEPARTMENTS[hash32(seed ^ 0x27d4eb2f, team) % DEPARTMENTS.length] as Department;
}

function teamCountry(seed: number, team: number): CountryProfile {
  const r = new Random(hash32(seed ^ 0x165667b1, team));
  return r.weighted(COUNTRIES.map((c) => [c, c.weight] as const));
}

function formatDate(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getUTCDate()).padStart(2, '0')}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${d.getUTCFullYear()}`;
}

function personalEmail(r: Random, first: string, last: string): string {
  const f = emailPart(first);
  const l = emailPart(last);
  const local = r.pick([`${f}.${l}${r.int(60, 99)}`, `${f}${l}`, `${f.charAt(0)}.${l}`, `${l}.${f}${r.int(1, 9)}`]);
  return `${local}@${r.pick(PERSONAL_DOMAINS)}`;
}

function makeRow(org: Org, position: number, emailsSeen: Map<string, number>): WorkerRow {
  const { seed } = org;
  const r = new Random(hash32(seed, position));
  const team = Math.floor(position / TEAM_SIZE);
  const isLead = position === leadPosition(org, team);
  const dept = teamDepartment(seed, team);
  // Most people sit in their team's country; some work remotely from another entity.
  const country = r.chance(0.9) ? teamCountry(seed, team) : r.pick(COUNTRIES);

  // Managers and the executive team are active employees; everyone else varies.
  const core = isLead || team === 0;
  const workerType = core
    ? 'Employee'
    : r.weighted([
        ['Employee', 80],
        ['Contractor', 15],
        ['Intern', 5],
      ] as const);
  const status = core
    ? 'Active'
    : r.weighted([
        ['Active', 92],
        ['Terminated', 5],
        ['Leave', 3],
      ] as const);

  const first = r.pick(FIRST_NAMES);
  const last = r.pick(LAST_NAMES);
  const middle = r.chance(0.3) ? r.pick(MIDDLE_NAMES) : '';
  const nicknames = NICKNAMES[first];
  const preferred = nicknames !== undefined && r.chance(0.45) ? r.pick(nicknames) : middle !== '' && r.chance(0.1) ? middle : '';

  // Same base name twice gets a number, as mail systems do: anne.smith, anne.smith2, …
  const base = emailLocalPart(first, last);
  const seen = (emailsSeen.get(base) ?? 0) + 1;
  emailsSeen.set(base, seen);
  const email = `${seen === 1 ? base : `${base}${seen}`}@${WORK_DOMAIN}`;

  const title = isLead
    ? dept.managerTitle
    : team === 0
      ? (dept.titles[(position - 1) % dept.titles.length] as string)
      : workerType === 'Intern'
        ? `Intern, ${dept.name}`
        : r.pick(dept.titles);

  // Recent hires are more common than long-serving staff; interns joined within the year.
  const hire = workerType === 'Intern' ? AS_OF - r.int(14, 365) * DAY : AS_OF - Math.floor((AS_OF - EARLIEST_HIRE) * r.next() ** 2) - 14 * DAY;
  const termination = status === 'Terminated' ? hire + Math.max(1, Math.floor(((AS_OF - hire) * r.next()) / DAY)) * DAY : undefined;

  const city = r.pick(country.cities);
  const manager = managerPosition(org, position);

  return {
    WorkerID: workerId(seed, position),
    WorkerStatus: status,
    WorkerType: workerType,
    FirstName: first,
    PreferredName: preferred,
    LastName: last,
    MiddleName: middle,
    Email: email,
    PersonalEmail: personalEmail(r, first, last),
    OfficePhone: r.chance(0.85) ? country.officePhone(r) : '',
    MobilePhone: r.chance(0.75) ? country.mobilePhone(r) : '',
    JobTitle: title,
    JobCode: jobCode(title),
    Department: dept.name,
    CostCenter: `CC${dept.costBase + COUNTRIES.indexOf(country)}`,
    Division: dept.division,
    Company: country.company,
    ManagerID: manager === undefined ? '' : workerId(seed, manager),
    Street: country.street(r),
    // Exports often carry stray trailing spaces; the mapping's trimValues deals with them.
    City: r.chance(0.01) ? `${city.name} ` : city.name,
    PostCode: city.postCode(r),
    Country: country.name,
    HireDate: formatDate(hire),
    TerminationDate: termination === undefined ? '' : formatDate(termination),
  };
}

/**
 * `count` workers in file order. Each iteration starts afresh and yields the same rows;
 * memory stays flat (the only state is a counter per distinct name, bounded by the name pools).
 */
export function generateWorkers(count: number, seed: number = DEFAULT_SEED): Iterable<WorkerRow> {
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
  const org: Org = { count, seed: seed >>> 0 };
  return {
    *[Symbol.iterator]() {
      const emailsSeen = new Map<string, number>();
      for (let position = 0; position < count; position++) yield makeRow(org, position, emailsSeen);
    },
  };
}

export interface CsvOptions {
  seed?: number;
  delimiter?: CsvDelimiter;
  /** Start with a UTF-8 byte order mark, as Excel and many HR systems do. Default false. */
  bom?: boolean;
  /** Default CRLF, as RFC 4180 specifies. */
  eol?: '\r\n' | '\n';
}

function* csvPieces(count: number, options: CsvOptions): Iterable<string> {
  const delimiter = options.delimiter ?? ',';
  const eol = options.eol ?? '\r\n';
  yield `${options.bom === true ? '\uFEFF' : ''}${csvLine(WORKER_COLUMNS, delimiter)}${eol}`;
  for (const row of generateWorkers(count, options.seed)) {
    yield `${csvLine(
      WORKER_COLUMNS.map((c) => row[c]),
      delimiter,
    )}${eol}`;
  }
}

/** Streams a header and `count` rows to `path`. */
export function writeWorkersCsv(path: string, count: number, options: CsvOptions = {}): Promise<void> {
  return writeChunked(path, csvPieces(count, options));
}

/** JSON exports leave an empty field as null rather than `""`. */
export function toJsonRecord(row: WorkerRow): Record<WorkerColumn, string | null> {
  const out = {} as Record<WorkerColumn, string | null>;
  for (const c of WORKER_COLUMNS) out[c] = row[c] === '' ? null : row[c];
  return out;
}

function* jsonPieces(count: number, seed: number | undefined): Iterable<string> {
  let first = true;
  for (const row of generateWorkers(count, seed)) {
    // Indenting each element by two spaces gives exactly JSON.stringify(array, null, 2).
    yield `${first ? '[\n' : ',\n'}  ${JSON.stringify(toJsonRecord(row), null, 2).replaceAll('\n', '\n  ')}`;
    first = false;
  }
  yield first ? '[]\n' : '\n]\n';
}

/** A pretty-printed JSON array of `count` workers. */
export function writeWorkersJson(path: string, count: number, options: { seed?: number } = {}): Promise<void> {
  return writeChunked(path, jsonPieces(count, options.seed));
}

/** One JSON object per line (LF). */
export function writeWorkersNdjson(path: string, count: number, options: { seed?: number } = {}): Promise<void> {
  return writeChunked(
    path,
    (function* () {
      for (const row of generateWorkers(count, options.seed)) yield `${JSON.stringify(toJsonRecord(row))}\n`;
    })(),
  );
}
