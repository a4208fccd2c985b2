import { describe, expect, it, vi } from 'vitest';
import type { ProvisioningSettings } from '../../../lib/config/settings.js';
import { createProvisioningClient } from '../../../lib/provisioning/client.js';
import type { TokenProvider } from '../../../lib/provisioning/credential.js';
import { AuthError, InvalidRequestError, NotFoundError, ThrottledError, TransientError } from '../../../lib/provisioning/errors.js';
import type { BulkRequest } from '../../../lib/scim/types.js';
import { entry } from './entries.js';
import { captureLogger, JumpingClock } from './fakes.js';

const SP = '11111111-2222-3333-4444-555555555555';
const JOB = 'API2AAD.0123456789abcdef0123456789abcdef.0a1b2c3d-0000-4000-8000-000000000000';
const GRAPH = 'https://graph.example/v1.0';
const UPLOAD_URL = `${GRAPH}/servicePrincipals/${SP}/synchronization/jobs/${JOB}/bulkUpload`;
const LOCATION = `${GRAPH}/auditLogs/provisioning/?$filter=jobid%20eq%20'${JOB}'`;

const settings: ProvisioningSettings = {
  graph: { graphUrl: GRAPH, servicePrincipalId: SP, jobId: JOB },
  credential: { kind: 'managed-identity' },
  pacing: { rateLimitRequests: 40, rateLimitWindowSeconds: 5, concurrency: 4, maxRetries: 2, httpTimeoutSeconds: 30, dailyCalls: 2000, budgetReservePercent: 10 },
};

function bulk(n: number): BulkRequest {
  return {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
    failOnErrors: null,
    Operations: Array.from({ length: n }, (_, i) => ({
      method: 'POST' as const,
      bulkId: `E${i}`,
      path: '/Users' as const,
      data: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], externalId: `E${i}`, active: true, displayName: 'Private Person' },
    })),
  };
}

/** Token provider whose tokens change after each refresh. */
function tokens(): TokenProvider & { refreshes: number[] } {
  let generation = 0;
  const refreshes: number[] = [];
  return {
    refreshes,
    getToken: async () => ({ token: `tok-gen${generation}`, generation }),
    refresh: async (stale: number) => {
      refreshes.push(stale);
      generation += 1;
    },
  };
}

type Reply = Response | Error;
/** A fetch that answers from a script and records each call. */
function scripted(...replies: Reply[]) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetch = vi.fn(async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    const reply = replies.shift();
    if (reply === undefined) throw new Error(`unexpected call to ${url}`);
    if (reply instanceof Error) throw reply;
    return reply;
  });
  return { fetch, calls };
}

const accepted = (requestId = 'rid-202') => new Response(null, { status: 202, headers: { location: LOCATION, 'request-id': requestId } });
const graphError = (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ error: { code, message } }), { status, headers: { 'content-type': 'application/json', 'request-id': `rid-${status}`, ...headers } });
const reset = () => new TypeError('fetch failed', { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) });

function client(...replies: Reply[]) {
  const { fetch, calls } = scripted(...replies);
  const t = tokens();
  const clock = new JumpingClock();
  const logger = captureLogger();
  const c = createProvisioningClient(settings, { fetch, tokens: t, clock, logger, random: () => 0.5 });
  return { c, fetch, calls, tokens: t, clock, logger };
}

function header(init: RequestInit, name: string): string | undefined {
  return (init.headers as Record<string, string>)[name];
}

describe('uploadBulkRequest', () => {
  it('POSTs application/scim+json with a bearer token and returns the 202 Location', async () => {
    const { c, calls, logger } = client(accepted());
    const request = bulk(2);
    await expect(c.uploadBulkRequest(request)).resolves.toEqual({ location: LOCATION, requestId: 'rid-202', status: 202, calls: 1 });
    expect(calls).toHaveLength(1);
    const [call] = calls;
    expect(call?.url).toBe(UPLOAD_URL);
    expect(call?.init.method).toBe('POST');
    expect(header(call!.init, 'content-type')).toBe('application/scim+json');
    expect(header(call!.init, 'authorization')).toBe('Bearer tok-gen0');
    expect(JSON.parse(String(call?.init.body))).toEqual(request);
    expect(logger.lines).toEqual([{ level: 'info', message: 'Bulk request accepted', fields: { requestId: 'rid-202', status: 202, operations: 2, externalIds: ['E0', 'E1'] } }]);
  });

  it('refuses more than 50 operations (and none) without sending anything', async () => {
    const { c, fetch } = client();
    await expect(c.uploadBulkRequest(bulk(51))).rejects.toThrow('A bulk request must hold 1 to 50 operations, this one has 51; nothing was sent');
    await expect(c.uploadBulkRequest(bulk(0))).rejects.toBeInstanceOf(InvalidRequestError);
    expect(fetch).not.toHaveBeenCalled();
  });

  it('on 401 rebuilds the credential once and retries with the new token', async () => {
    const { c, calls, tokens: t } = client(graphError(401, 'InvalidAuthenticationToken', 'Access token has expired or is not yet valid.'), accepted());
    await expect(c.uploadBulkRequest(bulk(1))).resolves.toMatchObject({ status: 202 });
    expect(t.refreshes).toEqual([0]);
    expect(calls.map((x) => header(x.init, 'authorization'))).toEqual(['Bearer tok-gen0', 'Bearer tok-gen1']);
  });

  it('fails with AuthError when the 401 survives the rebuild', async () => {
    const { c, fetch } = client(graphError(401, 'InvalidAuthenticationToken', 'expired'), graphError(401, 'InvalidAuthenticationToken', 'expired'));
    await expect(c.uploadBulkRequest(bulk(1))).rejects.toBeInstanceOf(AuthError);
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('names the missing permission on 403 and the ids on 404', async () => {
    await expect(client(graphError(403, 'Authorization_RequestDenied', 'Insufficient privileges')).c.uploadBulkRequest(bulk(1))).rejects.toThrow(
      /SynchronizationData-User\.Upload/,
    );
    const notFound = await client(graphError(404, 'ResourceNotFound', 'x'))
      .c.uploadBulkRequest(bulk(1))
      .catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(NotFoundError);
    expect((notFound as Error).message).toContain(`service principal ${SP} or job ${JOB} not found`);
  });

  it("reports a 400 with the service's message and does not retry it", async () => {
    const { c, fetch } = client(graphError(400, 'BadRequest', 'Invalid Data Format'));
    const error = await c.uploadBulkRequest(bulk(1)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).serviceMessage).toBe('Invalid Data Format');
    expect((error as Error).message).not.toContain('Private Person');
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('waits Retry-After on 429, backs off without it, and succeeds without using up retries', async () => {
    const { c, clock, fetch } = client(
      graphError(429, 'TooManyRequests', 'slow down', { 'retry-after': '2' }),
      graphError(429, 'TooManyRequests', 'slow down'),
      graphError(429, 'TooManyRequests', 'slow down', { 'retry-after': '1' }),
      accepted(),
    );
    await expect(c.uploadBulkRequest(bulk(1))).resolves.toMatchObject({ status: 202 });
    expect(fetch).toHaveBeenCalledTimes(4);
    // 2 s and 1 s from Retry-After; the second throttle had none: half of the 1 s back-off ceiling.
    expect(clock.sleeps).toEqual([2000, 500, 1000]);
  });

  it('retries 5xx and dropped connections, then gives up with TransientError', async () => {
    const ok = client(graphError(503, 'ServiceUnavailable', 'busy'), reset(), accepted());
    await expect(ok.c.uploadBulkRequest(bulk(1))).resolves.toMatchObject({ status: 202 });
    const down = client(graphError(500, 'InternalServerError', 'x'), reset(), graphError(502, 'BadGateway', 'x'));
    const error = await down.c.uploadBulkRequest(bulk(1)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect(down.fetch).toHaveBeenCalledTimes(3);
  });

  it('rebuilds the documented Location when the 202 has none', async () => {
    const { c, logger } = client(new Response(null, { status: 202, headers: { 'request-id': 'r' } }));
    const result = await c.uploadBulkRequest(bulk(1));
    expect(decodeURIComponent(result.location)).toBe(`${GRAPH}/auditLogs/provisioning/?$filter=jobid eq '${JOB}'`);
    expect(logger.lines.some((l) => l.level === 'warn')).toBe(true);
  });

  it('never logs the token or record data', async () => {
    const { c, logger } = client(graphError(401, 'InvalidAuthenticationToken', 'x'), graphError(429, 'TooManyRequests', 'x'), reset(), accepted());
    await c.uploadBulkRequest(bulk(3));
    expect(logger.lines.length).toBeGreaterThan(2);
    expect(logger.text()).not.toMatch(/tok-gen|Bearer|Private Person/);
  });
});

describe('provisioning logs', () => {
  it('queries the job since a time and follows nextLink pages', async () => {
    const page2 = `${GRAPH}/auditLogs/provisioning?$skiptoken=abc`;
    const { c, calls } = client(
      new Response(JSON.stringify({ value: [entry('A', 'success', '2025-01-01T00:00:00Z')], '@odata.nextLink': page2 }), { status: 200 }),
      new Response(JSON.stringify({ value: [entry('B', 'failure', '2025-01-01T00:00:01Z')] }), { status: 200 }),
    );
    const ids: (string | undefined)[] = [];
    for await (const e of c.queryProvisioningLogs({ since: new Date('2025-01-01T00:00:00Z') })) ids.push(e.sourceIdentity?.id);
    expect(ids).toEqual(['A', 'B']);
    expect(new URL(calls[0]?.url ?? '').searchParams.get('$filter')).toBe(`jobid eq '${JOB}' and activityDateTime gt 2024-12-31T23:59:59.999Z`);
    expect(calls[1]?.url).toBe(page2);
    expect(calls.every((x) => x.init.method === 'GET')).toBe(true);
  });

  it('names the log permissions on 403', async () => {
    const { c } = client(graphError(403, 'Authorization_RequestDenied', 'no'));
    const iterate = async () => {
      for await (const _ of c.queryProvisioningLogs({ since: new Date(0) })) void _;
    };
    await expect(iterate()).rejects.toThrow(/ProvisioningLog\.Read\.All or AuditLog\.Read\.All/);
  });

  it('reads by a Location, narrowed by since, and never sends the token to another host', async () => {
    const { c, calls, fetch } = client(new Response(JSON.stringify({ value: [] }), { status: 200 }));
    for await (const _ of c.queryProvisioningLogsAt(LOCATION, { since: new Date('2025-01-01T00:00:00Z') })) void _;
    expect(new URL(calls[0]?.url ?? '').searchParams.get('$filter')).toBe(`jobid eq '${JOB}' and activityDateTime gt 2024-12-31T23:59:59.999Z`);
    expect(() => c.queryProvisioningLogsAt('https://evil.example/auditLogs/provisioning')).toThrow(/Refusing to send a Graph token to https:\/\/evil.example/);
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('refuses a nextLink that points at another host', async () => {
    const { c, fetch } = client(new Response(JSON.stringify({ value: [], '@odata.nextLink': 'https://evil.example/next' }), { status: 200 }));
    const iterate = async () => {
      for await (const _ of c.queryProvisioningLogs({ since: new Date(0) })) void _;
    };
    await expect(iterate()).rejects.toThrow(/Refusing to send a Graph token/);
    expect(fetch).toHaveBeenCalledTimes(1);
  });
});

describe('throttling surfaced to the caller', () => {
  it('hands back ThrottledError once the 429 wait budget is spent', async () => {
    const { fetch } = scripted(...Array.from({ length: 10 }, () => graphError(429, 'TooManyRequests', 'x', { 'retry-after': '60' })));
    const c = createProvisioningClient(settings, { fetch, tokens: tokens(), clock: new JumpingClock(), retry: { maxThrottleWaitMs: 100_000 } });
    const error = await c.uploadBulkRequest(bulk(1)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThrottledError);
    expect((error as ThrottledError).retryAfterMs).toBe(60_000);
    expect(fetch).toHaveBeenCalledTimes(2);
  });
});
