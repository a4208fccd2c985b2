import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { loadMapping, loadMappingFile, MappingError } from '../../../lib/mapping/index.js';
import { CUSTOM, ENTERPRISE, SOURCE, doc, loadError } from './helpers.js';

const expr = (text: string): Record<string, unknown> => ({ displayName: { $expr: text } });

describe('loadMapping: expression errors name the key and the fault', () => {
  test('a syntax error gives its offset', () => {
    const message = loadError(expr("A = 'x'"));
    expect(message).toContain(`${SOURCE}: attributes.displayName:`);
    expect(message).toContain("single '='");
    expect(message).toContain('at offset 2');
  });

  test('an unterminated text and a chained comparison are syntax errors', () => {
    expect(loadError(expr("concat(A, 'x)"))).toMatch(/attributes\.displayName: unterminated text .*at offset 10/);
    expect(loadError(expr("A == 'x' == 'y'"))).toMatch(/attributes\.displayName: comparisons cannot be chained.*at offset 9/);
  });

  test('an unknown function suggests the closest one', () => {
    const message = loadError(expr('lowr(A)'));
    expect(message).toContain('attributes.displayName');
    expect(message).toContain("unknown function 'lowr'");
    expect(message).toContain('did you mean "lower"?');
  });

  test('a wrong number of arguments names the function and its usage', () => {
    const message = loadError(expr('trim(A, B)'));
    expect(message).toContain('attributes.displayName');
    expect(message).toContain('trim takes 1 argument, not 2');
    expect(loadError(expr("replace(A, 'x')"))).toContain('replace takes 3 arguments, not 2');
    expect(loadError(expr('join(A)'))).toContain('join takes at least 2 arguments, not 1');
  });

  test('an unknown lookup table', () => {
    const message = loadError(expr("lookup('countrys', C)"), { lookups: { countries: { France: 'FR' } } });
    expect(message).toContain('attributes.displayName');
    expect(message).toContain("lookup table 'countrys'");
    expect(message).toContain('did you mean "countries"?');
    expect(loadError(expr("lookup('countries', C)"))).toContain('the mapping has no "lookups"');
  });

  test('an invalid regular expression is caught at load', () => {
    const message = loadError(expr("regexReplace(A, '(unclosed', '')"));
    expect(message).toContain('attributes.displayName');
    expect(message).toContain('invalid regular expression');
  });

  test('a bad date format or an unknown zone is caught at load', () => {
    const format = loadError({ title: { $expr: "parseDate(D, ['dd/MM/yyyy', 'DD/MM/YYYY'])" } });
    expect(format).toContain('attributes.title');
    expect(format).toContain("uses 'DD', which is not a date token");
    expect(loadError(expr("parseDate(D, 'MM/dd')"))).toContain("has no year ('yyyy')");
    const zone = loadError(expr("parseDate(D, 'yyyy-MM-dd', 'Mars/Olympus')"));
    expect(zone).toContain('attributes.displayName');
    expect(zone).toContain("'Mars/Olympus' is not an IANA time-zone name");
  });
});

describe('loadMapping: document errors name the key', () => {
  test('externalId and active are required', () => {
    const noExternalId = (): unknown => loadMapping({ version: 1, attributes: { active: true } }, SOURCE);
    expect(noExternalId).toThrow(MappingError);
    expect(noExternalId).toThrow(/attributes\.externalId: is required/);
    expect(() => loadMapping({ version: 1, attributes: { externalId: 'Id' } }, SOURCE)).toThrow(/attributes\.active: is required/);
  });

  test('an unknown core attribute suggests the right one', () => {
    const message = loadError({ usrName: 'U' });
    expect(message).toContain('attributes.usrName: unknown core attribute');
    expect(message).toContain('did you mean "userName"?');
  });

  test('a bad extension URN, and an enterprise 1.0 URN', () => {
    const urn = 'urn:ietf:params:scim:schemas:extension:contoso:User';
    expect(loadError({ [urn]: { X: 'X' } })).toContain(`attributes.${urn}: not a valid extension URN`);
    const v1 = 'urn:ietf:params:scim:schemas:extension:enterprise:1.0:User';
    expect(loadError({ [v1]: { department: 'D' } })).toContain(`attributes.${v1}: the enterprise extension is version 2.0`);
  });

  test('a value object mixing $ keys and plain keys', () => {
    const message = loadError({ title: { $column: 'T', value: 'X' } });
    expect(message).toContain('attributes.title: mixes $ keys with the plain key "value"');
  });

  test('nested keys are named in full', () => {
    expect(loadError({ name: { givenNam: 'F' } })).toContain('attributes.name.givenNam: unknown part of "name"');
    expect(loadError({ emails: [{ value: 'E', kind: 'x' }] })).toContain('attributes.emails[0].kind: unknown part of an entry of emails');
    expect(loadError({ [ENTERPRISE]: { manager: { value: { $expr: 'trim(' } } } })).toContain(`attributes.${ENTERPRISE}.manager.value:`);
    expect(loadError({ [CUSTOM]: { Grade: { $expr: 'upper()' } } })).toContain(`attributes.${CUSTOM}.Grade: upper takes 1 argument, not 0`);
  });

  test('boolean and integer $type are refused on core attributes', () => {
    expect(loadError({ title: { $column: 'T', $type: 'integer' } })).toContain('attributes.title: title is text in SCIM');
  });

  test('a literal not of its declared type is refused at load', () => {
    expect(loadError({ [CUSTOM]: { Grade: { $literal: 'ten', $type: 'integer' } } })).toContain('is not a whole number');
  });

  test('the MappingError carries source and key separately', () => {
    try {
      loadMapping(doc({ title: { $expr: 'nope(' } }), SOURCE);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(MappingError);
      expect((e as MappingError).source).toBe(SOURCE);
      expect((e as MappingError).key).toBe('attributes.title');
    }
  });
});

describe('loadMappingFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hrsync-mapping-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const failure = async (path: string): Promise<MappingError> => {
    const e: unknown = await loadMappingFile(path).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(MappingError);
    return e as MappingError;
  };

  test('loads a file, with or without a byte-order mark, and names it as the source', async () => {
    const text = JSON.stringify(doc({ title: 'T' }));
    expect((await loadMappingFile(file('plain.json', text))).source).toContain('plain.json');
    expect((await loadMappingFile(file('bom.json', `\uFEFF${text}`))).columns).toEqual(['Id', 'T']);
  });

  test('a JSON syntax error gives the line and column', async () => {
    const path = file('comma.json', '{\n  "version": 1,\n  "attributes": {\n    "externalId": "Id",\n  }\n}\n');
    const e = await failure(path);
    expect(e.source).toBe(path);
    expect(e.key).toBe('');
    expect(e.message).toMatch(/not valid JSON at line 5, column 3: /);
    expect(e.message).not.toContain('position');
  });

  test('a file cut short points at its end', async () => {
    expect((await failure(file('short.json', '{\n  "version": 1,\n'))).message).toContain('not valid JSON at line 3, column 1');
  });

  test('a missing file is a MappingError with the error code', async () => {
    const e = await failure(join(dir, 'absent.json'));
    expect(e.message).toContain('cannot read the mapping file (ENOENT)');
  });

  test('document errors from a file carry the key', async () => {
    const e = await failure(file('bad.json', JSON.stringify({ version: 1, attributes: { externalId: 'Id' } })));
    expect(e.key).toBe('attributes.active');
  });
});
