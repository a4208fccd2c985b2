// parseDate: Luxon format checks at load, one prebuilt parser per format, and a bounded memo
// per formats and zone (HR extracts repeat the same dates many times over).
import { DateTime, IANAZone, Info, Zone, type TokenParser, type ZoneOffsetFormat, type ZoneOffsetOptions } from 'luxon';

// Luxon parses unknown letters as literal text and expands D, T, f… into locale-dependent
// layouts, so a Moment-style 'DD/MM/YYYY' would "work" and never match. Only these are allowed.
const TOKENS = new Set([
  'y', 'yy', 'yyyy', 'M', 'MM', 'MMM', 'MMMM', 'L', 'LL', 'LLL', 'LLLL', 'd', 'dd', 'o', 'ooo',
  'E', 'EEE', 'EEEE', 'H', 'HH', 'h', 'hh', 'm', 'mm', 's', 'ss', 'S', 'SSS', 'u', 'uu', 'uuu',
  'a', 'Z', 'ZZ', 'ZZZ', 'z',
]);
const HINTS: Readonly<Record<string, string>> = {
  D: "'d' for the day", DD: "'dd' for the day", Y: "'y' for the year", YY: "'yy' for the year", YYYY: "'yyyy' for the year",
  T: "quote literal letters: ''T''", t: "quote literal letters: ''t''",
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

// Offsets of the days seen, and of "now" (Luxon's first guess on every parse).
const OFFSET_MEMO_LIMIT = 100_000;

/**
 * An IANA zone with its offsets memoized. Luxon reads an IANA offset through
 * Intl.DateTimeFormat#formatToParts, several microseconds a call and two or three calls a
 * parse; its answer depends only on the whole second of the instant (the parts have no
 * milliseconds and the instant is cut to its second), so a memo keyed by that second
 * gives exactly Luxon's answers.
 */
class MemoZone extends Zone {
  private readonly offsets = new Map<number, number>();

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
    const offset = this.inner.offset(ts);
    if (this.offsets.size >= OFFSET_MEMO_LIMIT) this.offsets.clear();
    this.offsets.set(second, offset);
    return offset;
  }

  override equals(other: Zone): boolean {
    return this.inner.equals(other);
  }

  override get isValid(): boolean {
    return this.inner.isValid;
  }
}
