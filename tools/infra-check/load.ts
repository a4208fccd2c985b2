// Reads infra/main.bicep and every module it uses (transitively), azure.yaml and host.json,
// optionally with some files' text replaced, so tests can check a broken copy.
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parseBicep } from './bicep-parser.js';
import type { BicepFile } from './bicep-parser.js';

export const MAIN_BICEP = 'infra/main.bicep';

export interface InfraSources {
  root: string;
  /** Text of a repository file (relative path), with overrides applied. */
  read(path: string): string;
  /** Parsed Bicep files by relative path, main first. */
  bicep: Map<string, BicepFile>;
}

/** Loads the infra from `root`; `overrides` maps relative paths to replacement text. */
export function loadInfra(root: string, overrides: Readonly<Record<string, string>> = {}): InfraSources {
  const read = (path: string): string => overrides[path] ?? readFileSync(join(root, path), 'utf8');
  const bicep = new Map<string, BicepFile>();
  const pending = [MAIN_BICEP];
  while (pending.length > 0) {
    const path = pending.shift() as string;
    if (bicep.has(path)) continue;
    const file = parseBicep(read(path), path);
    bicep.set(path, file);
    for (const d of file.declarations) if (d.kind === 'module') pending.push(posix.join(posix.dirname(path), d.path));
  }
  return { root, read, bicep };
}
