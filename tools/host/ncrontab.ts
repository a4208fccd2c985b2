// Timer schedules as the Functions host reads them: six-field NCRONTAB (seconds first) or a
// TimeSpan "hh:mm:ss" (an interval from the last run). Written here rather than taken from
// cron-parser, whose six-field mode follows Unix cron where NCRONTAB differs (day-of-month OR
// day-of-week, 7 as Sunday); the syntax is small: numbers, names, *, ranges, steps, lists.
import { timeSpanMs } from './host-json.js';

export type Schedule = { kind: 'cron'; text: string; fields: Array<Set<number>> } | { kind: 'interval'; text: string; ms: number };

const FIELDS = ['second', 'minute', 'hour', 'day', 'month', 'day-of-week'] as const;
const RANGES: Array<[number, number]> = [
  [0, 59],
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 6],
];
const NAMES: Array<string[] | undefined> = [
  undefined,
  undefined,
  undefined,
  undefined,
  ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
  ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'],
];

function value(text: string, field: number): number {
  const names = NAMES[field];
  const named = names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return named + (field === 4 ? 1 : 0);
  if (!/^\d+$/.test(text)) throw new Error(`"${text}" is not a ${FIELDS[field]}`);
  return Number(text);
}

function parseField(text: string, field: number): Set<number> {
  const [min, max] = RANGES[field] as [number, number];
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^(\*|([0-9A-Za-z]+)(?:-([0-9A-Za-z]+))?)(?:\/(\d+))?$/.exec(part);
    if (m === null) throw new Error(`"${part}" is not a valid ${FIELDS[field]} field`);
    const from = m[1] === '*' ? min : value(m[2] as string, field);
    // "5/15" means from 5 to the end in steps of 15, as in NCRONTAB.
    const to = m[1] === '*' ? max : m[3] !== undefined ? value(m[3], field) : m[4] !== undefined ? max : from;
    const step = m[4] === undefined ? 1 : Number(m[4]);
    if (from < min || to > max || from > to || step < 1) throw new Error(`${FIELDS[field]} "${part}" is outside ${min}-${max}`);
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

/** Parses a schedule; throws with the reason when it is neither form. */
export function parseSchedule(text: string): Schedule {
  const trimmed = text.trim();
  if (/^[\d.]+:/.test(trimmed)) {
    const ms = timeSpanMs(trimmed);
    if (ms === undefined) throw new Error(`"${text}" is not a TimeSpan (hh:mm:ss)`);
    if (ms <= 0) throw new Error('a TimeSpan schedule must be longer than zero');
    return { kind: 'interval', text, ms };
  }
  const parts = trimmed.split(/\s+/);
  if (parts.length !== 6) throw new Error(`expected six NCRONTAB fields (second minute hour day month day-of-week) or hh:mm:ss, got "${text}"`);
  return { kind: 'cron', text, fields: parts.map((p, i) => parseField(p, i)) };
}

/** The first time strictly after `from` the schedule fires (UTC, as the host without WEBSITE_TIME_ZONE). */
export function nextOccurrence(schedule: Schedule, from: Date): Date {
  if (schedule.kind === 'interval') return new Date(from.getTime() + schedule.ms);
  const [sec, min, hour, day, month, dow] = schedule.fields as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  const t = new Date(Math.floor(from.getTime() / 1000) * 1000 + 1000);
  // Day by day until the date matches, then hour by hour, minute by minute, second by second;
  // four years covers 29 February.
  const end = t.getTime() + 4 * 366 * 86_400_000;
  while (t.getTime() < end) {
    if (!month.has(t.getUTCMonth() + 1) || !day.has(t.getUTCDate()) || !dow.has(t.getUTCDay())) {
      t.setUTCHours(24, 0, 0, 0);
    } else if (!hour.has(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
    } else if (!min.has(t.getUTCMinutes())) {
      t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
    } else {
      for (let s = t.getUTCSeconds(); s < 60; s++) {
        if (sec.has(s)) return new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate(), t.getUTCHours(), t.getUTCMinutes(), s));
      }
      t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
    }
  }
  throw new Error(`the schedule "${schedule.text}" never fires`);
}
