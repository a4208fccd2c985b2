// getSchema and putSchema against the simulator, through the client production builds: read the
// API-driven app's schema, add custom attributes without touching the rest, and a 403 naming the
// permission each call needs.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuthError, InvalidRequestError } from '../../../lib/provisioning/errors.js';
import { diffSchema, withAddedAttributes } from '../../../lib/provisioning/schema.js';
import type { WantedAttribute } from '../../../lib/provisioning/schema.js';
import type { Simulator } from '../../../tools/simulator/index.js';
import { startSimulator } from '../../../tools/simulator/index.js';
import { setIdentityEndpoint, simClient } from './simulator-client.js';

const CONTOSO = 'urn:ietf:params:scim:schemas:extension:contoso:1.0:User';
const hireDate: WantedAttribute = { fullName: `${CONTOSO}:HireDate`, urn: CONTOSO, name: 'HireDate', type: 'DateTime' };
const ALL = ['SynchronizationData-User.Upload', 'AuditLog.Read.All', 'Synchronization.Read.All', 'Synchronization.ReadWrite.All'];

let sim: Simulator;
let restore: () => void;
beforeAll(async () => {
  sim = await startSimulator({ processingDelayMs: 5 });
  restore = setIdentityEndpoint(sim);
});
beforeEach(() => {
  sim.reset();
  sim.setPermissions(ALL);
});
afterAll(async () => {
  restore();
  await sim.close();
});

describe('the provisioning app schema through the client', () => {
  it('reads the schema, writes it back with one attribute more, and reads exactly that back', async () => {
    const { client, logger } = simClient(sim);
    const before = await client.getSchema();
    expect(diffSchema(before, [hireDate]).missing).toEqual([hireDate]);

    const sent = withAddedAttributes(before, [hireDate]);
    const { requestId } = await client.putSchema(sent);
    expect(requestId).not.toBe('');

    const after = await client.getSchema();
    expect(diffSchema(after, [hireDate])).toMatchObject({ missing: [], present: [hireDate] });
    // Everything else as it was: the rule, the target directory, every other attribute.
    const { '@odata.context': _a, version: _v1, ...was } = sent;
    const { '@odata.context': _b, version: _v2, ...is } = after;
    expect(is).toEqual(was);
    expect(logger.lines.some((l) => l.message === 'Provisioning schema replaced')).toBe(true);
  });

  it('names Synchronization.ReadWrite.All when the identity may read the schema but not replace it', async () => {
    sim.setPermissions(['SynchronizationData-User.Upload', 'AuditLog.Read.All', 'Synchronization.Read.All']);
    const { client } = simClient(sim);
    const schema = await client.getSchema();
    const err = await client.putSchema(withAddedAttributes(schema, [hireDate])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as AuthError).missingPermissions).toEqual(['Synchronization.ReadWrite.All']);
    expect((err as AuthError).message).toContain('grant the application permission Synchronization.ReadWrite.All');
    expect(diffSchema(await client.getSchema(), [hireDate]).missing).toEqual([hireDate]);
  });

  it('names Synchronization.Read.All when the identity may not read it', async () => {
    sim.setPermissions(['SynchronizationData-User.Upload', 'AuditLog.Read.All']);
    const err = await simClient(sim)
      .client.getSchema()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as AuthError).missingPermissions).toEqual(['Synchronization.Read.All']);
  });

  it('sends the PUT again after a 503: the same whole schema lands the same result', async () => {
    const puts: number[] = [];
    const { client } = simClient(
      sim,
      {},
      {
        fetch: async (url, init) => {
          if (init.method !== 'PUT') return fetch(url, init);
          puts.push(puts.length);
          if (puts.length === 1)
            return new Response('{"error":{"code":"ServiceUnavailable","message":"try later"}}', { status: 503, headers: { 'content-type': 'application/json' } });
          return fetch(url, init);
        },
      },
    );
    await client.putSchema(withAddedAttributes(await client.getSchema(), [hireDate]));
    expect(puts).toHaveLength(2);
    expect(diffSchema(await client.getSchema(), [hireDate]).missing).toEqual([]);
  });

  it('says the service refused a schema it could not store, without retrying it', async () => {
    const puts: string[] = [];
    const { client } = simClient(
      sim,
      {},
      {
        fetch: (url, init) => {
          if (init.method === 'PUT') puts.push(url);
          return fetch(url, init);
        },
      },
    );
    const schema = await client.getSchema();
    const broken = structuredClone(schema);
    broken.directories[0]?.objects[0]?.attributes.push({ name: `${CONTOSO}:Grade`, type: 'Number' });
    const err = await client.putSchema(broken).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect((err as InvalidRequestError).message).toMatch(/schema as sent \(HTTP 400 BadRequest\): Attribute .*Grade' has type 'Number'/);
    expect(puts).toHaveLength(1);
  });
});
