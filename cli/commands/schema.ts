// hrsync schema diff|apply: the custom extension attributes a mapping sends against the provisioning
// app's schema (the API source directory's User object). diff reads; apply adds what is missing with
// the mapping's type and removes or changes nothing.
import { loadProvisioningSettings } from '../../lib/config/settings.js';
import { loadMappingFile } from '../../lib/mapping/load.js';
import { createProvisioningClient } from '../../lib/provisioning/client.js';
import type { ProvisioningClient } from '../../lib/provisioning/client.js';
import { AttributeNameError, SchemaShapeError, customExtensionAttributes, diffSchema, withAddedAttributes } from '../../lib/provisioning/schema.js';
import type { SchemaDiff, SynchronizationSchema, WantedAttribute } from '../../lib/provisioning/schema.js';
import type { ConnectionFlags } from '../connection.js';
import { connectionOverrides } from '../connection.js';
import { EXIT_OK, EXIT_PROBLEMS, UsageError } from '../errors.js';
import type { Console2 } from '../io.js';
import { writeOut } from '../io.js';

export interface SchemaFlags extends ConnectionFlags {
  mapping: string;
  json?: boolean;
}

interface Prepared {
  jobId: string;
  client: ProvisioningClient;
  wanted: WantedAttribute[];
  schema: SynchronizationSchema;
  diff: SchemaDiff;
}

// A schema or a name hrsync cannot work with is an unusable input (exit 2), said in one sentence.
function usable<T>(work: () => T): T {
  try {
    return work();
  } catch (err) {
    if (err instanceof SchemaShapeError) throw new UsageError(`the provisioning app's schema: ${err.message}`);
    if (err instanceof AttributeNameError) throw new UsageError(err.message);
    throw err;
  }
}

async function prepare(flags: SchemaFlags, env: NodeJS.ProcessEnv): Promise<Prepared> {
  const mapping = await loadMappingFile(flags.mapping);
  const wanted = usable(() => customExtensionAttributes(mapping.attributes));
  const settings = loadProvisioningSettings(env, connectionOverrides(flags));
  const client = createProvisioningClient(settings);
  const schema = await client.getSchema();
  return { jobId: settings.graph.jobId, client, wanted, schema, diff: usable(() => diffSchema(schema, wanted)) };
}

const needsWork = (d: SchemaDiff): boolean => d.missing.length > 0 || d.mistyped.length > 0;

function diffLines(d: SchemaDiff, wanted: readonly WantedAttribute[]): string[] {
  const lines: string[] = [];
  if (wanted.length === 0) lines.push('  the mapping sends no custom extension attributes: nothing to compare');
  for (const w of d.missing) lines.push(`  missing: ${w.fullName} (${w.type})`);
  for (const m of d.mistyped) lines.push(`  other type: ${m.schemaName} is ${m.schemaType} in the schema; the mapping sends ${m.type}`);
  for (const p of d.present) lines.push(`  present: ${p.fullName} (${p.type})${p.schemaName === undefined ? '' : `, spelt ${p.schemaName} in the schema`}`);
  for (const m of d.malformed) {
    const why = m.cleanedName === undefined ? 'not a valid name' : `stray quotes or spaces, as CSV2SCIM's -UpdateSchema wrote them; cleaned: ${m.cleanedName}`;
    const effect = m.sentByMapping ? '; the records carry the cleaned name, so this one receives nothing' : '';
    lines.push(`  malformed: ${JSON.stringify(m.schemaName)} (${why}${effect})`);
  }
  return lines;
}

function where(jobId: string, d: SchemaDiff): string {
  return `job ${jobId}, directory "${d.directory}", object "${d.object}"`;
}

const MALFORMED_ADVICE =
  'malformed names are left as they are (hrsync removes nothing): delete them in the provisioning app (Attribute mapping → Show advanced options → Edit attribute list for API) once nothing maps them';

/** Runs `hrsync schema diff`; exit 1 when an attribute the mapping sends is missing or of another type. */
export async function schemaDiffCommand(flags: SchemaFlags, io: Console2, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { jobId, wanted, diff } = await prepare(flags, env);
  const code = needsWork(diff) ? EXIT_PROBLEMS : EXIT_OK;
  if (flags.json === true) {
    await writeOut(io.out, `${JSON.stringify({ jobId, ...diff }, null, 2)}\n`);
    return code;
  }
  const lines = [`schema of ${where(jobId, diff)}: the mapping sends ${wanted.length} custom extension attribute${wanted.length === 1 ? '' : 's'}`, ...diffLines(diff, wanted)];
  lines.push(`${diff.missing.length} missing, ${diff.mistyped.length} of another type, ${diff.present.length} present`);
  if (diff.missing.length > 0) lines.push(`run hrsync schema apply --mapping ${flags.mapping} to add the missing ones (needs Synchronization.ReadWrite.All)`);
  if (diff.mistyped.length > 0) lines.push('apply changes no existing attribute: change the type in the provisioning app\'s attribute list, or the mapping\'s "$type"');
  if (diff.malformed.length > 0) lines.push(MALFORMED_ADVICE);
  await writeOut(io.out, `${lines.join('\n')}\n`);
  return code;
}

/** Runs `hrsync schema apply`: adds the missing attributes, then reads the schema again; exit 1 when something still differs. */
export async function schemaApplyCommand(flags: SchemaFlags, io: Console2, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { jobId, client, wanted, schema, diff } = await prepare(flags, env);
  let after = diff;
  let requestId: string | undefined;
  if (diff.missing.length > 0) {
    const updated = usable(() => withAddedAttributes(schema, diff.missing));
    ({ requestId } = await client.putSchema(updated));
    // Read back rather than trust the 204: what counts is what the service kept.
    const reread = await client.getSchema();
    after = usable(() => diffSchema(reread, wanted));
  }
  const added = diff.missing.filter((w) => !after.missing.some((m) => m.fullName === w.fullName));
  const code = needsWork(after) ? EXIT_PROBLEMS : EXIT_OK;
  if (flags.json === true) {
    await writeOut(io.out, `${JSON.stringify({ jobId, added, ...(requestId === undefined ? {} : { requestId }), after }, null, 2)}\n`);
    return code;
  }
  const lines = [`schema of ${where(jobId, diff)}:`];
  if (diff.missing.length === 0)
    lines.push(
      `  nothing to add: the ${wanted.length} custom extension attribute${wanted.length === 1 ? '' : 's'} the mapping sends ${wanted.length === 1 ? 'is' : 'are'} there${diff.mistyped.length > 0 ? ' (some of another type)' : ''}`,
    );
  for (const w of added) lines.push(`  added: ${w.fullName} (${w.type})`);
  for (const w of after.missing) lines.push(`  still missing after the update: ${w.fullName} (${w.type}); the service did not keep it`);
  for (const m of after.mistyped) lines.push(`  other type, left as it is: ${m.schemaName} is ${m.schemaType}; the mapping sends ${m.type}`);
  if (added.length > 0) {
    lines.push(`added ${added.length}, removed and changed nothing${requestId === undefined ? '' : ` [request-id ${requestId}]`}`);
    lines.push('map the new attributes to Entra attributes in the provisioning app (Attribute mapping), or their values go nowhere');
  }
  if (after.malformed.length > 0) lines.push(MALFORMED_ADVICE);
  await writeOut(io.out, `${lines.join('\n')}\n`);
  return code;
}
