// hrsync mapping import: moves a CSV2SCIM AttributeMapping.psd1 to an hrsync mapping.
import { readFile, writeFile } from 'node:fs/promises';
import { importPsd1Mapping } from '../../lib/mapping/psd1-import.js';
import { EXIT_OK, EXIT_PROBLEMS, UsageError } from '../errors.js';
import type { Console2 } from '../io.js';
import { writeOut } from '../io.js';

/** Runs `hrsync mapping import`; exit 1 when some scriptblocks could not be translated. */
export async function mappingImportCommand(psd1Path: string, flags: { output?: string }, io: Console2): Promise<number> {
  let text: string;
  try {
    text = await readFile(psd1Path, 'utf8');
  } catch {
    throw new UsageError(`cannot read the mapping ${JSON.stringify(psd1Path)}: no such file, or no permission to read it`);
  }
  const { mapping, untranslated } = importPsd1Mapping(text.replace(/^\uFEFF/, ''), psd1Path);
  const json = `${JSON.stringify(mapping, null, 2)}\n`;
  if (flags.output !== undefined) await writeFile(flags.output, json);
  else await writeOut(io.out, json);
  for (const u of untranslated) {
    // An entry without a script is a required attribute the psd1 never mapped, not a scriptblock.
    const what = u.script === '' ? 'missing' : 'not translated, left out; write it as an expression (docs/mapping.md)';
    io.err.write(`${psd1Path}:${u.line}: ${u.key}: ${what}: ${u.why}\n`);
  }
  if (untranslated.length > 0) {
    io.err.write(`${untranslated.length} attribute${untranslated.length === 1 ? ' needs' : 's need'} finishing by hand before this mapping is complete\n`);
  }
  return untranslated.length > 0 ? EXIT_PROBLEMS : EXIT_OK;
}
