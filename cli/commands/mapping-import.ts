// hrsync mapping import: moves a CSV2SCIM AttributeMapping.psd1 to an hrsync mapping.
import { readFile, writeFile } from 'node:fs/promises';
import { keepCsv2ScimEmpties } from '../../lib/mapping/psd1-empty.js';
import { importPsd1Mapping } from '../../lib/mapping/psd1-import.js';
import { EXIT_OK, EXIT_PROBLEMS, UsageError } from '../errors.js';
import type { Console2 } from '../io.js';
import { writeOut } from '../io.js';
import { mustBeFile } from '../inputs.js';

export interface MappingImportFlags {
  output?: string;
  /** `send` (default): empty cells go as "", as CSV2SCIM sent them; `omit`: hrsync's own default. */
  emptyValues?: string;
}

/** Runs `hrsync mapping import`; exit 1 when some scriptblocks could not be translated. */
export async function mappingImportCommand(psd1Path: string, flags: MappingImportFlags, io: Console2): Promise<number> {
  const emptyValues = flags.emptyValues ?? 'send';
  if (emptyValues !== 'send' && emptyValues !== 'omit') throw new UsageError(`--empty-values must be send or omit; got ${JSON.stringify(emptyValues)}`);
  await mustBeFile(psd1Path, 'mapping');
  let text: string;
  try {
    text = await readFile(psd1Path, 'utf8');
  } catch {
    throw new UsageError(`cannot read the mapping ${JSON.stringify(psd1Path)}: no such file, or no permission to read it`);
  }
  const imported = importPsd1Mapping(text.replace(/^\uFEFF/, ''), psd1Path);
  const { untranslated } = imported;
  const mapping = emptyValues === 'send' ? keepCsv2ScimEmpties(imported.mapping) : imported.mapping;
  const json = `${JSON.stringify(mapping, null, 2)}\n`;
  if (flags.output !== undefined) await writeFile(flags.output, json);
  else await writeOut(io.out, json);
  for (const u of untranslated) {
    // An entry without a script is a required attribute the psd1 never mapped, not a scriptblock.
    const what = u.script === '' ? 'missing' : 'not translated, left out; write it as an expression (docs/mapping.md)';
    io.err.write(`${psd1Path}:${u.line}: ${u.key}: ${what}: ${u.why}\n`);
  }
  io.err.write(
    emptyValues === 'send'
      ? 'empty cells are sent as "", as CSV2SCIM sent them, which clears those attributes in Entra: the mapping has "options": { "emptyValues": "send" } and "$keepEmpty" on the attributes inside objects and lists. To leave an attribute out when its cell is empty (Entra keeps what it has), import with --empty-values omit\n'
      : 'empty cells are left out (Entra keeps what it has), where CSV2SCIM sent them as "" and cleared those attributes: import without --empty-values omit to keep what CSV2SCIM did\n',
  );
  if (untranslated.length > 0) {
    io.err.write(`${untranslated.length} attribute${untranslated.length === 1 ? ' needs' : 's need'} finishing by hand before this mapping is complete\n`);
  }
  return untranslated.length > 0 ? EXIT_PROBLEMS : EXIT_OK;
}
