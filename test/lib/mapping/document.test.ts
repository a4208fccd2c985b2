// Every class of mapping-document error names the key path at fault.
import { describe, expect, test } from 'vitest';
import { loadMapping, MappingError } from '../../../lib/mapping/index.js';
import { CORE, CUSTOM, ENTERPRISE, SOURCE, doc, load, loadError } from './helpers.js';

function topError(json: unknown): MappingError {
  try {
    loadMapping(json, SOURCE);
  } catch (e) {
    expect(e).toBeInstanceOf(MappingError);
    return e as MappingError;
  }
  throw new Error('the mapping loaded without error');
}

describe('document: top level', () => {
  test('the document must be an object', () => {
    expect(topError([]).message).toBe(`${SOURCE}: the mapping must be a JSON object, not a list`);
    expect(topError(null).message).toContain('not null');
  });

  test('an unknown top-level key suggests the right one', () => {
    const e = topError({ ...doc({}), lookup: {} });
    expect(e.key).toBe('lookup');
    expect(e.message).toContain('unknown top-level key (did you mean "lookups"?)');
  });

  test('version is required and must be 1', () => {
    const { version: _v, ...noVersion } = doc({});
    expect(topError(noVersion).message).toContain('version: is required');
    expect(topError({ ...doc({}), version: '1' }).message).toContain('version: must be 1');
    expect(topError({ ...doc({}), version: 2 }).key).toBe('version');
  });

  test('attributes is required and must be an object', () => {
    expect(topError({ version: 1 }).message).toContain('attributes: is required');
    expect(topError({ version: 1, attributes: [] }).message).toContain('attributes: must be an object, not a list');
  });

  test('source: known keys with known values', () => {
    expect(topError(doc({}, { source: { format: 'xlsx' } })).message).toContain('source.format: must be one of "csv", "json", "ndjson"');
    expect(topError(doc({}, { source: { delimiter: ':' } })).key).toBe('source.delimiter');
    expect(topError(doc({}, { source: { encodng: 'utf-8' } })).message).toContain('source.encodng: unknown key (did you mean "encoding"?)');
    expect(load({}, { source: { format: 'ndjson', encoding: 'windows-1252', delimiter: '\t' } }).extract).toEqual({ format: 'ndjson', encoding: 'windows-1252', delimiter: '\t' });
    expect(load({}).extract).toEqual({});
  });

  test('options: trimValues boolean, emptyValues omit or send', () => {
    expect(topError(doc({}, { options: { trimValues: 'yes' } })).message).toContain('options.trimValues: must be true or false');
    expect(topError(doc({}, { options: { emptyValues: 'keep' } })).message).toContain('options.emptyValues: must be one of "omit", "send"');
    expect(topError(doc({}, { options: { trim: true } })).message).toContain('options.trim: unknown option');
  });

  test('lookups: tables of text', () => {
    expect(topError(doc({}, { lookups: [] })).key).toBe('lookups');
    expect(topError(doc({}, { lookups: { countries: 'GB' } })).key).toBe('lookups.countries');
    const e = topError(doc({}, { lookups: { countries: { France: 33 } } }));
    expect(e.key).toBe('lookups.countries.France');
    expect(e.message).toContain('lookup values must be text');
  });
});

describe('document: attributes', () => {
  test('active is required, and the message says why', () => {
    const e = topError({ version: 1, attributes: { externalId: 'Id' } });
    expect(e.key).toBe('attributes.active');
    expect(e.message).toContain('a record sent without it has been reported to disable the account');
  });

  test('a sub-attribute at the top level points to where it belongs', () => {
    expect(loadError({ givenName: 'F' })).toContain('attributes.givenName: unknown core attribute: it belongs under "name"');
    expect(loadError({ department: 'D' })).toContain('belongs under the enterprise extension');
    expect(loadError({ employeeId: 'E' })).toContain('map "externalId"');
    expect(loadError({ $expr: 'a' })).toContain('attributes.$expr: "$expr" cannot stand here');
  });

  test('extension URNs', () => {
    expect(loadError({ [CORE]: { userName: 'U' } })).toContain(`attributes.${CORE}: core attributes go directly under "attributes"`);
    expect(loadError({ 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:Usr': { department: 'D' } })).toContain(`did you mean "${ENTERPRISE}"?`);
    const second = 'urn:ietf:params:scim:schemas:extension:fabrikam:1.0:User';
    expect(loadError({ [CUSTOM]: { A: 'A' }, [second]: { B: 'B' } })).toContain(`attributes.${second}: only one custom extension may be mapped`);
    expect(loadError({ [ENTERPRISE]: { departement: 'D' } })).toContain(`attributes.${ENTERPRISE}.departement: unknown enterprise attribute (did you mean "department"?)`);
    expect(loadError({ [ENTERPRISE]: { manager: { displayName: 'M' } } })).toContain(`attributes.${ENTERPRISE}.manager.displayName: unknown part of "manager"`);
    expect(loadError({ [ENTERPRISE]: {} })).toContain('the enterprise extension maps no attributes');
  });

  test('custom extension attributes are flat and plainly named', () => {
    expect(loadError({ [CUSTOM]: { Site: { Code: 'C' } } })).toContain(`attributes.${CUSTOM}.Site: custom extension attributes are flat`);
    expect(loadError({ [CUSTOM]: { Sites: ['A', 'B'] } })).toContain('are flat');
    expect(loadError({ [CUSTOM]: { 'Hire Date': 'H' } })).toContain(`attributes.${CUSTOM}.Hire Date: custom attribute names are letters`);
  });

  test('complex and multi-valued attributes', () => {
    expect(loadError({ name: 'FullName' })).toContain('attributes.name: "name" must be an object of attributes, not a string');
    expect(loadError({ name: { $column: 'N' } })).toContain('"name" is complex: map its parts by name');
    expect(loadError({ emails: { value: 'M' } })).toContain('attributes.emails: emails is multi-valued');
    expect(loadError({ emails: [] })).toContain('attributes.emails: emails has no entries');
    expect(loadError({ emails: [{ value: 'M' }, 'Other'] })).toContain('attributes.emails[1]: each entry of emails must be an object');
    expect(loadError({ emails: [{ $column: 'M' }] })).toContain('attributes.emails[0]: an entry of emails is complex');
  });

  test('single values', () => {
    expect(loadError({ title: null })).toContain('attributes.title: null is not a value');
    expect(loadError({ title: ['A'] })).toContain('attributes.title: expects a single value, not a list');
    expect(loadError({ title: { value: 'T' } })).toContain('attributes.title: expects a value');
    expect(loadError({ title: '  ' })).toContain('attributes.title: an empty column name');
  });

  test('$ keys', () => {
    expect(loadError({ title: { $colum: 'T' } })).toContain('attributes.title: unknown key "$colum" (did you mean "$column"?)');
    expect(loadError({ title: { $type: 'string' } })).toContain('attributes.title: needs one of $column, $literal or $expr');
    expect(loadError({ title: { $column: 'T', $literal: 'x' } })).toContain('has both $column and $literal');
    expect(loadError({ title: { $column: 3 } })).toContain('"$column" must be a non-empty column name');
    expect(loadError({ title: { $literal: null } })).toContain('"$literal" must be text, a number or true/false, not null');
    expect(loadError({ title: { $expr: 42 } })).toContain('"$expr" must be the expression as text');
    expect(loadError({ title: { $column: 'T', $type: 'datetime' } })).toContain(
      '"$type" must be one of "string", "boolean", "integer", "date", "dateTime" (did you mean "dateTime"?)',
    );
    expect(loadError({ title: { $column: 'T', $keepEmpty: 'yes' } })).toContain('"$keepEmpty" must be true or false');
  });

  test('$type and $keepEmpty where they do not apply', () => {
    expect(loadError({ active: { $column: 'S', $type: 'string' } })).toContain('attributes.active: active is always boolean');
    expect(loadError({ emails: [{ value: 'M', primary: { $column: 'P', $type: 'integer' } }] })).toContain('attributes.emails[0].primary: emails[0].primary is always boolean');
    expect(loadError({ externalId: { $column: 'Id', $keepEmpty: true } })).toContain('"$keepEmpty" cannot apply to externalId');
    expect(loadError({ [CUSTOM]: { N: { $column: 'N', $type: 'integer', $keepEmpty: true } } })).toContain('only applies to string attributes, not integer');
    expect(loadError({ active: { $literal: 'maybe' } })).toContain('attributes.active: the literal is not a boolean');
  });

  test('expression arguments that must be literals, and lists out of place', () => {
    const lookups = { lookups: { t: { a: 'b' } } };
    expect(loadError({ title: { $expr: 'lookup(T, K)' } }, lookups)).toContain('attributes.title: the table name of lookup must be written as a quoted literal at offset 7');
    expect(loadError({ title: { $expr: 'regexReplace(A, P, B)' } })).toContain('the pattern of regexReplace must be written as a quoted literal');
    expect(loadError({ title: { $expr: 'parseDate(A, F)' } })).toContain('each format of parseDate must be written as a quoted literal');
    expect(loadError({ title: { $expr: "parseDate(A, 'yyyy-MM-dd', Z)" } })).toContain('the time zone of parseDate must be written as a quoted literal');
    expect(loadError({ title: { $expr: 'parseDate(A, [])' } })).toContain('parseDate needs at least one format');
    expect(loadError({ title: { $expr: "concat(['a'])" } })).toContain("a list can only follow 'in' or give parseDate its formats");
    expect(loadError({ title: { $expr: "['a']" } })).toContain("a list can only follow 'in'");
    expect(loadError({ title: { $expr: "A in [['a']]" } })).toContain('a list cannot hold another list');
    expect(loadError({ title: { $expr: 'left(A, -1)' } })).toContain('the count of left must be a whole number of 0 or more');
    expect(loadError({ title: { $expr: "split(A, '-', 'x')" } })).toContain('the index of split must be a whole number');
    expect(loadError({ title: { $expr: 'if(A)' } })).toContain('if takes 2 to 3 arguments, not 1');
    expect(loadError({ title: { $expr: 'switch(A, B)' } })).toContain('switch takes at least 3 arguments, not 2');
  });

  test('date formats are checked as Luxon would read them', () => {
    const formatError = (format: string): string => loadError({ title: { $expr: `parseDate(A, '${format}')` } });
    expect(formatError('dd/mm/yyyy')).toContain("has minutes ('mm') but no month");
    expect(formatError('yyyy-MM-ddTHH:mm')).toContain("uses 'T', which is not a date token (quote literal letters: ''T'')");
    expect(formatError('dd/MM/yyyy hh:mm a HH')).toContain("mixes 'a' (AM/PM) with 24-hour 'H'");
    expect(formatError('dd/MM')).toContain("has no year ('yyyy')");
    expect(formatError('yyyy-MM')).toContain("needs a month ('MM') and a day ('dd')");
    expect(formatError("yyyy-MM-dd''T")).toContain('has an unclosed quote');
    expect(() => load({ title: { $expr: "parseDate(A, ['yyyy-MM-dd''T''HH:mm', 'yyyyMMdd', 'd MMM yyyy', 'yyyy-ooo'])" } })).not.toThrow();
  });

  test('the error message never carries more than the source, key and rule', () => {
    const e = topError(doc({ title: { $expr: 'lowr(A)' } }));
    expect(e.message).toBe(`${SOURCE}: attributes.title: unknown function 'lowr' (did you mean "lower"?) at offset 0 in expression`);
  });
});
