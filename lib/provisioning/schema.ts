// The provisioning app's schema (synchronizationSchema: directories → objects → attributes) as far
// as hrsync needs it: which custom extension attributes a mapping sends, whether the API source
// directory of an API-driven app defines them with the right type, and the schema with the missing
// ones added and nothing else touched. Pure: the client reads and writes, the CLI decides.

import { CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA } from '../scim/schemas.js';

/** Attribute types the schema knows that hrsync writes (the service also has Reference and Binary). */
export type SchemaAttributeType = 'String' | 'Integer' | 'Boolean' | 'DateTime';

/** A mapping's declared type, as lib/mapping spells it (structural, so this part needs no import of it). */
export type MappedType = 'string' | 'boolean' | 'integer' | 'date' | 'dateTime';

/** A custom extension attribute the mapping sends. */
export interface WantedAttribute {
  /** The full SCIM name, `<extension URN>:<name>`, as it must appear in the schema. */
  fullName: string;
  urn: string;
  name: string;
  type: SchemaAttributeType;
}

/** One attributeDefinition; unknown properties are kept as they came. */
export interface AttributeDefinition {
  name: string;
  type?: string;
  [property: string]: unknown;
}

/** One objectDefinition of a directory. */
export interface ObjectDefinition {
  name: string;
  attributes: AttributeDefinition[];
  [property: string]: unknown;
}

/** One directoryDefinition. */
export interface DirectoryDefinition {
  name: string;
  objects: ObjectDefinition[];
  [property: string]: unknown;
}

/** The synchronizationSchema of a job; everything but directories is carried through untouched. */
export interface SynchronizationSchema {
  directories: DirectoryDefinition[];
  synchronizationRules?: unknown[];
  [property: string]: unknown;
}

/** The schema is not shaped like an API-driven app's: no rule or directory says which is the API source, or it has no User object. */
export class SchemaShapeError extends Error {
  override readonly name = 'SchemaShapeError';
}

/** A name hrsync will not write to the schema; the message says why. */
export class AttributeNameError extends Error {
  override readonly name = 'AttributeNameError';
}

// The rule lib/mapping applies to custom attribute names (letters, digits, _ and -): the name
// written to the schema must be exactly the key the records carry.
const ATTRIBUTE_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
// Straight and typographic quotes: CSV2SCIM's -UpdateSchema copied CSV header quotes into names.
const QUOTES = /["'\u2018\u2019\u201C\u201D]/g;
const HAS_QUOTE = /["'\u2018\u2019\u201C\u201D]/;
const TYPES: Readonly<Record<MappedType, SchemaAttributeType>> = {
  string: 'String',
  integer: 'Integer',
  boolean: 'Boolean',
  dateTime: 'DateTime',
  // A calendar date has no time or zone; a DateTime attribute would make the service guess both.
  date: 'String',
};

/** The schema type for a mapping's declared type: `date` (yyyy-MM-dd text) is a String. */
export function schemaTypeOf(type: MappedType): SchemaAttributeType {
  return TYPES[type];
}

/** Whether a schema URN is a custom extension: any `urn:` other than the core User and the standard enterprise extension. */
export function isCustomExtensionUrn(urn: string): boolean {
  const u = urn.toLowerCase();
  return u.startsWith('urn:') && u !== CORE_USER_SCHEMA.toLowerCase() && u !== ENTERPRISE_USER_SCHEMA.toLowerCase();
}

/** Splits `<urn>:<name>` at its last colon; undefined for names that carry no URN (core attributes such as `userName`). */
export function splitAttributeName(fullName: string): { urn: string; name: string } | undefined {
  const at = fullName.lastIndexOf(':');
  if (!fullName.toLowerCase().startsWith('urn:') || at <= 4) return undefined;
  return { urn: fullName.slice(0, at), name: fullName.slice(at + 1) };
}

/**
 * Undoes CSV2SCIM's damage to a schema name: quotes anywhere and spaces around the URN or the name
 * dropped. `valid` says whether the result is a name hrsync would write; spaces inside a name are
 * left (guessing "Hire Date" → "HireDate" would be a rename), so such a name stays invalid.
 */
export function cleanAttributeName(raw: string): { cleaned: string; changed: boolean; valid: boolean } {
  const unquoted = raw.replace(QUOTES, '').trim();
  const parts = splitAttributeName(unquoted);
  const cleaned = parts === undefined ? unquoted : `${parts.urn.trim()}:${parts.name.trim()}`;
  const name = parts === undefined ? cleaned : cleaned.slice(cleaned.lastIndexOf(':') + 1);
  return { cleaned, changed: cleaned !== raw, valid: ATTRIBUTE_NAME.test(name) && !/\s/.test(cleaned) };
}

/** Throws AttributeNameError unless `<urn>:<name>` may be written as it is: a name of letters, digits, _ and - (starting with a letter or _), no quotes or spaces anywhere. */
export function assertWritableName(name: string, urn: string): void {
  if (ATTRIBUTE_NAME.test(name) && !/\s/.test(urn) && !HAS_QUOTE.test(urn)) return;
  const full = `${urn}:${name}`;
  const { cleaned, valid } = cleanAttributeName(full);
  // Never written cleaned: the schema must hold exactly the key the records carry.
  const hint = valid ? ` (cleaned it would be ${JSON.stringify(cleaned)}, but the records would still carry the other name: fix the mapping)` : '';
  throw new AttributeNameError(
    `${JSON.stringify(full)} is not a name hrsync writes to the schema: letters, digits, _ and -, starting with a letter or _, and no quotes or spaces${hint}`,
  );
}

/** The custom extension attributes among a mapping's attributes (`path` is `<urn>:<name>` for those), one per name, with their schema type. */
export function customExtensionAttributes(attributes: readonly { path: string; type: MappedType }[]): WantedAttribute[] {
  const out = new Map<string, WantedAttribute>();
  for (const a of attributes) {
    const parts = splitAttributeName(a.path);
    if (parts === undefined || !isCustomExtensionUrn(parts.urn)) continue;
    assertWritableName(parts.name, parts.urn);
    if (!out.has(a.path)) out.set(a.path, { fullName: a.path, urn: parts.urn, name: parts.name, type: schemaTypeOf(a.type) });
  }
  return [...out.values()];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads a synchronizationSchema body; throws when directories, their objects or attributes are not shaped as Graph documents them. */
export function parseSynchronizationSchema(body: unknown): SynchronizationSchema {
  if (!isRecord(body) || !Array.isArray(body.directories)) throw new SchemaShapeError('the synchronization schema has no directories');
  for (const d of body.directories) {
    if (!isRecord(d) || typeof d.name !== 'string' || !Array.isArray(d.objects)) throw new SchemaShapeError('a directory of the synchronization schema has no name or objects');
    for (const o of d.objects) {
      if (!isRecord(o) || typeof o.name !== 'string' || !Array.isArray(o.attributes)) throw new SchemaShapeError(`an object of directory "${d.name}" has no name or attributes`);
      for (const a of o.attributes) {
        if (!isRecord(a) || typeof a.name !== 'string') throw new SchemaShapeError(`an attribute of ${d.name}/${String(o.name)} has no name`);
      }
    }
  }
  if (body.synchronizationRules !== undefined && body.synchronizationRules !== null && !Array.isArray(body.synchronizationRules)) {
    throw new SchemaShapeError('synchronizationRules of the synchronization schema is not a list');
  }
  return body as SynchronizationSchema;
}

/** Where custom attributes go: the User object of the API source directory. */
export interface SourceObject {
  directory: string;
  object: string;
  attributes: readonly AttributeDefinition[];
}

function userObjectOf(d: DirectoryDefinition): ObjectDefinition | undefined {
  return d.objects.find((o) => o.name.toLowerCase() === 'user');
}

function sourceDirectoryName(schema: SynchronizationSchema): string | undefined {
  // A rule names its source and target; in an API-driven app every rule reads from the API directory.
  const names = new Set<string>();
  for (const rule of schema.synchronizationRules ?? []) {
    if (isRecord(rule) && typeof rule.sourceDirectoryName === 'string' && rule.sourceDirectoryName !== '') names.add(rule.sourceDirectoryName);
  }
  if (names.size === 1) return [...names][0];
  if (names.size > 1) throw new SchemaShapeError(`the schema's rules read from ${names.size} directories (${[...names].join(', ')}); this is not an API-driven provisioning app`);
  // No rules: the one directory whose User object speaks SCIM (attribute names under a urn:ietf:params:scim URN).
  const scim = schema.directories.filter((d) => userObjectOf(d)?.attributes.some((a) => a.name.toLowerCase().startsWith('urn:ietf:params:scim:')) ?? false);
  return scim.length === 1 ? scim[0]?.name : undefined;
}

/** The API source directory's User object; throws SchemaShapeError when the schema does not say which directory that is. */
export function findSourceObject(schema: SynchronizationSchema): SourceObject {
  const name = sourceDirectoryName(schema);
  if (name === undefined)
    throw new SchemaShapeError('cannot tell which directory of the schema is the API source (no synchronization rule names one); is this an API-driven provisioning app?');
  const directory = schema.directories.find((d) => d.name === name);
  if (directory === undefined) throw new SchemaShapeError(`the synchronization rule reads from directory "${name}", which the schema does not define`);
  const user = userObjectOf(directory);
  if (user === undefined) throw new SchemaShapeError(`the API source directory "${name}" has no User object`);
  return { directory: directory.name, object: user.name, attributes: user.attributes };
}

/** What a diff found for one mapped attribute that the schema has. */
export interface PresentAttribute extends WantedAttribute {
  /** The name in the schema, when it differs from the mapping's in case only (SCIM names are case-insensitive). */
  schemaName?: string;
}

/** A mapped attribute the schema defines with another type. */
export interface MistypedAttribute extends WantedAttribute {
  schemaName: string;
  schemaType: string;
}

/** A custom extension attribute in the schema whose name has stray quotes or spaces, or is otherwise not a valid name. */
export interface MalformedAttribute {
  schemaName: string;
  /** The name once cleaned of quotes and surrounding spaces, when that gives a valid name. */
  cleanedName?: string;
  /** The cleaned name is one the mapping sends: that attribute is missing, this one receives nothing. */
  sentByMapping: boolean;
}

/** The mapping's custom extension attributes against the API source directory's User object. */
export interface SchemaDiff {
  directory: string;
  object: string;
  present: PresentAttribute[];
  /** Not in the schema: `apply` adds these. */
  missing: WantedAttribute[];
  /** In the schema with another type: `apply` leaves them as they are. */
  mistyped: MistypedAttribute[];
  malformed: MalformedAttribute[];
}

/** Compares the attributes a mapping sends with the API source directory's User object. */
export function diffSchema(schema: SynchronizationSchema, wanted: readonly WantedAttribute[]): SchemaDiff {
  const source = findSourceObject(schema);
  const exact = new Map(source.attributes.map((a) => [a.name, a]));
  const folded = new Map<string, AttributeDefinition>();
  for (const a of source.attributes) if (!folded.has(a.name.toLowerCase())) folded.set(a.name.toLowerCase(), a);
  const diff: SchemaDiff = { directory: source.directory, object: source.object, present: [], missing: [], mistyped: [], malformed: [] };
  for (const w of wanted) {
    const found = exact.get(w.fullName) ?? folded.get(w.fullName.toLowerCase());
    if (found === undefined) {
      diff.missing.push(w);
      continue;
    }
    // The documented default of attributeDefinition.type is String.
    const schemaType = found.type ?? 'String';
    if (schemaType.toLowerCase() !== w.type.toLowerCase()) diff.mistyped.push({ ...w, schemaName: found.name, schemaType });
    else diff.present.push(found.name === w.fullName ? w : { ...w, schemaName: found.name });
  }
  const sent = new Set(wanted.map((w) => w.fullName.toLowerCase()));
  for (const a of source.attributes) {
    const unquoted = a.name.replace(QUOTES, '').trim();
    const parts = splitAttributeName(unquoted);
    if (parts === undefined || !isCustomExtensionUrn(parts.urn.trim())) continue;
    const { cleaned, changed, valid } = cleanAttributeName(a.name);
    if (!changed && valid) continue;
    diff.malformed.push({ schemaName: a.name, ...(valid ? { cleanedName: cleaned } : {}), sentByMapping: valid && sent.has(cleaned.toLowerCase()) });
  }
  return diff;
}

/** A new attributeDefinition with the documented defaults: single-valued, optional, not an anchor, read-write. */
export function newAttributeDefinition(w: WantedAttribute): AttributeDefinition {
  return {
    name: w.fullName,
    type: w.type,
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
  };
}

/**
 * A copy of the schema with the attributes appended to the API source directory's User object;
 * nothing else changes (rules, other directories, existing attributes, unknown properties), and a
 * name already there in any case is not added twice. The response annotation `@odata.context` is
 * dropped: it describes the GET, not the resource.
 */
export function withAddedAttributes(schema: SynchronizationSchema, add: readonly WantedAttribute[]): SynchronizationSchema {
  const copy = structuredClone(schema);
  delete copy['@odata.context'];
  const { directory } = findSourceObject(copy);
  const user = userObjectOf(copy.directories.find((d) => d.name === directory) as DirectoryDefinition) as ObjectDefinition;
  const names = new Set(user.attributes.map((a) => a.name.toLowerCase()));
  for (const w of add) {
    assertWritableName(w.name, w.urn);
    if (names.has(w.fullName.toLowerCase())) continue;
    names.add(w.fullName.toLowerCase());
    user.attributes.push(newAttributeDefinition(w));
  }
  return copy;
}
