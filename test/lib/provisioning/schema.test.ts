// The schema logic on its own: which attributes a mapping sends, the diff against the API source
// directory, CSV2SCIM's damaged names, and a merge that adds and never changes anything else.
import { describe, expect, it } from 'vitest';
import {
  AttributeNameError,
  SchemaShapeError,
  assertWritableName,
  cleanAttributeName,
  customExtensionAttributes,
  diffSchema,
  findSourceObject,
  isCustomExtensionUrn,
  parseSynchronizationSchema,
  schemaTypeOf,
  withAddedAttributes,
} from '../../../lib/provisioning/schema.js';
import type { SynchronizationSchema, WantedAttribute } from '../../../lib/provisioning/schema.js';

const CONTOSO = 'urn:ietf:params:scim:schemas:extension:contoso:1.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

function attr(name: string, type = 'String', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    type,
    anchor: false,
    caseExact: false,
    flowNullValues: false,
    multivalued: false,
    mutability: 'ReadWrite',
    required: false,
    apiExpressions: [],
    metadata: [],
    referencedObjects: [],
    ...extra,
  };
}

// The target directory comes first on purpose: the source is found through the rule, not by position.
function apiSchema(sourceAttributes: Record<string, unknown>[] = []): SynchronizationSchema {
  return parseSynchronizationSchema({
    '@odata.context': 'https://graph.example/v1.0/$metadata#…/schema/$entity',
    id: 'API2AAD',
    version: 'Date:2026-01-01T00:00:00Z',
    synchronizationRules: [
      {
        id: 'API2AAD',
        name: 'API2AAD',
        editable: true,
        priority: 1,
        sourceDirectoryName: 'API',
        targetDirectoryName: 'Azure Active Directory',
        metadata: [],
        objectMappings: [
          { sourceObjectName: 'User', targetObjectName: 'User', attributeMappings: [{ source: { name: 'externalId', type: 'Attribute' }, targetAttributeName: 'employeeId' }] },
        ],
      },
    ],
    directories: [
      { id: 'aad', name: 'Azure Active Directory', objects: [{ name: 'User', attributes: [attr('employeeId'), attr('employeeHireDate', 'DateTime')], metadata: [] }] },
      {
        id: 'api',
        name: 'API',
        discoverabilities: 'None',
        objects: [
          {
            name: 'User',
            supportedApis: [],
            metadata: [{ key: 'k', value: 'v' }],
            attributes: [attr('externalId', 'String', { anchor: true }), attr('active', 'Boolean'), attr(`${ENTERPRISE}:department`), ...sourceAttributes],
          },
          { name: 'Group', attributes: [attr('displayName')] },
        ],
      },
    ],
  });
}

const wanted = (name: string, type: WantedAttribute['type'] = 'String'): WantedAttribute => ({ fullName: `${CONTOSO}:${name}`, urn: CONTOSO, name, type });

describe('which attributes a mapping sends', () => {
  it('keeps only custom extension attributes, once each, with their schema type', () => {
    const got = customExtensionAttributes([
      { path: 'userName', type: 'string' },
      { path: 'emails[0].value', type: 'string' },
      { path: `${ENTERPRISE}:department`, type: 'string' },
      { path: `${ENTERPRISE}:manager.value`, type: 'string' },
      { path: `${CONTOSO}:HireDate`, type: 'dateTime' },
      { path: `${CONTOSO}:StartDay`, type: 'date' },
      { path: `${CONTOSO}:Grade`, type: 'integer' },
      { path: `${CONTOSO}:Remote`, type: 'boolean' },
      { path: `${CONTOSO}:JobCode`, type: 'string' },
      { path: `${CONTOSO}:JobCode`, type: 'string' },
    ]);
    expect(got.map((w) => [w.name, w.type])).toEqual([
      ['HireDate', 'DateTime'],
      ['StartDay', 'String'],
      ['Grade', 'Integer'],
      ['Remote', 'Boolean'],
      ['JobCode', 'String'],
    ]);
    expect(got[0]).toEqual({ fullName: `${CONTOSO}:HireDate`, urn: CONTOSO, name: 'HireDate', type: 'DateTime' });
  });

  it('tells custom extension URNs from the core and enterprise ones, in any case', () => {
    expect(isCustomExtensionUrn(CONTOSO)).toBe(true);
    expect(isCustomExtensionUrn('urn:ietf:params:scim:schemas:extension:csv:1.0:User')).toBe(true);
    expect(isCustomExtensionUrn(ENTERPRISE)).toBe(false);
    expect(isCustomExtensionUrn(ENTERPRISE.toUpperCase())).toBe(false);
    expect(isCustomExtensionUrn('urn:ietf:params:scim:schemas:core:2.0:User')).toBe(false);
    expect(isCustomExtensionUrn('HireDate')).toBe(false);
  });

  it('maps every declared type', () => {
    expect(['string', 'integer', 'boolean', 'dateTime', 'date'].map((t) => schemaTypeOf(t as 'string'))).toEqual(['String', 'Integer', 'Boolean', 'DateTime', 'String']);
  });

  it('refuses a name it could only write cleaned, rather than write a name the records do not carry', () => {
    expect(() => customExtensionAttributes([{ path: `${CONTOSO}:"HireDate"`, type: 'string' }])).toThrow(AttributeNameError);
    expect(() => assertWritableName('Hire Date', CONTOSO)).toThrow(/no quotes or spaces/);
    expect(() => assertWritableName('"HireDate"', CONTOSO)).toThrow(/cleaned it would be "urn:ietf:params:scim:schemas:extension:contoso:1\.0:User:HireDate"/);
    expect(() => assertWritableName('9Lives', CONTOSO)).toThrow(AttributeNameError);
    expect(() => assertWritableName('Hire_Date-2', CONTOSO)).not.toThrow();
    // Twice in a row: the check keeps no state between calls.
    expect(() => assertWritableName('HireDate', `"${CONTOSO}`)).toThrow(AttributeNameError);
    expect(() => assertWritableName('HireDate', `"${CONTOSO}`)).toThrow(AttributeNameError);
  });
});

describe('cleaning names CSV2SCIM damaged', () => {
  it('drops quotes anywhere and spaces around the URN and the name', () => {
    expect(cleanAttributeName(`${CONTOSO}:"hireDate"`)).toEqual({ cleaned: `${CONTOSO}:hireDate`, changed: true, valid: true });
    expect(cleanAttributeName(`"${CONTOSO}:hireDate"`)).toEqual({ cleaned: `${CONTOSO}:hireDate`, changed: true, valid: true });
    expect(cleanAttributeName(`${CONTOSO}: hireDate `)).toEqual({ cleaned: `${CONTOSO}:hireDate`, changed: true, valid: true });
    expect(cleanAttributeName(`${CONTOSO}:\u201ChireDate\u201D`).cleaned).toBe(`${CONTOSO}:hireDate`);
    expect(cleanAttributeName(`${CONTOSO}:hireDate`)).toEqual({ cleaned: `${CONTOSO}:hireDate`, changed: false, valid: true });
  });

  it('leaves a space inside a name, which stays invalid', () => {
    expect(cleanAttributeName(`${CONTOSO}:"hire date"`)).toEqual({ cleaned: `${CONTOSO}:hire date`, changed: true, valid: false });
  });
});

describe('the API source directory', () => {
  it('is the directory the synchronization rule reads from, and its User object', () => {
    const source = findSourceObject(apiSchema());
    expect(source.directory).toBe('API');
    expect(source.object).toBe('User');
    expect(source.attributes.map((a) => a.name)).toContain('externalId');
  });

  it('without rules, is the one directory whose User object has SCIM attribute names', () => {
    const schema = apiSchema();
    delete schema.synchronizationRules;
    expect(findSourceObject(schema).directory).toBe('API');
  });

  it('says so when the schema does not tell, or the rule names a directory it lacks', () => {
    const noRules = apiSchema();
    noRules.synchronizationRules = [];
    noRules.directories = noRules.directories.filter((d) => d.name !== 'API');
    expect(() => findSourceObject(noRules)).toThrow(/cannot tell which directory/);
    const dangling = apiSchema();
    dangling.directories = dangling.directories.filter((d) => d.name !== 'API');
    expect(() => findSourceObject(dangling)).toThrow(/reads from directory "API", which the schema does not define/);
    const twoSources = apiSchema();
    twoSources.synchronizationRules?.push({ sourceDirectoryName: 'Azure Active Directory', targetDirectoryName: 'API' });
    expect(() => findSourceObject(twoSources)).toThrow(SchemaShapeError);
  });

  it('parses only bodies shaped like a synchronization schema', () => {
    expect(() => parseSynchronizationSchema({ value: [] })).toThrow(/no directories/);
    expect(() => parseSynchronizationSchema({ directories: [{ name: 'API', objects: [{ name: 'User' }] }] })).toThrow(/no name or attributes/);
    expect(() => parseSynchronizationSchema({ directories: [{ name: 'API', objects: [{ name: 'User', attributes: [{ type: 'String' }] }] }] })).toThrow(/has no name/);
    expect(() => parseSynchronizationSchema({ directories: [], synchronizationRules: {} })).toThrow(/not a list/);
    expect(parseSynchronizationSchema({ directories: [] }).directories).toEqual([]);
  });
});

describe('diffSchema', () => {
  it('sorts the mapped attributes into present, missing and of another type', () => {
    const schema = apiSchema([attr(`${CONTOSO}:JobCode`), attr(`${CONTOSO}:Grade`, 'String'), attr(`${CONTOSO}:remote`, 'boolean')]);
    const diff = diffSchema(schema, [wanted('JobCode'), wanted('Grade', 'Integer'), wanted('HireDate', 'DateTime'), wanted('Remote', 'Boolean')]);
    expect(diff.directory).toBe('API');
    expect(diff.missing.map((w) => w.name)).toEqual(['HireDate']);
    expect(diff.mistyped).toEqual([{ ...wanted('Grade', 'Integer'), schemaName: `${CONTOSO}:Grade`, schemaType: 'String' }]);
    // Type compared without case; a name differing only in case is the same SCIM attribute.
    expect(diff.present).toEqual([wanted('JobCode'), { ...wanted('Remote', 'Boolean'), schemaName: `${CONTOSO}:remote` }]);
    expect(diff.malformed).toEqual([]);
  });

  it('counts an attribute without a type as the documented default, String', () => {
    const diff = diffSchema(apiSchema([{ name: `${CONTOSO}:JobCode` }]), [wanted('JobCode'), wanted('Grade', 'Integer')]);
    expect(diff.present.map((w) => w.name)).toEqual(['JobCode']);
    expect(diff.missing.map((w) => w.name)).toEqual(['Grade']);
  });

  it('names CSV2SCIM leftovers, and a quoted lookalike does not count as present', () => {
    const schema = apiSchema([attr(`${CONTOSO}:"HireDate"`), attr(`${CONTOSO}: Other`), attr(`${CONTOSO}:Hire Date`), attr(`${ENTERPRISE}:"division"`), attr('"displayName"')]);
    const diff = diffSchema(schema, [wanted('HireDate', 'DateTime')]);
    expect(diff.missing.map((w) => w.name)).toEqual(['HireDate']);
    expect(diff.malformed).toEqual([
      { schemaName: `${CONTOSO}:"HireDate"`, cleanedName: `${CONTOSO}:HireDate`, sentByMapping: true },
      { schemaName: `${CONTOSO}: Other`, cleanedName: `${CONTOSO}:Other`, sentByMapping: false },
      { schemaName: `${CONTOSO}:Hire Date`, sentByMapping: false },
    ]);
  });

  it('finds nothing to do when every attribute is there', () => {
    const diff = diffSchema(apiSchema([attr(`${CONTOSO}:HireDate`, 'DateTime')]), [wanted('HireDate', 'DateTime')]);
    expect(diff.missing).toEqual([]);
    expect(diff.mistyped).toEqual([]);
    expect(diff.present).toHaveLength(1);
  });
});

describe('withAddedAttributes', () => {
  it('appends the new attributes to the source User object and changes nothing else', () => {
    const before = apiSchema([attr(`${CONTOSO}:JobCode`)]);
    const snapshot = structuredClone(before);
    const after = withAddedAttributes(before, [wanted('HireDate', 'DateTime'), wanted('Grade', 'Integer')]);
    expect(before).toEqual(snapshot);

    const user = after.directories.find((d) => d.name === 'API')?.objects.find((o) => o.name === 'User');
    const added = user?.attributes.slice(-2);
    expect(added).toEqual([
      {
        name: `${CONTOSO}:HireDate`,
        type: 'DateTime',
        anchor: false,
        caseExact: false,
        defaultValue: null,
        flowNullValues: false,
        multivalued: false,
        mutability: 'ReadWrite',
        required: false,
        apiExpressions: [],
        metadata: [],
        referencedObjects: [],
      },
      expect.objectContaining({ name: `${CONTOSO}:Grade`, type: 'Integer' }),
    ]);
    // Take the two back out: what remains is the schema as read, less the GET's annotation.
    user?.attributes.splice(-2, 2);
    const { '@odata.context': _annotation, ...rest } = snapshot;
    expect(after).toEqual(rest);
    expect('@odata.context' in after).toBe(false);
  });

  it('adds a name once, and not when the schema has it in another case', () => {
    const after = withAddedAttributes(apiSchema([attr(`${CONTOSO}:hiredate`)]), [wanted('HireDate'), wanted('Grade'), wanted('Grade')]);
    const names = after.directories[1]?.objects[0]?.attributes.map((a) => a.name) ?? [];
    expect(names.filter((n) => n.toLowerCase() === `${CONTOSO}:hiredate`.toLowerCase())).toEqual([`${CONTOSO}:hiredate`]);
    expect(names.filter((n) => n === `${CONTOSO}:Grade`)).toHaveLength(1);
  });

  it('refuses to write an invalid name', () => {
    const bad: WantedAttribute = { fullName: `${CONTOSO}:Hire Date`, urn: CONTOSO, name: 'Hire Date', type: 'String' };
    expect(() => withAddedAttributes(apiSchema(), [bad])).toThrow(AttributeNameError);
  });
});
