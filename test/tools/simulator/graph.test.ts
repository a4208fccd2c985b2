import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../../../tools/simulator/index.js';
import type { Simulator } from '../../../tools/simulator/index.js';
import { CORE_USER_SCHEMA } from '../../../lib/scim/schemas.js';
import { bulkBody, bulkUploadUrl, graphToken, upload, userOp } from './helpers.js';

interface GraphError {
  error: { code: string; message: string; innerError: { 'request-id': string } };
}

async function errorOf(res: Response): Promise<GraphError['error']> {
  return ((await res.json()) as GraphError).error;
}

describe('bulkUpload contract', () => {
  let sim: Simulator;
  let token: string;

  beforeAll(async () => {
    sim = await startSimulator({ processingDelayMs: 20, rateLimit: false });
    token = await graphToken(sim);
  });
  afterAll(() => sim.close());

  it('accepts a valid request with 202, an empty body, Location and request ids', async () => {
    const res = await fetch(bulkUploadUrl(sim), {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json', 'client-request-id': 'my-correlation' },
      body: JSON.stringify(bulkBody([userOp('A1')])),
    });
    expect(res.status).toBe(202);
    expect(await res.text()).toBe('');
    expect(res.headers.get('location')).toBe(`${sim.url}/v1.0/auditLogs/provisioning/?$filter=jobid%20eq%20'${sim.settings.HRSYNC_JOB_ID}'`);
    expect(res.headers.get('request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('client-request-id')).toBe('my-correlation');
  });

  it('accepts the /beta path too, with a /beta Location', async () => {
    const res = await upload(sim, token, bulkBody([userOp('A2')]), { url: bulkUploadUrl(sim, 'beta') });
    expect(res.status).toBe(202);
    expect(res.headers.get('location')).toContain('/beta/auditLogs/provisioning/');
  });

  it('answers 400 Invalid Data Format without the SCIM content type', async () => {
    const res = await upload(sim, token, bulkBody([userOp('A3')]), { contentType: 'application/json' });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toMatch(/^Invalid Data Format: .*application\/scim\+json/);
  });

  it('refuses more than 50 operations, saying so', async () => {
    const ops = Array.from({ length: 51 }, (_, i) => userOp(`M${i}`));
    const res = await upload(sim, token, bulkBody(ops));
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toContain('51 operations; at most 50');
  });

  it.each([
    ['a record without externalId', bulkBody([userOp('', { externalId: undefined })]), 'Operations[0].data.externalId is missing'],
    ['a method other than POST', bulkBody([{ ...userOp('B1'), method: 'DELETE' }]), 'Operations[0].method must be "POST"'],
    ['a path other than /Users', bulkBody([{ ...userOp('B2'), path: '/Groups' }]), 'Operations[0].path must be "/Users"'],
    ['no bulkId', bulkBody([{ ...userOp('B3'), bulkId: undefined }]), 'Operations[0].bulkId'],
    ['data without the enterprise schema', bulkBody([userOp('B4', { schemas: [CORE_USER_SCHEMA] })]), 'must contain urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
    [
      'an extension not listed in schemas',
      bulkBody([userOp('B5', { 'urn:ietf:params:scim:schemas:extension:contoso:1.0:User': { JobCode: 'X' } })]),
      'not listed in .data.schemas',
    ],
    ['a non-boolean active', bulkBody([userOp('B6', { active: 'yes' })]), '.data.active must be a boolean'],
    ['no BulkRequest schema', { Operations: [userOp('B7')] }, 'schemas must contain urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
    ['Operations not an array', { ...bulkBody([]), Operations: {} }, 'Operations must be an array'],
    ['no operations', bulkBody([]), 'Operations is empty'],
    ['a body that is not JSON', '{"schemas": [', 'not valid JSON'],
  ])('refuses %s with 400', async (_what, body, message) => {
    const res = await upload(sim, token, body);
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toContain(message);
  });

  it('answers 404 for a wrong service principal or job id', async () => {
    const wrongSp = bulkUploadUrl(sim).replace(sim.settings.HRSYNC_SERVICE_PRINCIPAL_ID as string, '00000000-0000-0000-0000-000000000000');
    const wrongJob = bulkUploadUrl(sim).replace(sim.settings.HRSYNC_JOB_ID as string, 'API2AAD.nope');
    for (const url of [wrongSp, wrongJob]) {
      const res = await upload(sim, token, bulkBody([userOp('C1')]), { url });
      expect(res.status).toBe(404);
      expect((await errorOf(res)).code).toBe('Request_ResourceNotFound');
    }
  });

  it('answers 401 InvalidAuthenticationToken without a token, with an unknown one and with a Key Vault token', async () => {
    const vaultToken = await graphToken(sim, 'https://vault.azure.net');
    const variants: Array<Record<string, string>> = [{}, { Authorization: 'Bearer made-up' }, { Authorization: `Bearer ${vaultToken}` }];
    for (const headers of variants) {
      const res = await fetch(bulkUploadUrl(sim), {
        method: 'POST',
        headers: { ...headers, 'Content-Type': 'application/scim+json' },
        body: JSON.stringify(bulkBody([userOp('C2')])),
      });
      expect(res.status).toBe(401);
      expect((await errorOf(res)).code).toBe('InvalidAuthenticationToken');
    }
  });

  it('answers 401 after revokeTokens, so a client must get a new token', async () => {
    const own = await graphToken(sim);
    sim.revokeTokens();
    expect((await upload(sim, own, bulkBody([userOp('C3')]))).status).toBe(401);
    token = await graphToken(sim);
    expect((await upload(sim, token, bulkBody([userOp('C3')]))).status).toBe(202);
  });

  it('answers 403 naming SynchronizationData-User.Upload when the token lacks it', async () => {
    sim.setPermissions(['AuditLog.Read.All']);
    try {
      const weak = await graphToken(sim);
      const res = await upload(sim, weak, bulkBody([userOp('C4')]));
      expect(res.status).toBe(403);
      expect((await errorOf(res)).message).toContain('SynchronizationData-User.Upload');
      // Tokens issued before the change keep their roles, as real tokens do.
      expect((await upload(sim, token, bulkBody([userOp('C4')]))).status).toBe(202);
    } finally {
      sim.setPermissions(['SynchronizationData-User.Upload', 'AuditLog.Read.All']);
    }
  });

  it('counts requests, acceptances, records and sends per record', () => {
    const stats = sim.stats();
    expect(stats.accepted).toBe(4);
    expect(stats.recordsReceived).toBe(4);
    expect(stats.requests).toBeGreaterThan(stats.accepted);
    expect(stats.perRecordSends.get('C3')).toBe(1);
    expect(stats.perRecordSends.has('C2')).toBe(false);
  });
});

describe('bulkUpload rate limit', () => {
  let sim: Simulator;
  afterAll(() => sim.close());

  it('admits the quota of the window, then answers 429 with Retry-After in seconds', async () => {
    sim = await startSimulator({ processingDelayMs: 20, rateLimit: { requests: 3, windowSeconds: 60 } });
    const token = await graphToken(sim);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await upload(sim, token, bulkBody([userOp(`R${i}`)]))).status);
    expect(statuses).toEqual([202, 202, 202]);
    const throttled = await upload(sim, token, bulkBody([userOp('R3')]));
    expect(throttled.status).toBe(429);
    const retryAfter = Number(throttled.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(59);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect((await errorOf(throttled)).code).toBe('TooManyRequests');
    expect(sim.stats().throttled).toBe(1);
    expect(sim.stats().perRecordSends.has('R3')).toBe(false);
    // The timeline holds the three accepted requests, in order, and not the one turned away.
    const times = sim.stats().acceptedAt;
    expect(times).toHaveLength(3);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    // reset() empties the window too: the next test starts with the whole quota.
    sim.reset();
    expect(sim.stats().acceptedAt).toEqual([]);
    expect((await upload(sim, token, bulkBody([userOp('R4')]))).status).toBe(202);
    expect(sim.stats().acceptedAt).toHaveLength(1);
  });
});
