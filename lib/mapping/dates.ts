// parseDate: Luxon format checks at load, one prebuilt parser per format, and a bounded memo
// per formats and zone (HR extracts repeat the same dates many times over).
import { DateTime, IANAZone, Info, Settings, Zone, type TokenParser, type ZoneOffsetFormat, type ZoneOffsetOptions } from 'luxon';

// Luxon parses unknown letters as literal text and expands D, T, f… into locale-dependent
// layouts, so a Moment-style 'DD/MM/YYYY' would "work" and never match. Only these are allowed.
const TOKENS = new Set([
  'y',
  'yy',
  'yyyy',
  'M',
  'MM',
  'MMM',
  'MMMM',
  'L',
  'LL',
  'LLL',
  'LLLL',
  'd',
  'dd',
  'o',
  'ooo',
  'E',
  'EEE',
  'EEEE',
  'H',
  'HH',
  'h',
  'hh',
  'm',
  'mm',
  's',
  'ss',
  'S',
  'SSS',
  'u',
  'uu',
  'uuu',
  'a',
  'Z',
  'ZZ',
  'ZZZ',
  'z',
]);
const HINTS: Readonly<Record<string, string>> = {
  D: "'d' for the day",
  DD: "'dd' for the day",
  Y: "'y' for the year",
  YY: "'yy' for the year",
  YYYY: "'yyyy' for the year",
  T: "quote literal letters: ''T''",
  t: "quote literal letters: ''t''",
};
const LOCALE = 'en-US';
// HR dates span decades (hire dates: ~10k distinct days in 30 years), so a smaller memo
// thrashes; 50k short ISO strings per call site stay within a few MB.
const MEMO_LIMIT = 50_000;

/** Checks a date format; returns what is wrong with it, or undefined when Luxon can parse with it. */
export function dateFormatProblem(format: string): string | undefined {
  if (format === '') return 'the date format is empty';
  const runs: string[] = [];
  let quoted = false;
  for (let i = 0; i < format.length; i++) {
    const c = format[i] as string;
    if (c === "'") {
      quoted = !quoted;
      continue;
    }
    if (quoted || !/[A-Za-z]/.test(c)) continue;
    let j = i + 1;
    while (format[j] === c) j++;
    runs.push(format.slice(i, j));
    i = j - 1;
  }
  if (quoted) return `date format '${format}' has an unclosed quote`;
  for (const run of runs) {
    if (!TOKENS.has(run)) {
      const hint = HINTS[run] ?? 'quote letters meant literally';
      return `date format '${format}' uses '${run}', which is not a date token (${hint})`;
    }
  }
  const has = (...letters: string[]): boolean => runs.some((r) => letters.includes(r[0] as string));
  if (has('m') && !has('M', 'L', 'H', 'h')) return `date format '${format}' has minutes ('mm') but no month (months are 'MM')`;
  if (!has('y')) return `date format '${format}' has no year ('yyyy')`;
  if (!has('o') && !(has('M', 'L') && has('d'))) return `date format '${format}' needs a month ('MM') and a day ('dd')`;
  if (has('a') && has('H')) return `date format '${format}' mixes 'a' (AM/PM) with 24-hour 'H' (use 'h' with 'a')`;
  const parser = DateTime.buildFormatParser(format, { locale: LOCALE }) as TokenParser & { isValid?: boolean };
  if (parser.isValid === false) return `date format '${format}' cannot be parsed by Luxon`;
  return undefined;
}

/** True when `zone` is an IANA time-zone name this runtime knows (e.g. `Europe/London`, `UTC`). */
export function isKnownZone(zone: string): boolean {
  return zone !== '' && IANAZone.isValidZone(zone);
}

/** What a prepared parseDate call site gives: the ISO text, or undefined when no format fits. */
export type DateParser = (text: string) => string | undefined;

/** Prepares parseDate for checked formats and zone: parsers built once, results memoized (bounded). */
export function makeDateParser(formats: readonly string[], zone: string): DateParser {
  // Call sites with the same formats and zone give the same answers, so they share one
  // parser and one memo (HireDate and TerminationDate hold many of the same days).
  const key = `${zone}\u0000${formats.join('\u0000')}`;
  let parser = PARSERS.get(key);
  if (parser === undefined) {
    parser = buildDateParser(formats, zone);
    PARSERS.set(key, parser);
  }
  return parser;
}

const PARSERS = new Map<string, DateParser>();

function buildDateParser(formats: readonly string[], zone: string): DateParser {
  const parsers = formats.map((f) => DateTime.buildFormatParser(f, { locale: LOCALE }));
  // A zone object, not its name: Luxon would otherwise look the name up on every parse.
  // normalizeZone turns 'UTC' into the universal zone, so UTC results end in Z.
  const normalized = Info.normalizeZone(zone);
  const options = { zone: normalized instanceof IANAZone ? new MemoZone(normalized) : normalized, locale: LOCALE };
  const memo = new Map<string, string | null>();
  return (text) => {
    const hit = memo.get(text);
    if (hit !== undefined) return hit ?? undefined;
    let result: string | null = null;
    for (const parser of parsers) {
      const quick = quickParse(parser, text, options.zone);
      if (quick === null) continue;
      if (quick !== undefined) {
        result = quick;
        break;
      }
      const dt = DateTime.fromFormatParser(text, parser, options);
      if (dt.isValid) {
        result = dt.toISO({ suppressMilliseconds: true });
        break;
      }
    }
    // Clearing, not evicting one by one: cheap, and a date-heavy file refills the hot entries at once.
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(text, result);
    return result ?? undefined;
  };
}

// What Luxon's parser found in a text (TokenParser#explainFromTokens, which
// DateTime.fromFormatParser calls first; not in Luxon's type declarations).
interface Explanation {
  result?: Record<string, unknown> | null;
  zone?: unknown;
  specificOffset?: unknown;
  invalidReason?: unknown;
}
type Explaining = TokenParser & { explainFromTokens?: (text: string) => Explanation };

const CALENDAR_UNITS: ReadonlySet<string> = new Set(['year', 'month', 'day', 'hour', 'minute', 'second', 'millisecond']);

/**
 * DateTime.fromFormatParser(text, parser, { zone }).toISO({ suppressMilliseconds: true })
 * without building a DateTime, for the common case: a format of calendar numbers (year,
 * month, day, time) and no zone or offset in the text. Luxon's own steps, in its own order
 * (fromObject's checks, objToTS's offset fix from the offset of "now", toISO's layout), so
 * the answer is the same; at ~10k distinct dates per extract, the DateTime, its Locale and
 * its caches cost more than the date. Returns null when Luxon's answer is "invalid", and
 * undefined when the text needs Luxon's full path (other units, a parsed zone).
 */
function quickParse(parser: Explaining, text: string, zone: Zone): string | null | undefined {
  if (typeof parser.explainFromTokens !== 'function') return undefined;
  const found = parser.explainFromTokens(text);
  if (found.invalidReason !== undefined && found.invalidReason !== null) return undefined;
  if ((found.zone !== undefined && found.zone !== null) || found.specificOffset !== undefined) return undefined;
  const r = found.result;
  if (r === null || r === undefined) return null; // no match: Luxon gives an invalid DateTime
  for (const key in r) if (!CALENDAR_UNITS.has(key) || typeof r[key] !== 'number') return undefined;
  const year = r.year as number | undefined;
  const month = r.month as number | undefined;
  const day = r.day as number | undefined;
  if (year === undefined || month === undefined || day === undefined) return undefined;
  const hour = (r.hour as number | undefined) ?? 0;
  const minute = (r.minute as number | undefined) ?? 0;
  const second = (r.second as number | undefined) ?? 0;
  const millisecond = (r.millisecond as number | undefined) ?? 0;
  // fromObject: hasInvalidGregorianData, then hasInvalidTimeData.
  if (!Number.isInteger(year) || !between(month, 1, 12) || !between(day, 1, daysInMonth(year, month))) return null;
  const validHour = between(hour, 0, 23) || (hour === 24 && minute === 0 && second === 0 && millisecond === 0);
  if (!validHour || !between(minute, 0, 59) || !between(second, 0, 59) || !between(millisecond, 0, 999)) return null;
  // objToTS: the local wall time as if UTC, then fixOffset from the zone's offset now.
  let local = Date.UTC(year, month - 1, day, hour, minute, second, millisecond);
  if (year < 100 && year >= 0) {
    const d = new Date(local);
    d.setUTCFullYear(year, month - 1, day);
    local = +d;
  }
  const [ts, offset] = fixOffset(local, zone.offset(Settings.now()), zone);
  if (Number.isNaN(ts)) return null;
  // The DateTime's own calendar fields (a time in a daylight-saving gap moves), then toISO.
  const c = new Date(ts + offset * 60 * 1000);
  const y = c.getUTCFullYear();
  if (Number.isNaN(y)) return null;
  const long = y > 9999 || y < 0;
  let iso = `${long && y >= 0 ? '+' : ''}${pad(y, long ? 6 : 4)}-${pad(c.getUTCMonth() + 1)}-${pad(c.getUTCDate())}T${pad(c.getUTCHours())}:${pad(c.getUTCMinutes())}`;
  const ms = c.getUTCMilliseconds();
  iso += `:${pad(c.getUTCSeconds())}${ms !== 0 ? `.${pad(ms, 3)}` : ''}`;
  if (zone.isUniversal && offset === 0) return `${iso}Z`;
  if (offset < 0) return `${iso}-${pad(Math.trunc(-offset / 60))}:${pad(Math.trunc(-offset % 60))}`;
  return `${iso}+${pad(Math.trunc(offset / 60))}:${pad(Math.trunc(offset % 60))}`;
}

// Luxon's fixOffset: the UTC instant of a local time, given a guess at the zone's offset.
function fixOffset(localTS: number, o: number, zone: Zone): [number, number] {
  let utcGuess = localTS - o * 60 * 1000;
  const o2 = zone.offset(utcGuess);
  if (o === o2) return [utcGuess, o];
  utcGuess -= (o2 - o) * 60 * 1000;
  const o3 = zone.offset(utcGuess);
  if (o2 === o3) return [utcGuess, o2];
  return [localTS - Math.min(o2, o3) * 60 * 1000, Math.max(o2, o3)];
}

function between(n: number, bottom: number, top: number): boolean {
  return Number.isInteger(n) && n >= bottom && n <= top;
}

function daysInMonth(year: number, month: number): number {
  const modMonth = ((((month - 1) % 12) + 12) % 12) + 1;
  const modYear = year + (month - modMonth) / 12;
  if (modMonth === 2) return modYear % 4 === 0 && (modYear % 100 !== 0 || modYear % 400 === 0) ? 29 : 28;
  return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][modMonth - 1] as number;
}

// Luxon's padStart: a minus sign before the padded digits.
function pad(n: number, width = 2): string {
  return n < 0 ? `-${String(-n).padStart(width, '0')}` : String(n).padStart(width, '0');
}

// Offsets of the days seen, and of "now" (Luxon's first guess on every parse).
const OFFSET_MEMO_LIMIT = 100_000;
// en-US with hour12 false and a short era: "06/14/2022 AD, 24:00:00".
const WALL_TIME = /^(\d+)\/(\d+)\/(\d+) (AD|BC),? (\d+):(\d+):(\d+)$/;

/**
 * An IANA zone with its offsets memoized. Luxon reads an IANA offset through
 * Intl.DateTimeFormat#formatToParts, several microseconds a call and two or three calls a
 * parse; its answer depends only on the whole second of the instant (the parts have no
 * milliseconds and the instant is cut to its second), so a memo keyed by that second
 * gives exactly Luxon's answers.
 */
class MemoZone extends Zone {
  private readonly offsets = new Map<number, number>();
  private format: Intl.DateTimeFormat | undefined;

  constructor(private readonly inner: IANAZone) {
    super();
  }

  override get type(): string {
    return this.inner.type;
  }

  override get name(): string {
    return this.inner.name;
  }

  override get isUniversal(): boolean {
    return this.inner.isUniversal;
  }

  override offsetName(ts: number, options: ZoneOffsetOptions): string | null {
    return this.inner.offsetName(ts, options);
  }

  override formatOffset(ts: number, format: ZoneOffsetFormat): string {
    return this.inner.formatOffset(ts, format);
  }

  override offset(ts: number): number {
    // new Date(ts) truncates to whole milliseconds before Luxon floors to the second.
    const second = Math.floor(Math.trunc(ts) / 1000);
    const known = this.offsets.get(second);
    if (known !== undefined) return known;
    const offset = this.read(ts);
    if (this.offsets.size >= OFFSET_MEMO_LIMIT) this.offsets.clear();
    this.offsets.set(second, offset);
    return offset;
  }

  // IANAZone#offset, reading the zone's wall time from Intl's formatted text rather than
  // its parts (Luxon's own way when formatToParts is missing): the same fields, a third of
  // the time, and no array of part objects per call.
  private read(ts: number): number {
    const date = new Date(ts);
    if (Number.isNaN(date.getTime())) return NaN;
    this.format ??= new Intl.DateTimeFormat('en-US', {
      hour12: false,
      timeZone: this.inner.name,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      era: 'short',
    });
    const m = WALL_TIME.exec(this.format.format(date));
    if (m === null) return this.inner.offset(ts);
    let year = Number(m[3]);
    if (m[4] === 'BC') year = -Math.abs(year) + 1;
    const hour = Number(m[5]);
    let asUTC = Date.UTC(year, Number(m[1]) - 1, Number(m[2]), hour === 24 ? 0 : hour, Number(m[6]), Number(m[7]), 0);
    if (year < 100 && year >= 0) {
      const d = new Date(asUTC);
      d.setUTCFullYear(year, Number(m[1]) - 1, Number(m[2]));
      asUTC = +d;
    }
    let asTS = +date;
    const over = asTS % 1000;
    asTS -= over >= 0 ? over : 1000 + over;
    return (asUTC - asTS) / (60 * 1000);
  }

  override equals(other: Zone): boolean {
    return this.inner.equals(other);
  }

  override get isValid(): boolean {
    return this.inner.isValid;
  }
}
