import type { SettingProblem } from './errors.js';
import type { SettingName } from './names.js';

/** An environment-like map, e.g. `process.env`. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** Values that win over the environment, keyed by variable name (the CLI maps `--job-id` to `HRSYNC_JOB_ID`). */
export type SettingsOverrides = Partial<Record<SettingName, string | undefined>>;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function show(value: string): string {
  // None of hrsync's settings holds a secret (secrets live in Key Vault), so echoing helps; cap it anyway.
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
}

// The allowed word a typo most likely meant: the same letters in another case, or at most two
// edits away. lib/config imports nothing of ours, so this is not lib/mapping's suggester.
function nearest<T extends string>(value: string, allowed: readonly T[]): T | undefined {
  const lower = value.toLowerCase();
  let best: { word: T; distance: number } | undefined;
  for (const word of allowed) {
    const distance = editDistance(lower, word.toLowerCase());
    if (distance <= 2 && (best === undefined || distance < best.distance)) best = { word, distance };
  }
  return best?.word;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    previous = current;
  }
  return previous[b.length] ?? Infinity;
}

/** Reads variables one by one, collecting every problem instead of stopping at the first. */
export class SettingsReader {
  readonly problems: SettingProblem[] = [];

  constructor(
    private readonly env: Environment,
    private readonly overrides: SettingsOverrides,
  ) {}

  /** The trimmed value, override first; empty counts as unset. */
  raw(name: SettingName): string | undefined {
    const value = this.overrides[name] ?? this.env[name];
    const trimmed = value?.trim();
    return trimmed === undefined || trimmed === '' ? undefined : trimmed;
  }

  /** Records a problem with `name`; the message starts with the variable so it reads on its own. */
  fail(name: SettingName, expectation: string): undefined {
    const origin = this.overrides[name] !== undefined ? ' (overridden)' : '';
    this.problems.push({ variable: name, message: `${name}${origin} ${expectation}` });
    return undefined;
  }

  /** A required or optional free-form string; `requiredBecause` names the condition that makes it required. */
  string(name: SettingName, requiredBecause?: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined && requiredBecause !== undefined) return this.fail(name, `is required ${requiredBecause}`);
    return value;
  }

  /** A GUID such as an object id, client id or tenant id. */
  guid(name: SettingName, requiredBecause?: string): string | undefined {
    const value = this.string(name, requiredBecause);
    if (value === undefined) return undefined;
    if (!GUID.test(value)) return this.fail(name, `must be a GUID like 00000000-0000-0000-0000-000000000000, got ${show(value)}`);
    return value.toLowerCase();
  }

  /** An https URL without a trailing slash; tokens never travel over plain http. */
  httpsUrl(name: SettingName, fallback: string | undefined, requiredBecause?: string): string | undefined {
    const value = this.raw(name) ?? fallback;
    if (value === undefined) {
      return requiredBecause === undefined ? undefined : this.fail(name, `is required ${requiredBecause}`);
    }
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return this.fail(name, `must be an https URL, got ${show(value)}`);
    }
    if (url.protocol !== 'https:') return this.fail(name, `must be an https URL, got ${show(value)}`);
    if (url.search !== '' || url.hash !== '') return this.fail(name, `must be a base URL without query or fragment, got ${show(value)}`);
    return url.href.replace(/\/+$/, '');
  }

  /** A whole number within [min, max]. */
  integer(name: SettingName, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!/^[0-9]+$/.test(value) || Number(value) < min || Number(value) > max) {
      this.fail(name, `must be a whole number from ${min} to ${max}, got ${show(value)}`);
      return fallback;
    }
    return Number(value);
  }

  /** `true` or `false` (any case). */
  boolean(name: SettingName, fallback: boolean): boolean {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const lower = value.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    this.fail(name, `must be true or false, got ${show(value)}`);
    return fallback;
  }

  /** One of a fixed set of words (exact spelling); a near miss is named in the error. */
  oneOf<T extends string>(name: SettingName, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    const near = nearest(value, allowed);
    this.fail(name, `must be one of ${allowed.join(' | ')}, got ${show(value)}${near === undefined ? '' : ` (did you mean "${near}"?)`}`);
    return fallback;
  }

  /** A value matching `pattern`, described by `expectation` when it does not. */
  matching(name: SettingName, pattern: RegExp, expectation: string, requiredBecause?: string): string | undefined {
    const value = this.string(name, requiredBecause);
    if (value === undefined) return undefined;
    if (!pattern.test(value)) return this.fail(name, `${expectation}, got ${show(value)}`);
    return value;
  }
}
