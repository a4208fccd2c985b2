// Opening the extract and the mapping the way every command does, with flags winning
// over the mapping's `source` section.
import { stat } from 'node:fs/promises';
import { openExtractFile } from '../lib/extract/index.js';
import { formatFromName } from '../lib/extract/sniff.js';
import type { Extract, ExtractOptions } from '../lib/extract/types.js';
import { loadMappingFile } from '../lib/mapping/load.js';
import type { Mapping } from '../lib/mapping/types.js';
import { UsageError } from './errors.js';

export interface ReadFlags {
  mapping?: string;
  format?: string;
  encoding?: string;
  delimiter?: string;
}

const FORMATS = ['csv', 'json', 'ndjson'] as const;
const ENCODINGS = ['auto', 'utf-8', 'utf-16le', 'utf-16be', 'windows-1252'] as const;
const DELIMITERS: Record<string, ExtractOptions['delimiter']> = {
  auto: 'auto',
  ',': ',',
  ';': ';',
  '\\t': '\t',
  tab: '\t',
  '\t': '\t',
  '|': '|',
  comma: ',',
  semicolon: ';',
  pipe: '|',
};

/** Loads the mapping and opens the extract named on the command line. */
export async function openInputs(extractPath: string, flags: ReadFlags): Promise<{ extract: Extract; mapping: Mapping }> {
  if (flags.mapping === undefined) throw new UsageError('--mapping <file> is required: it says how columns become SCIM attributes (see docs/mapping.md)');
  await mustBeFile(flags.mapping, 'mapping file');
  await mustBeFile(extractPath, 'extract');
  const mapping = await loadMappingFile(flags.mapping);
  const extract = await openExtractFile(extractPath, readOptions(extractPath, flags, mapping));
  return { extract, mapping };
}

function readOptions(file: string, flags: ReadFlags, mapping: Mapping): Partial<ExtractOptions> {
  const options: Partial<ExtractOptions> = { file, ...definedOnly(mapping.extract) };
  // The mapping serves every extract of a source, the name this one: a .json file is JSON even when
  // the mapping was written for CSV. The mapping's format decides only for names that say nothing.
  const named = formatFromName(file);
  if (named !== undefined) options.format = named;
  if (flags.format !== undefined) {
    if (!(FORMATS as readonly string[]).includes(flags.format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
    options.format = flags.format as ExtractOptions['format'];
  }
  if (flags.encoding !== undefined) {
    const e = flags.encoding
      .toLowerCase()
      .replace(/^utf8$/, 'utf-8')
      .replace(/^cp1252$/, 'windows-1252');
    if (!(ENCODINGS as readonly string[]).includes(e)) throw new UsageError(`--encoding must be one of ${ENCODINGS.join(', ')}`);
    options.encoding = e as ExtractOptions['encoding'];
  }
  if (flags.delimiter !== undefined) {
    const d = DELIMITERS[flags.delimiter];
    if (d === undefined) throw new UsageError('--delimiter must be one of auto , ; | tab');
    options.delimiter = d;
  }
  return options;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Fails with a UsageError unless `path` is a readable file, saying whether it is missing or a folder. */
export async function mustBeFile(path: string, what: string): Promise<void> {
  let isFile: boolean;
  try {
    isFile = (await stat(path)).isFile();
  } catch {
    throw new UsageError(`cannot read the ${what} ${JSON.stringify(path)}: no such file, or no permission to read it`);
  }
  if (!isFile) throw new UsageError(`the ${what} ${JSON.stringify(path)} is a folder, not a file: name the file itself`);
}

/** Parses a positive whole-number flag, naming the flag when it is not one. */
export function positiveInt(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a whole number of at least 1`);
  return n;
}
