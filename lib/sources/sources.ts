// Sources: an organisation sends several extracts (HR for employees, a flat file for
// contractors), each with its own mapping, its own kind and its own guard. An extract belongs
// to the source named by the first folder of its blob path; top-level files belong to
// `default`. The sources file (schema/sources.schema.json) says how each source is read; a
// deployment without one has a single `default` source of kind `full` with HRSYNC_MAPPING_BLOB's
// mapping, and every folder is a source of its own with those same settings.
import { didYouMean } from '../mapping/suggest.js';

/** `full`: the file lists everyone in scope, so absence means a leaver. `changes`: only changes; nothing is inferred from absence. */
export type SourceKind = 'full' | 'changes';

/** The thresholds over which a run is held before anything is sent. */
export interface GuardThresholds {
  /** Most disables (absent plus `active: false` transitions); undefined: the lower of 500 and 10% of the source's active people, at least 25. */
  maxDisables?: number;
  /** Most a full extract's rows may fall against the source's last full extract, in percent. */
  maxShrinkPercent: number;
  /** Most rows that may be rejected, in percent of the rows read. */
  maxRejectedPercent: number;
  /** Most of a run's outcomes in the provisioning logs that may be failures (reference failures aside), once it has FAILURE_GUARD_MIN_OUTCOMES. */
  maxFailedPercent: number;
}

export interface SourceSettings {
  name: string;
  /** The mapping: a path relative to the sources file (a blob in its container, or a file beside it). */
  mapping: string;
  kind: SourceKind;
  /** Anyone not sent for this many days is sent again (edits made by hand in Entra are undone); 0 = never. */
  resendAfterDays: number;
  guard: GuardThresholds;
}

export interface SourcesConfig {
  /** Where the configuration came from, for messages. */
  origin: string;
  /** False when no sources file exists: every folder is a source with the default settings. */
  fromFile: boolean;
  sources: ReadonlyMap<string, SourceSettings>;
  /** Settings of sources the file does not name (no file only). */
  fallback?: Omit<SourceSettings, 'name'>;
}

export const DEFAULT_SOURCE = 'default';
export const DEFAULT_GUARD: GuardThresholds = { maxShrinkPercent: 20, maxRejectedPercent: 10, maxFailedPercent: 20 };
export const DEFAULT_RESEND_AFTER_DAYS = 7;
/** Source names are folder names in the extracts container and table keys in the ledger. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** The sources file cannot be used: names the file and the key at fault. */
export class SourcesError extends Error {
  override readonly name = 'SourcesError';
  constructor(
    readonly origin: string,
    readonly key: string,
    readonly detail: string,
  ) {
    super(`${origin}: ${key ? `${key}: ` : ''}${detail}`);
  }
}

/** The source an extract belongs to: the first folder of its path in the extracts container, or `default`. */
export function sourceOfBlob(name: string): string {
  const slash = name.indexOf('/');
  return slash <= 0 ? DEFAULT_SOURCE : name.slice(0, slash);
}

/** The configuration of a deployment without a sources file. */
export function defaultSources(mapping: string, origin = 'no sources file'): SourcesConfig {
  const fallback = { mapping, kind: 'full' as const, resendAfterDays: DEFAULT_RESEND_AFTER_DAYS, guard: { ...DEFAULT_GUARD } };
  return { origin, fromFile: false, sources: new Map([[DEFAULT_SOURCE, { name: DEFAULT_SOURCE, ...fallback }]]), fallback };
}

/** The settings of the named source; SourcesError when a sources file exists and does not name it. */
export function resolveSource(config: SourcesConfig, name: string): SourceSettings {
  const found = config.sources.get(name);
  if (found !== undefined) return found;
  if (config.fallback !== undefined && NAME.test(name)) return { name, ...config.fallback };
  const known = [...config.sources.keys()];
  const where = name === DEFAULT_SOURCE ? 'a file at the top level of the extracts container belongs to source "default", which' : `source ${JSON.stringify(name)}`;
  throw new SourcesError(
    config.origin,
    'sources',
    `${where} is not in the sources file${didYouMean(name, known)}; it names ${known.map((k) => JSON.stringify(k)).join(', ') || 'no source'}. Add it, or drop the file into the folder of its source`,
  );
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const SOURCE_KEYS = ['mapping', 'kind', 'resendAfterDays', 'guard', 'description'];
const GUARD_KEYS = ['maxDisables', 'maxShrinkPercent', 'maxRejectedPercent', 'maxFailedPercent'];

/** Checks a parsed sources file; every problem is a SourcesError naming the key. */
export function parseSources(doc: unknown, origin: string): SourcesConfig {
  const fail = (key: string, detail: string): never => {
    throw new SourcesError(origin, key, detail);
  };
  if (!isObject(doc)) fail('', 'must be a JSON object with "version": 1 and "sources"');
  const root = doc as Json;
  for (const key of Object.keys(root)) {
    if (!['$schema', 'version', 'sources'].includes(key)) fail(key, `is not a sources file key${didYouMean(key, ['version', 'sources'])}`);
  }
  if (root['version'] !== 1) fail('version', 'must be 1');
  const sources = root['sources'];
  if (!isObject(sources) || Object.keys(sources).length === 0)
    fail('sources', 'must be an object naming at least one source, e.g. {"default": {"mapping": "mapping.json", "kind": "full"}}');
  const out = new Map<string, SourceSettings>();
  for (const [name, value] of Object.entries(sources as Json)) {
    const at = `sources.${name}`;
    if (!NAME.test(name)) fail(at, 'a source name is the folder its extracts are dropped into: 1-63 letters, digits, ".", "_" or "-", starting with a letter or digit');
    if (!isObject(value)) fail(at, 'must be an object with "mapping" and "kind"');
    const s = value as Json;
    for (const key of Object.keys(s)) if (!SOURCE_KEYS.includes(key)) fail(`${at}.${key}`, `is not a source setting${didYouMean(key, SOURCE_KEYS)}`);
    const mapping = s['mapping'];
    if (typeof mapping !== 'string' || mapping.trim() === '') fail(`${at}.mapping`, 'must name the mapping file, relative to the sources file');
    const kind = s['kind'];
    if (kind !== 'full' && kind !== 'changes')
      fail(`${at}.kind`, 'must be "full" (the file lists everyone: absence means a leaver) or "changes" (only changes: nothing is inferred from absence)');
    const resend = s['resendAfterDays'] ?? DEFAULT_RESEND_AFTER_DAYS;
    if (!Number.isInteger(resend) || (resend as number) < 0 || (resend as number) > 365) fail(`${at}.resendAfterDays`, 'must be a whole number of days from 0 (never) to 365');
    const guard = s['guard'] ?? {};
    if (!isObject(guard)) fail(`${at}.guard`, `must be an object with ${GUARD_KEYS.join(', ')}`);
    const g = guard as Json;
    for (const key of Object.keys(g)) if (!GUARD_KEYS.includes(key)) fail(`${at}.guard.${key}`, `is not a guard threshold${didYouMean(key, GUARD_KEYS)}`);
    const whole = (key: string, fallback: number | undefined, max: number): number | undefined => {
      const v = g[key];
      if (v === undefined) return fallback;
      if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > max) fail(`${at}.guard.${key}`, `must be a whole number from 0 to ${max}`);
      return v as number;
    };
    const maxDisables = whole('maxDisables', undefined, 10_000_000);
    out.set(name, {
      name,
      mapping: (mapping as string).trim(),
      kind: kind as SourceKind,
      resendAfterDays: resend as number,
      guard: {
        ...(maxDisables === undefined ? {} : { maxDisables }),
        maxShrinkPercent: whole('maxShrinkPercent', DEFAULT_GUARD.maxShrinkPercent, 100) as number,
        maxRejectedPercent: whole('maxRejectedPercent', DEFAULT_GUARD.maxRejectedPercent, 100) as number,
        maxFailedPercent: whole('maxFailedPercent', DEFAULT_GUARD.maxFailedPercent, 100) as number,
      },
    });
  }
  return { origin, fromFile: true, sources: out };
}

/** Parses sources JSON text (a leading BOM allowed); syntax errors name the line and column. */
export function parseSourcesJson(text: string, origin: string): SourcesConfig {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (e) {
    const at = /position (\d+)/.exec((e as Error).message);
    const position = at === null ? undefined : Number(at[1]);
    const where = position === undefined ? '' : ` at line ${body.slice(0, position).split('\n').length}, column ${position - body.lastIndexOf('\n', position - 1)}`;
    throw new SourcesError(origin, '', `not valid JSON${where}`);
  }
  return parseSources(doc, origin);
}
