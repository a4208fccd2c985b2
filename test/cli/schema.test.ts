// `hrsync schema diff|apply` against the simulator over real HTTPS, as a user runs them: diff finds
// the mapping's custom attributes missing, apply adds them and nothing else, diff then finds none.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Simulator } from '../../tools/simulator/index.js';
import { startSimulator } from '../../tools/simulator/index.js';
import { setIdentityEndpoint, simClient } from '../lib/provisioning/simulator-client.js';
import { runCli } from './run-cli.js';

const SAMPLE = 'samples/mapping.json';
const CONTOSO = 'urn:ietf:params:scim:schemas:extension:contoso:1.0:User';
const ALL = ['SynchronizationData-User.Upload', 'AuditLog.Read.All', 'Synchronization.Read.All', 'Synchronization.ReadWrite.All'];

describe('hrsync schema', () => {
  let sim: Simulator;
  let restoreIdentity: () => void;
  const saved: Record<string, string | undefined> = {};
  const dir = mkdtempSync(join(tmpdir(), 'hrsync-schema-'));

  beforeAll(async () => {
    sim = await startSimulator({ processingDelayMs: 10 });
    restoreIdentity = setIdentityEndpoint(sim);
    // Settings come from the environment, as they do for a user.
    for (const [name, value] of Object.entries(sim.settings)) {
      if (!name.startsWith('HRSYNC_')) continue;
      saved[name] = process.env[name];
      process.env[name] = value;
    }
  });
  beforeEach(() => {
    sim.reset();
    sim.setPermissions(ALL);
  });
  afterAll(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    restoreIdentity();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function sourceAttributes(): Promise<{ name: string; type?: string }[]> {
    const schema = await simClient(sim).client.getSchema();
    return schema.directories.find((d) => d.name === 'API')?.objects.find((o) => o.name === 'User')?.attributes ?? [];
  }

  it('diff lists what is missing (exit 1), apply adds it with its type and nothing else, diff then finds nothing (exit 0)', async () => {
    const before = await sourceAttributes();

    const diff = await runCli('schema', 'diff', '--mapping', SAMPLE);
    expect(diff.err).toBe('');
    expect(diff.code).toBe(1);
    expect(diff.out).toContain('directory "API", object "User": the mapping sends 3 custom extension attributes');
    expect(diff.out).toContain(`missing: ${CONTOSO}:HireDate (DateTime)`);
    expect(diff.out).toContain(`missing: ${CONTOSO}:JobCode (String)`);
    expect(diff.out).toContain('3 missing, 0 of another type, 0 present');
    expect(diff.out).toContain(`hrsync schema apply --mapping ${SAMPLE}`);
    expect(await sourceAttributes()).toEqual(before);

    const apply = await runCli('schema', 'apply', '--mapping', SAMPLE);
    expect(apply.err).toBe('');
    expect(apply.code).toBe(0);
    expect(apply.out).toContain(`added: ${CONTOSO}:TerminationDate (DateTime)`);
    expect(apply.out).toMatch(/added 3, removed and changed nothing \[request-id [0-9a-f-]{36}\]/);

    const after = await sourceAttributes();
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.slice(before.length).map((a) => [a.name, a.type])).toEqual([
      [`${CONTOSO}:HireDate`, 'DateTime'],
      [`${CONTOSO}:TerminationDate`, 'DateTime'],
      [`${CONTOSO}:JobCode`, 'String'],
    ]);

    const again = await runCli('schema', 'diff', '--mapping', SAMPLE);
    expect(again.code).toBe(0);
    expect(again.out).toContain('0 missing, 0 of another type, 3 present');
    const reapply = await runCli('schema', 'apply', '--mapping', SAMPLE);
    expect(reapply.code).toBe(0);
    expect(reapply.out).toContain('nothing to add: the 3 custom extension attributes the mapping sends are there');
    expect(await sourceAttributes()).toEqual(after);
  });

  it('writes the diff as JSON, and names a type that differs without changing it (exit 1 from apply too)', async () => {
    const mapping = join(dir, 'typed.json');
    writeFileSync(
      mapping,
      JSON.stringify({
        version: 1,
        attributes: {
          externalId: 'WorkerID',
          active: { $literal: true },
          [CONTOSO]: { Grade: { $column: 'Grade', $type: 'integer' }, Remote: { $column: 'Remote', $type: 'boolean' } },
        },
      }),
    );
    // Grade exists already, as text.
    const { client } = simClient(sim);
    const schema = await client.getSchema();
    schema.directories.find((d) => d.name === 'API')?.objects[0]?.attributes.push({ name: `${CONTOSO}:Grade`, type: 'String' });
    await client.putSchema(schema);

    const diff = await runCli('schema', 'diff', '--mapping', mapping, '--json');
    expect(diff.code).toBe(1);
    const report = JSON.parse(diff.out);
    expect(report).toMatchObject({ jobId: sim.settings.HRSYNC_JOB_ID, directory: 'API', object: 'User', present: [] });
    expect(report.missing).toEqual([{ fullName: `${CONTOSO}:Remote`, urn: CONTOSO, name: 'Remote', type: 'Boolean' }]);
    expect(report.mistyped).toEqual([expect.objectContaining({ name: 'Grade', type: 'Integer', schemaType: 'String' })]);

    const apply = await runCli('schema', 'apply', '--mapping', mapping);
    expect(apply.code).toBe(1);
    expect(apply.out).toContain(`added: ${CONTOSO}:Remote (Boolean)`);
    expect(apply.out).toContain(`other type, left as it is: ${CONTOSO}:Grade is String; the mapping sends Integer`);
    const grade = (await sourceAttributes()).filter((a) => a.name === `${CONTOSO}:Grade`);
    expect(grade).toEqual([expect.objectContaining({ type: 'String' })]);
  });

  it('names a CSV2SCIM leftover with stray quotes, adds the clean name beside it and removes nothing', async () => {
    const { client } = simClient(sim);
    const schema = await client.getSchema();
    schema.directories.find((d) => d.name === 'API')?.objects[0]?.attributes.push({ name: `${CONTOSO}:"HireDate"`, type: 'String' });
    await client.putSchema(schema);

    const diff = await runCli('schema', 'diff', '--mapping', SAMPLE);
    expect(diff.code).toBe(1);
    expect(diff.out).toContain(`missing: ${CONTOSO}:HireDate (DateTime)`);
    expect(diff.out).toContain(
      `malformed: ${JSON.stringify(`${CONTOSO}:"HireDate"`)} (stray quotes or spaces, as CSV2SCIM's -UpdateSchema wrote them; cleaned: ${CONTOSO}:HireDate; the records carry the cleaned name, so this one receives nothing)`,
    );
    expect(diff.out).toContain('Edit attribute list for API');

    const apply = await runCli('schema', 'apply', '--mapping', SAMPLE);
    expect(apply.code).toBe(0);
    const names = (await sourceAttributes()).map((a) => a.name);
    expect(names).toContain(`${CONTOSO}:"HireDate"`);
    expect(names).toContain(`${CONTOSO}:HireDate`);
  });

  it('names Synchronization.ReadWrite.All when the identity may only read the schema, exit 2, nothing changed', async () => {
    sim.setPermissions(['SynchronizationData-User.Upload', 'AuditLog.Read.All', 'Synchronization.Read.All']);
    const before = await sourceAttributes();
    const r = await runCli('schema', 'apply', '--mapping', SAMPLE);
    expect(r.code).toBe(2);
    expect(r.err).toContain('grant the application permission Synchronization.ReadWrite.All');
    expect(await sourceAttributes()).toEqual(before);
    // diff needs only the read permission.
    expect((await runCli('schema', 'diff', '--mapping', SAMPLE)).code).toBe(1);
  });

  it('exit 2 for a mapping or setting it cannot use, naming it', async () => {
    const missing = await runCli('schema', 'diff', '--mapping', join(dir, 'nope.json'));
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('cannot read the mapping file');
    const badJob = await runCli('schema', 'diff', '--mapping', SAMPLE, '--service-principal-id', 'not-a-guid');
    expect(badJob.code).toBe(2);
    expect(badJob.err).toContain('HRSYNC_SERVICE_PRINCIPAL_ID');
    const noMapping = await runCli('schema', 'apply');
    expect(noMapping.code).toBe(2);
  });

  it('says there is nothing to compare for a mapping without custom extension attributes (exit 0)', async () => {
    const mapping = join(dir, 'plain.json');
    writeFileSync(mapping, JSON.stringify({ version: 1, attributes: { externalId: 'WorkerID', active: { $literal: true }, userName: 'Upn' } }));
    const r = await runCli('schema', 'diff', '--mapping', mapping);
    expect(r.code).toBe(0);
    expect(r.out).toContain('the mapping sends no custom extension attributes: nothing to compare');
  });
});
