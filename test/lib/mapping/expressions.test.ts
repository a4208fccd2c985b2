import { describe, expect, test } from 'vitest';
import { evaluate, load, mapJson, userOf } from './helpers.js';

const countries = { lookups: { countries: { 'United Kingdom': 'GB', France: 'FR' } } };

describe('expressions: operators and precedence', () => {
  test('and binds tighter than or', () => {
    const expr = "if(A == '1' or A == '2' and B == 'y', 'T', 'F')";
    expect(evaluate(expr, { A: '1', B: 'n' })).toBe('T');
    expect(evaluate(expr, { A: '2', B: 'n' })).toBe('F');
    expect(evaluate(expr, { A: '2', B: 'y' })).toBe('T');
  });

  test('not binds looser than a comparison and tighter than and', () => {
    expect(evaluate("if(not A == 'x', 'T', 'F')", { A: 'x' })).toBe('F');
    expect(evaluate("if(not A == 'x', 'T', 'F')", { A: 'y' })).toBe('T');
    expect(evaluate("if(not A == 'x' and B == 'y', 'T', 'F')", { A: 'z', B: 'y' })).toBe('T');
    expect(evaluate("if(not (A == 'z' and B == 'y'), 'T', 'F')", { A: 'z', B: 'y' })).toBe('F');
  });

  test('comparisons: numbers against numeric text as numbers, text against text case-sensitively', () => {
    expect(evaluate("if(Grade >= 10, 'hi', 'lo')", { Grade: '9' })).toBe('lo');
    expect(evaluate("if(Grade >= 10, 'hi', 'lo')", { Grade: '10' })).toBe('hi');
    expect(evaluate("if(Grade < 10, 'T', 'F')", { Grade: '9.5' })).toBe('T');
    expect(evaluate("if(A == 'active', 'T', 'F')", { A: 'Active' })).toBe('F');
    expect(evaluate("if(A != 'active', 'T', 'F')", { A: 'Active' })).toBe('T');
    expect(evaluate("if(A > 'b', 'T', 'F')", { A: 'c' })).toBe('T');
    expect(evaluate("if(A <= 'b', 'T', 'F')", { A: 'c' })).toBe('F');
  });

  test("an empty value equals '' and null", () => {
    expect(evaluate("if(A == '', 'T', 'F')", {})).toBe('T');
    expect(evaluate("if(A == null, 'T', 'F')", { A: '' })).toBe('T');
    expect(evaluate("if(A == null, 'T', 'F')", { A: 'x' })).toBe('F');
  });

  test('in and not in', () => {
    expect(evaluate("if(S in ['Active', 'Leave'], 'T', 'F')", { S: 'Leave' })).toBe('T');
    expect(evaluate("if(S in ['Active', 'Leave'], 'T', 'F')", { S: 'Gone' })).toBe('F');
    expect(evaluate("if(S not in ['Active', 'Leave'], 'T', 'F')", { S: 'Gone' })).toBe('T');
    expect(evaluate("if(S not in ['Active', 'Leave'], 'T', 'F')", { S: 'Active' })).toBe('F');
    expect(evaluate("if(S in ['', 'x'], 'T', 'F')", {})).toBe('T');
    expect(evaluate("if(S in [1, 2], 'T', 'F')", { S: '2' })).toBe('T');
  });

  test('backtick column names, with a doubled backtick inside', () => {
    expect(evaluate('`First Name`', { 'First Name': 'Zoë' })).toBe('Zoë');
    expect(evaluate('`Odd``Name`', { 'Odd`Name': 'yes' })).toBe('yes');
  });

  test('a doubled quote in text is one quote', () => {
    expect(evaluate("'O''Brien'")).toBe("O'Brien");
    expect(evaluate("concat(A, '''s')", { A: 'Ann' })).toBe("Ann's");
  });

  test('boolean results become text in a string attribute', () => {
    expect(evaluate("A == 'x'", { A: 'x' })).toBe('true');
    expect(evaluate("A == 'x'", { A: 'y' })).toBe('false');
  });
});

describe('expressions: functions', () => {
  test('concat treats empty values as empty text', () => {
    expect(evaluate("concat(A, '.', B)", { A: 'a', B: 'b' })).toBe('a.b');
    expect(evaluate("concat(A, '.', B)", { A: 'a' })).toBe('a.');
  });

  test('join skips empty values', () => {
    expect(evaluate("join(' ', A, B, C)", { A: 'Ann', C: 'Lee' })).toBe('Ann Lee');
    expect(evaluate("join(', ', A, B)", {})).toBeUndefined();
  });

  test('trim, lower, upper', () => {
    expect(evaluate('trim(A)', { A: '  x y  ' }, { options: { trimValues: false } })).toBe('x y');
    expect(evaluate('lower(A)', { A: 'ÅBC' })).toBe('åbc');
    expect(evaluate('upper(A)', { A: 'abc' })).toBe('ABC');
    expect(evaluate('upper(A)', {})).toBeUndefined();
  });

  test('replace is literal, regexReplace is a regular expression', () => {
    expect(evaluate("replace(A, '.', '$&')", { A: 'a.b.c' })).toBe('a$&b$&c');
    expect(evaluate("regexReplace(A, '[^0-9]', '')", { A: '+44 (20) 7946-0000' })).toBe('442079460000');
    expect(evaluate("regexReplace(A, '(\\w+)@(\\w+)', '$2:$1')", { A: 'ann@contoso' })).toBe('contoso:ann');
  });

  test('substring, left, right', () => {
    expect(evaluate('substring(A, 2)', { A: 'abcdef' })).toBe('cdef');
    expect(evaluate('substring(A, 1, 3)', { A: 'abcdef' })).toBe('bcd');
    expect(evaluate('left(A, 2)', { A: 'abcdef' })).toBe('ab');
    expect(evaluate('right(A, 2)', { A: 'abcdef' })).toBe('ef');
    expect(evaluate('right(A, 10)', { A: 'abc' })).toBe('abc');
    expect(evaluate('left(A, N)', { A: 'abcdef', N: '3' })).toBe('abc');
  });

  test('split gives the index-th piece or nothing', () => {
    expect(evaluate("split(A, '-', 1)", { A: 'GB-LON-01' })).toBe('LON');
    expect(evaluate("split(A, '-', 0)", { A: 'GB-LON-01' })).toBe('GB');
    expect(evaluate("split(A, '-', 5)", { A: 'GB-LON-01' })).toBeUndefined();
  });

  test('coalesce, default and isEmpty', () => {
    expect(evaluate('coalesce(A, B, C)', { B: 'b', C: 'c' })).toBe('b');
    expect(evaluate('coalesce(A, B)', { A: '', B: '' })).toBeUndefined();
    expect(evaluate("default(A, 'none')", {})).toBe('none');
    expect(evaluate("default(A, 'none')", { A: 'a' })).toBe('a');
    expect(evaluate("if(isEmpty(A), 'E', 'F')", { A: '   ' })).toBe('E');
    expect(evaluate("if(isEmpty(A), 'E', 'F')", { A: 'x' })).toBe('F');
  });

  test('if with and without else', () => {
    expect(evaluate("if(A == 'y', 'yes', 'no')", { A: 'n' })).toBe('no');
    expect(evaluate("if(A == 'y', 'yes')", { A: 'n' })).toBeUndefined();
    expect(evaluate("if(A, 'T', 'F')", { A: 'No' })).toBe('F');
  });

  test('switch with and without a default', () => {
    const withDefault = "switch(T, 'E', 'Employee', 'C', 'Contractor', 'Other')";
    expect(evaluate(withDefault, { T: 'C' })).toBe('Contractor');
    expect(evaluate(withDefault, { T: 'X' })).toBe('Other');
    const without = "switch(T, 'E', 'Employee', 'C', 'Contractor')";
    expect(evaluate(without, { T: 'E' })).toBe('Employee');
    expect(evaluate(without, { T: 'X' })).toBeUndefined();
  });

  test('lookup with and without a default', () => {
    expect(evaluate("lookup('countries', C)", { C: 'France' }, countries)).toBe('FR');
    // A value the table lacks, without a default: left out, with a warning naming the table and the column.
    const miss = mapJson({ displayName: { $expr: "lookup('countries', C)" } }, { C: 'Spain' }, countries);
    expect(userOf(miss).displayName).toBeUndefined();
    expect(miss.problems).toEqual([
      { severity: 'warning', attribute: 'displayName', column: 'C', rule: 'lookup-miss', message: expect.stringContaining("is not in lookup table 'countries'") as string },
    ]);
    expect(evaluate("lookup('countries', C, 'ZZ')", { C: 'Spain' }, countries)).toBe('ZZ');
    expect(evaluate("lookup('countries', C, 'ZZ')", {}, countries)).toBe('ZZ');
  });

  test('parseDate: the first format that fits, with the offset of the zone', () => {
    const expr = "parseDate(D, ['dd/MM/yyyy', 'yyyy-MM-dd', 'dd.MM.yyyy HH:mm'], 'Europe/London')";
    expect(evaluate(expr, { D: '25/12/2023' })).toBe('2023-12-25T00:00:00+00:00');
    expect(evaluate(expr, { D: '2023-07-01' })).toBe('2023-07-01T00:00:00+01:00');
    expect(evaluate(expr, { D: '01.07.2023 09:30' })).toBe('2023-07-01T09:30:00+01:00');
    expect(evaluate("parseDate(D, 'yyyy-MM-dd', 'America/New_York')", { D: '2024-01-15' })).toBe('2024-01-15T00:00:00-05:00');
    expect(evaluate("parseDate(D, 'yyyy-MM-dd')", { D: '2024-01-15' })).toMatch(/^2024-01-15T00:00:00(Z|\+00:00)$/);
    expect(evaluate("parseDate(D, 'yyyy-MM-dd')", {})).toBeUndefined();
  });

  test('parseDate: a date in none of the formats is a problem naming column and rule, not the value', () => {
    const result = mapJson({ displayName: { $expr: "parseDate(HireDate, ['dd/MM/yyyy'])" } }, { HireDate: '2023-13-45-secret' });
    expect(userOf(result).displayName).toBeUndefined();
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatchObject({ attribute: 'displayName', column: 'HireDate', rule: 'date-format' });
    expect(result.problems[0]?.message).not.toContain('2023-13-45-secret');
  });

  test('stripDiacritics and its alias normalizeDiacritics', () => {
    expect(evaluate('stripDiacritics(N)', { N: 'Zoë Ørsted-Łukasz' })).toBe('Zoe Orsted-Lukasz');
    expect(evaluate('stripDiacritics(N)', { N: 'Ñúñez' })).toBe('Nunez');
    expect(evaluate('stripDiacritics(N)', { N: 'Straße' })).toBe('Strasse');
    expect(evaluate('normalizeDiacritics(N)', { N: 'Æsa Ærø' })).toBe('AEsa AEro');
    expect(evaluate("concat(lower(stripDiacritics(F)), '.', lower(stripDiacritics(L)))", { F: 'Zoë', L: 'Ørsted' })).toBe('zoe.orsted');
  });
});

describe('empty values', () => {
  test('an empty cell leaves the attribute out; $keepEmpty sends ""', () => {
    const result = mapJson({ title: 'T', nickName: { $column: 'N', $keepEmpty: true } }, { T: '', N: '' });
    const user = userOf(result);
    expect('title' in user).toBe(false);
    expect(user.nickName).toBe('');
  });

  test('an expression giving "" or null leaves the attribute out', () => {
    expect(evaluate("''")).toBeUndefined();
    expect(evaluate('null')).toBeUndefined();
  });

  test('options.emptyValues "send" sends "" for empty string attributes', () => {
    const result = mapJson({ title: 'T' }, { T: '' }, { options: { emptyValues: 'send' } });
    expect(userOf(result).title).toBe('');
  });

  test('an object whose parts are all empty is left out', () => {
    const attrs = { name: { givenName: 'F', familyName: 'L' } };
    expect('name' in userOf(mapJson(attrs, {}))).toBe(false);
    expect(userOf(mapJson(attrs, { F: 'Ann' })).name).toEqual({ givenName: 'Ann' });
  });

  test('a multi-valued entry with only type and primary is left out, and so is the attribute', () => {
    const attrs = {
      emails: [
        { type: { $literal: 'work' }, primary: true, value: 'WorkEmail' },
        { type: { $literal: 'home' }, value: 'HomeEmail' },
      ],
    };
    expect('emails' in userOf(mapJson(attrs, {}))).toBe(false);
    expect(userOf(mapJson(attrs, { HomeEmail: 'a@b.c' })).emails).toEqual([{ type: 'home', value: 'a@b.c' }]);
    expect(userOf(mapJson(attrs, { WorkEmail: 'w@b.c' })).emails).toEqual([{ type: 'work', primary: true, value: 'w@b.c' }]);
  });

  test('trimValues trims cells by default and an all-space cell is empty; false keeps them', () => {
    expect(userOf(mapJson({ title: 'T' }, { T: '  Boss  ' })).title).toBe('Boss');
    expect('title' in userOf(mapJson({ title: 'T' }, { T: '   ' }))).toBe(false);
    expect(userOf(mapJson({ title: 'T' }, { T: '  Boss  ' }, { options: { trimValues: false } })).title).toBe('  Boss  ');
  });

  test('CSV cells are trimmed too, and a short row reads missing cells as empty', () => {
    const mapper = load({ title: 'T' }).bind(['Id', 'T'], 'w.csv');
    const result = mapper.map(['  E1 ', ' Boss ']);
    expect(userOf(result)).toMatchObject({ externalId: 'E1', title: 'Boss' });
    expect('title' in userOf(mapper.map(['E2']))).toBe(false);
  });
});
