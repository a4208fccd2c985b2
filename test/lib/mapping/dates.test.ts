import { describe, expect, test } from 'vitest';
import { DateTime } from 'luxon';
import { dateFormatProblem, isKnownZone, makeDateParser } from '../../../lib/mapping/dates.js';
import { load, userOf } from './helpers.js';

describe('date formats', () => {
  test.each(['dd/MM/yyyy', 'yyyy-MM-dd', "yyyy-MM-dd'T'HH:mm:ss", 'd MMM yyyy', 'MM/dd/yy hh:mm a', 'yyyyMMdd', "yyyy-MM-dd'T'HH:mm:ssZZ"])('%s is accepted', (format) => {
    expect(dateFormatProblem(format)).toBeUndefined();
  });

  test.each([
    ['', 'empty'],
    ['DD/MM/YYYY', "'dd' for the day"],
    ['dd/MM/YYYY', "'yyyy' for the year"],
    ['dd/mm/yyyy', 'no month'],
    ['dd/MM/yyyy Q', "uses 'Q'"],
  ])('%j is refused: %s', (format, detail) => {
    expect(dateFormatProblem(format)).toContain(detail);
  });

  test('zones are IANA names', () => {
    expect(isKnownZone('Europe/London')).toBe(true);
    expect(isKnownZone('UTC')).toBe(true);
    expect(isKnownZone('Mars/Olympus')).toBe(false);
    expect(isKnownZone('')).toBe(false);
  });
});

describe('makeDateParser', () => {
  test('the first format that fits wins; offsets follow the zone and daylight saving', () => {
    const parse = makeDateParser(['MM/dd/yyyy', 'dd/MM/yyyy'], 'Europe/Paris');
    expect(parse('07/03/2021')).toBe('2021-07-03T00:00:00+02:00');
    expect(parse('25/12/2021')).toBe('2021-12-25T00:00:00+01:00');
    expect(parse('31/02/2021')).toBeUndefined();
  });

  test('UTC results end in Z', () => {
    expect(makeDateParser(['yyyy-MM-dd HH:mm'], 'UTC')('2024-02-29 13:45')).toBe('2024-02-29T13:45:00Z');
  });

  test('memoized answers, good and bad, stay right past the memo limit', () => {
    const parse = makeDateParser(['yyyy-MM-dd'], 'UTC');
    for (let i = 0; i < 3; i++) {
      expect(parse('2020-01-01')).toBe('2020-01-01T00:00:00Z');
      expect(parse('nope')).toBeUndefined();
    }
    for (let d = 0; d < 60_000; d++) parse(String(d));
    expect(parse('2020-01-01')).toBe('2020-01-01T00:00:00Z');
    expect(parse('nope')).toBeUndefined();
  });

  test('gives what Luxon gives on its own, across years of daylight-saving changes in zones with odd rules', () => {
    // Midnight and half-past-midnight changes, 30-minute and 45-minute offsets, a skipped day.
    const zones = ['Europe/London', 'America/Havana', 'Australia/Lord_Howe', 'Pacific/Chatham', 'Pacific/Apia'];
    const texts: string[] = [];
    for (let day = Date.UTC(1965, 0, 1); day < Date.UTC(2035, 0, 1); day += 9 * 86_400_000) {
      const d = new Date(day).toISOString().slice(0, 10);
      texts.push(`${d} 00:00`, `${d} 00:30`, `${d} 02:30`);
    }
    for (const zone of zones) {
      const parse = makeDateParser(['yyyy-MM-dd HH:mm'], zone);
      const wrong = texts.filter((t) => parse(t) !== (DateTime.fromFormat(t, 'yyyy-MM-dd HH:mm', { zone, locale: 'en-US' }).toISO({ suppressMilliseconds: true }) ?? undefined));
      expect(wrong, zone).toEqual([]);
    }
  });

  test('numeric formats give what Luxon gives: impossible days, early years, hour 24, milliseconds, UTC and odd zones', () => {
    const cases: [string, string[]][] = [
      ['dd/MM/yyyy', ['29/02/2024', '29/02/2023', '31/04/2021', '00/01/2020', '01/13/2020', '15/06/0099', '01/01/0000', '31/12/9999', '1/2/2020', '15/06/2021x']],
      ['d/M/yyyy H:mm', ['1/2/2020 24:00', '1/2/2020 24:01', '31/3/2024 1:30', '27/10/2024 1:30', '27/10/2024 0:59']],
      ['yyyy-MM-dd HH:mm:ss.SSS', ['2021-03-28 01:30:00.000', '2021-07-01 12:00:00.250', '1890-01-01 00:00:00.000']],
    ];
    for (const zone of ['UTC', 'Europe/London', 'America/Sao_Paulo', 'Asia/Kolkata', 'Pacific/Apia', 'Africa/Casablanca']) {
      for (const [format, texts] of cases) {
        const parse = makeDateParser([format], zone);
        for (const text of texts) {
          const luxon = DateTime.fromFormat(text, format, { zone, locale: 'en-US' }).toISO({ suppressMilliseconds: true }) ?? undefined;
          expect(parse(text), `${text} as ${format} in ${zone}`).toBe(luxon);
        }
      }
    }
  });

  test('call sites with the same formats and zone share one parser', () => {
    expect(makeDateParser(['dd/MM/yyyy'], 'Europe/London')).toBe(makeDateParser(['dd/MM/yyyy'], 'Europe/London'));
    expect(makeDateParser(['dd/MM/yyyy'], 'Europe/London')).not.toBe(makeDateParser(['dd/MM/yyyy'], 'Europe/Paris'));
    expect(makeDateParser(['dd/MM/yyyy'], 'UTC')).not.toBe(makeDateParser(['dd/MM/yyyy', 'yyyy-MM-dd'], 'UTC'));
  });

  test('a memoized failure is still reported on every row that has it', () => {
    const mapper = load({ title: { $expr: "parseDate(D, 'dd/MM/yyyy')" } }).bind(['Id', 'D'], 'w.csv');
    const first = mapper.map(['E1', 'soon']);
    const second = mapper.map(['E2', 'soon']);
    expect(first.problems).toHaveLength(1);
    expect(second.problems).toEqual(first.problems);
    expect(userOf(mapper.map(['E3', '01/02/2003'])).title).toBe('2003-02-01T00:00:00Z');
  });
});
