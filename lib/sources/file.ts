// The sources file on disk, for the CLI: mappings are named relative to the file.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { SourcesError, parseSourcesJson } from './sources.js';
import type { SourceSettings, SourcesConfig } from './sources.js';

/** Reads and checks a sources file; every failure is a SourcesError naming the file. */
export async function loadSourcesFile(path: string): Promise<SourcesConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new SourcesError(
      path,
      '',
      `cannot read the sources file${code === 'ENOENT' ? ': no such file' : code === 'EISDIR' ? ': it is a folder' : code === undefined ? '' : ` (${code})`}`,
    );
  }
  return parseSourcesJson(text, path);
}

/** Where a source's mapping file is, for a sources file read from `sourcesPath`. */
export function mappingFileOf(sourcesPath: string, source: SourceSettings): string {
  return resolve(dirname(sourcesPath), source.mapping);
}
