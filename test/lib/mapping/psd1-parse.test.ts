import { describe, expect, test } from 'vitest';
import { MappingError } from '../../../lib/mapping/errors.js';
import { Psd1SyntaxError } from '../../../lib/mapping/psd1-errors.js';
import type { Psd1Value } from '../../../lib/mapping/psd1-parse.js';
import { parsePsd1 } from '../../../lib/mapping/psd1-parse.js';

/** The parsed value without positions, for comparing shapes. */
function plain(v: Psd1Value): unknown {
  switch (v.kind) {
    case 'hashtable':
      return Object.fromEntries(v.entries.map((e) => [e.key, plain(e.value)]));
    case 'array':
      return v.items.map(plain);
    case 'scriptblock':
      return { script: v.body };
    case 'null':
      return null;
    case 'string':
      return v.expandable ? { expandable: v.value } : v.value;
    default:
      return v.value;
  }
}

const parse = (text: string): unknown => plain(parsePsd1(text, 'map.psd1'));

function syntaxError(text: string): Psd1SyntaxError {
  try {
    parsePsd1(text, 'map.psd1');
  } catch (err) {
    if (err instanceof Psd1SyntaxError) return err;
    throw err;
  }
  throw new Error('expected a syntax error');
}

describe('parsePsd1 values', () => {
  test('hashtable entries separated by newlines and semicolons, bare keys', () => {
    expect(parse("@{\n  a = 'x'\n  b = 'y'; c = 'z'\n}")).toEqual({ a: 'x', b: 'y', c: 'z' });
    expect(parse("@{ a='x';b='y' }")).toEqual({ a: 'x', b: 'y' });
    expect(parse('@{}')).toEqual({});
    expect(parse('@{ ;; a = 1 ;; }')).toEqual({ a: 1 });
  });

  test('quoted keys, including extension URNs, keep their text', () => {
    expect(
      parse(`@{
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User" = @{ department = 'Dept' }
      'urn:ietf:params:scim:schemas:extension:contoso:1.0:User' = @{ HireDate = 'Hired' }
      'it''s' = 1
    }`),
    ).toEqual({
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'Dept' },
      'urn:ietf:params:scim:schemas:extension:contoso:1.0:User': { HireDate: 'Hired' },
      "it's": 1,
    });
  });

  test('single-quoted strings: doubled quote escapes, no other escapes', () => {
    expect(parse("@{ a = 'O''Brien'; b = 'C:\\temp `n $x' }")).toEqual({ a: "O'Brien", b: 'C:\\temp `n $x' });
  });

  test('double-quoted strings: backtick escapes and doubled quotes; $ kept literally and flagged', () => {
    expect(parse('@{ a = "tab`there `"q`" ""d"" `u{e9}" }')).toEqual({ a: 'tab\there "q" "d" é' });
    expect(parse('@{ a = "Cost: $ 5" ; b = "$($x.y) and $name" ; c = "100 $" ; d = "$5" }')).toEqual({
      a: 'Cost: $ 5',
      b: { expandable: '$($x.y) and $name' },
      c: '100 $',
      d: { expandable: '$5' },
    });
  });

  test('typographic quotes read as quotes', () => {
    expect(parse('@{ a = \u2018x\u2019; b = \u201Cy\u201D }')).toEqual({ a: 'x', b: 'y' });
  });

  test('numbers, booleans and $null (any case)', () => {
    expect(parse('@{ a = 42; b = -1.5; c = 0x1F; d = 1e3; e = $true; f = $FALSE; g = $null }')).toEqual({
      a: 42,
      b: -1.5,
      c: 31,
      d: 1000,
      e: true,
      f: false,
      g: null,
    });
  });

  test('arrays: commas and/or newlines between items, adjacent hashtables', () => {
    expect(parse("@{ a = @('x', 'y') }")).toEqual({ a: ['x', 'y'] });
    expect(parse("@{ a = @(\n 'x'\n 'y',\n 'z'\n) }")).toEqual({ a: ['x', 'y', 'z'] });
    expect(parse('@{ a = @( @{ v = 1 } @{ v = 2 } ) }')).toEqual({ a: [{ v: 1 }, { v: 2 }] });
    expect(parse('@{ a = @(\n  @{ v = 1 },\n  @{ v = 2 }\n) }')).toEqual({ a: [{ v: 1 }, { v: 2 }] });
    expect(parse('@{ a = @() }')).toEqual({ a: [] });
  });

  test('a bare comma list is an array', () => {
    expect(parse("@{ a = 'x', 'y',\n  'z' }")).toEqual({ a: ['x', 'y', 'z'] });
  });

  test('nested arrays follow @( ) enumeration: a lone inner array is spliced, a comma-listed one kept', () => {
    expect(parse("@{ a = @( @('x', 'y') ) }")).toEqual({ a: ['x', 'y'] });
    expect(parse("@{ a = @( @('x', 'y'), 'z' ) }")).toEqual({ a: [['x', 'y'], 'z'] });
  });

  test('nested hashtables', () => {
    expect(parse("@{ name = @{ givenName = 'First'; familyName = 'Last' }; manager = @{ value = @{ deep = 'x' } } }")).toEqual({
      name: { givenName: 'First', familyName: 'Last' },
      manager: { value: { deep: 'x' } },
    });
  });

  test('scriptblocks are captured as source, balanced across strings, comments and nested blocks', () => {
    expect(parse("@{ a = { $_.'Status' -eq 'Active' } }")).toEqual({ a: { script: " $_.'Status' -eq 'Active' " } });
    const tricky = `{ if ($_.A -eq '}') { "{$($_.B + '}')" } # } not closing
      <# } #> else { @{ x = '{' }.x } }`;
    const v = parsePsd1(`@{\n  a = ${tricky}\n  b = 'after'\n}`, 'm.psd1');
    expect(v.kind === 'hashtable' && v.entries[0]?.value).toMatchObject({ kind: 'scriptblock', text: tricky, line: 2, column: 7 });
    expect(plain(v)).toMatchObject({ b: 'after' });
  });

  test('comments: line, block, trailing; line continuations', () => {
    expect(
      parse(`# leading comment
<# block
   comment with @{ and } #>
@{
    a = 'x' # trailing
    <# inline #> b = <# here #> 'y'
    c = \`
        'z'
}
# after`),
    ).toEqual({ a: 'x', b: 'y', c: 'z' });
  });

  test('a byte-order mark and CRLF line ends are accepted', () => {
    expect(parse("\uFEFF@{\r\n  a = 'x'\r\n  b = 'y'\r\n}\r\n")).toEqual({ a: 'x', b: 'y' });
  });

  test('values and entries carry 1-based line and column', () => {
    const v = parsePsd1("@{\n  first = 'A'\n    second = @{ inner = { 'w' } }\n}", 'm.psd1');
    if (v.kind !== 'hashtable') throw new Error('not a hashtable');
    expect(v.entries[0]).toMatchObject({ key: 'first', line: 2, column: 3, value: { line: 2, column: 11 } });
    const inner = v.entries[1]?.value;
    expect(inner?.kind === 'hashtable' && inner.entries[0]).toMatchObject({ key: 'inner', line: 3, column: 17, value: { kind: 'scriptblock', line: 3, column: 25 } });
  });
});

describe('parsePsd1 errors', () => {
  test('name the file, line and column, and the key path', () => {
    const err = syntaxError("@{\n  name = @{\n    givenName = 'First\n  }\n}");
    expect(err).toBeInstanceOf(MappingError);
    expect(err.message).toBe('map.psd1:3:17: name.givenName: this string has no closing quote');
    expect(err).toMatchObject({ source: 'map.psd1', key: 'name.givenName', line: 3, column: 17 });
  });

  test('a missing = after a key', () => {
    expect(syntaxError("@{\n  title 'JobTitle'\n}").message).toBe('map.psd1:2:9: title: expected = after the key but found "\'JobTitle\'"');
  });

  test('a bare word value suggests quoting it', () => {
    expect(syntaxError('@{\n  title = JobTitle\n}').message).toBe("map.psd1:2:11: title: a bare word (JobTitle) is not a value; quote column names: 'JobTitle'");
  });

  test('variables other than $true/$false/$null', () => {
    expect(syntaxError('@{ a = $env:USER }').message).toBe('map.psd1:1:8: a: variable $env:USER is not allowed in a data file; only $true, $false and $null are');
  });

  test('unclosed hashtable, array, scriptblock and block comment', () => {
    expect(syntaxError("@{\n  a = 'x'\n").message).toBe('map.psd1:1:1: this hashtable has no closing }');
    expect(syntaxError("@{ a = @( 'x', 'y' }").message).toBe('map.psd1:1:20: a: expected a comma, new line or ) between array items but found "}"');
    expect(syntaxError("@{ a = @( 'x', 'y'\n").message).toBe('map.psd1:1:8: a: this array has no closing )');
    expect(syntaxError("@{\n  a = { $_.X -eq 'y'\n").message).toBe('map.psd1:2:7: a: this scriptblock has no closing }');
    // The last brace closes the scriptblock, so it is the hashtable that is left open.
    expect(syntaxError("@{\n  a = { $_.X -eq 'y'\n}").message).toBe('map.psd1:1:1: this hashtable has no closing }');
    expect(syntaxError("<# never closed\n@{ a = 'x' }").message).toBe('map.psd1:1:1: this <# comment has no closing #>');
  });

  test('items of an array path carry their index', () => {
    expect(syntaxError("@{ emails = @(\n  @{ value = 'Mail' }\n  @{ value = Mail2 }\n) }").message).toBe(
      "map.psd1:3:14: emails[1].value: a bare word (Mail2) is not a value; quote column names: 'Mail2'",
    );
  });

  test('duplicate keys, compared without case as PowerShell does', () => {
    expect(syntaxError("@{\n  title = 'A'\n  Title = 'B'\n}").message).toBe('map.psd1:3:3: Title: duplicate key Title (keys are case-insensitive)');
  });

  test('two values on one line without a separator', () => {
    expect(syntaxError("@{ a = 'x' b = 'y' }").message).toBe('map.psd1:1:12: a: expected a new line, ; or } after the value but found "b"');
  });

  test('text after the data and empty files', () => {
    expect(syntaxError("@{ a = 'x' }\n@{ b = 'y' }").message).toBe('map.psd1:2:1: unexpected "@{" after the end of the data');
    expect(syntaxError('  # only a comment\n').message).toBe('map.psd1:2:1: the file is empty; expected a hashtable @{ … }');
  });

  test('nesting deeper than 64 levels', () => {
    const deep = `@{ a = ${'@('.repeat(70)}${')'.repeat(70)} }`;
    expect(syntaxError(deep).message).toMatch(/^map\.psd1:1:\d+: a(\[0\])+: nested more than 64 levels deep$/);
  });

  test('number forms data files do not allow', () => {
    expect(syntaxError('@{ a = 10kb }').message).toBe('map.psd1:1:8: a: "10kb" is not a number PowerShell data files allow');
  });
});
