// The simulator's synchronization schema over raw HTTPS: an API-driven app's schema on GET, a PUT
// replacing it (204, a new version), the permissions each needs, and 400 for bodies it could not store.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator } from '../../../tools/simulator/index.js';
import type { Simulator } from '../../../tools/simulator/index.js';
import { graphToken } from './helpers.js';

interface Schema {
  version: string;
  directories: { name: string; objects: { name: string; attributes: { name: string; type: string; anchor: boolean }[] }[] }[];
  synchronizationRules: { sourceDirectoryName: string; targetDirectoryName: string }[];
}

describe('the job schema', () => {
  let sim: Simulator;
  const url = (): string => `${sim.url}/v1.0/servicePrincipals/${sim.settings.HRSYNC_SERVICE_PRINCIPAL_ID}/synchronization/jobs/${sim.settings.HRSYNC_JOB_ID}/schema`;
  const get = async (token: string): Promise<Response> => fetch(url(), { headers: { Authorization: `Bearer ${token}` } });
  const put = async (token: string, body: string, contentType = 'application/json'): Promise<Response> =>
    fetch(url(), { method: 'PUT', headers: { Authorization: `Bearer ${token}`, 'Content-Type': contentType }, body });

  beforeAll(async () => {
    sim = await startSimulator({ processingDelayMs: 20, rateLimit: false });
  });
  beforeEach(() => {
    sim.reset();
    sim.setPermissions(['Synchronization.Read.All', 'Synchronization.ReadWrite.All']);
  });
  afterAll(() => sim.close());

  it('serves an API-driven app: a rule from the API source directory to Entra, the SCIM User with externalId as anchor', async () => {
    const res = await get(await graphToken(sim));
    expect(res.status).toBe(200);
    const schema = (await res.json()) as Schema;
    expect(schema.synchronizationRules[0]).toMatchObject({ sourceDirectoryName: 'API', targetDirectoryName: 'Azure Active Directory' });
    const user = schema.directories.find((d) => d.name === 'API')?.objects.find((o) => o.name === 'User');
    expect(user?.attributes.find((a) => a.anchor)?.name).toBe('externalId');
    expect(user?.attributes.map((a) => a.name)).toContain('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager');
    expect(schema.directories.map((d) => d.name)).toEqual(['API', 'Azure Active Directory']);
  });

  it('replaces the whole schema on PUT with 204 and a new version, until reset', async () => {
    const token = await graphToken(sim);
    const schema = (await (await get(token)).json()) as Schema;
    schema.directories[0]?.objects[0]?.attributes.push({ name: 'urn:ietf:params:scim:schemas:extension:contoso:1.0:User:"HireDate"', type: 'String', anchor: false });
    const res = await put(token, JSON.stringify(schema));
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    const after = (await (await get(token)).json()) as Schema;
    // Quotes and all: the service stored CSV2SCIM's names as they came.
    expect(after.directories[0]?.objects[0]?.attributes.at(-1)?.name).toBe('urn:ietf:params:scim:schemas:extension:contoso:1.0:User:"HireDate"');
    expect(after.version).not.toBe(schema.version);
    sim.reset();
    const reset = (await (await get(token)).json()) as Schema;
    expect(reset.directories[0]?.objects[0]?.attributes.some((a) => a.name.includes('contoso'))).toBe(false);
  });

  it.each([
    ['not JSON', '{', 'not valid JSON'],
    ['no directories', '{"synchronizationRules":[]}', 'directories collection'],
    ['an object without attributes', '{"directories":[{"name":"API","objects":[{"name":"User"}]}]}', 'attributes collection'],
    ['an attribute without a name', '{"directories":[{"name":"API","objects":[{"name":"User","attributes":[{"type":"String"}]}]}]}', 'has no name'],
    ['an unknown type', '{"directories":[{"name":"API","objects":[{"name":"User","attributes":[{"name":"x","type":"Text"}]}]}]}', "type 'Text'"],
    ['a name twice', '{"directories":[{"name":"API","objects":[{"name":"User","attributes":[{"name":"x"},{"name":"X"}]}]}]}', 'appears twice'],
  ])('answers 400 for %s, keeping the schema', async (_what, body, message) => {
    const token = await graphToken(sim);
    const before = await (await get(token)).text();
    const res = await put(token, body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain(message);
    expect(await (await get(token)).text()).toBe(before);
  });

  it('answers 400 for a PUT that is not application/json, and 405 for other methods', async () => {
    const token = await graphToken(sim);
    expect((await put(token, '{"directories":[]}', 'text/plain')).status).toBe(400);
    expect((await fetch(url(), { method: 'POST', headers: { Authorization: `Bearer ${token}` } })).status).toBe(405);
  });

  it('needs Synchronization.Read.All to read and Synchronization.ReadWrite.All to write', async () => {
    sim.setPermissions(['Synchronization.Read.All']);
    const reader = await graphToken(sim);
    expect((await get(reader)).status).toBe(200);
    const refused = await put(reader, '{"directories":[]}');
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('Synchronization.ReadWrite.All');
    sim.setPermissions(['SynchronizationData-User.Upload']);
    expect((await get(await graphToken(sim))).status).toBe(403);
  });

  it('answers 404 for another job', async () => {
    const res = await fetch(url().replace(sim.settings.HRSYNC_JOB_ID as string, 'API2AAD.other'), { headers: { Authorization: `Bearer ${await graphToken(sim)}` } });
    expect(res.status).toBe(404);
  });
});
