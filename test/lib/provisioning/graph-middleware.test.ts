// The Graph SDK with our middleware chain: what reaches fetch is exactly what we meant to send, once,
// and nothing the SDK's default chain would add (retries, redirects, telemetry) happens behind our back.
import { describe, expect, it, vi } from 'vitest';
import { GraphHttp } from '../../../lib/provisioning/graph-http.js';
import { TransientError } from '../../../lib/provisioning/errors.js';
import { captureLogger } from './fakes.js';

const GRAPH = 'https://graph.example/v1.0';

function http(reply: () => Promise<Response>) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetch = vi.fn(async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return reply();
  });
  const logger = captureLogger();
  const h = new GraphHttp({
    graphUrl: GRAPH,
    servicePrincipalId: 'sp',
    jobId: 'job',
    fetch,
    timeoutMs: 5_000,
    logger,
    bucketFullWaitMs: () => 300_000,
    clock: { now: () => Date.parse('2026-12-05T00:00:00Z'), sleep: async () => undefined },
    tokens: { getToken: async () => ({ token: 'tok-1', generation: 0 }), refresh: async () => undefined },
  });
  return { h, calls, logger };
}

const headersOf = (init: RequestInit): Record<string, string> => Object.fromEntries(new Headers(init.headers).entries());

describe('the Graph SDK on our middleware chain', () => {
  it('sends the URL, body and content type it was given, with only our headers and no redirects', async () => {
    const { h, calls } = http(async () => new Response(null, { status: 202, headers: { location: `${GRAPH}/auditLogs/provisioning`, 'request-id': 'r-1' } }));
    const url = `${GRAPH}/servicePrincipals/sp/synchronization/jobs/job/bulkUpload`;
    const result = await h.send({ operation: 'upload', method: 'POST', url, headers: { 'content-type': 'application/scim+json' }, body: '{"Operations":[]}' });

    expect(result).toMatchObject({ status: 202, requestId: 'r-1' });
    expect(result.headers.get('location')).toBe(`${GRAPH}/auditLogs/provisioning`);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.url).toBe(url);
    expect(calls[0]!.init).toMatchObject({ method: 'POST', body: '{"Operations":[]}', redirect: 'manual' });
    const headers = headersOf(calls[0]!.init);
    expect(Object.keys(headers).sort()).toEqual(['accept', 'authorization', 'client-request-id', 'content-type']);
    expect(headers).toMatchObject({ authorization: 'Bearer tok-1', 'content-type': 'application/scim+json', accept: 'application/json' });
  });

  it('keeps a nextLink query as the service wrote it (encoded spaces, quotes and skip tokens)', async () => {
    const { h, calls } = http(async () => new Response('{"value":[]}', { status: 200 }));
    const url = `${GRAPH}/auditLogs/provisioning/?$filter=jobid%20eq%20'API2AAD.x'%20and%20activityDateTime%20gt%202026-12-04T00:00:00.000Z&$skiptoken=a%2Bb%3D%3D`;
    await h.send({ operation: 'logs', method: 'GET', url });
    expect(calls[0]!.url).toBe(url);
    expect(calls[0]!.init.method).toBe('GET');
  });

  it('hands a 503, a 429 and a redirect back after one fetch each: no hidden retry, no followed Location', async () => {
    for (const [status, headers] of [
      [503, {}],
      [429, { 'retry-after': '7' }],
      [302, { location: 'https://elsewhere.example/steal' }],
    ] as const) {
      const { h, calls } = http(async () => new Response('', { status, headers }));
      await expect(h.send({ operation: 'upload', method: 'POST', url: `${GRAPH}/x`, body: '{}' })).rejects.toMatchObject({ status });
      expect(calls.map((c) => c.url)).toEqual([`${GRAPH}/x`]);
    }
  });

  it('a dropped connection is a TransientError naming the cause, never the SDK wrapper', async () => {
    const dropped = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) });
    const { h, logger } = http(async () => {
      throw dropped;
    });
    const error = await h.send({ operation: 'upload', method: 'POST', url: `${GRAPH}/x`, body: '{}' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect(JSON.stringify(logger.lines)).not.toContain('tok-1');
  });

  it('refuses another origin before any token leaves', async () => {
    const { h, calls } = http(async () => new Response('{}', { status: 200 }));
    await expect(h.send({ operation: 'logs', method: 'GET', url: 'https://graph.example.evil.test/v1.0/x' })).rejects.toThrow(/Refusing to send a Graph token/);
    expect(calls).toHaveLength(0);
  });
});
