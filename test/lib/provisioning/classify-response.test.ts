import { describe, expect, it } from 'vitest';
import { errorFromNetworkFailure, errorFromResponse, parseErrorBody, parseRetryAfter } from '../../../lib/provisioning/classify-response.js';
import type { ResponseContext } from '../../../lib/provisioning/classify-response.js';
import { AuthError, BucketFullError, InvalidRequestError, NotFoundError, ThrottledError, TransientError } from '../../../lib/provisioning/errors.js';

const NOW = Date.parse('2025-03-01T12:00:00Z');
const ctx: ResponseContext = { operation: 'upload', servicePrincipalId: 'sp-1', jobId: 'job-1', now: NOW, bucketFullWaitMs: 420_000 };

function answer(status: number, body: unknown = '', headers: Record<string, string> = {}) {
  return { status, headers: new Headers(headers), bodyText: typeof body === 'string' ? body : JSON.stringify(body) };
}

const graphError = (code: string, message: string) => ({ error: { code, message, innerError: { 'request-id': 'body-rid' } } });

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates, and nothing else', () => {
    expect(parseRetryAfter('7', NOW)).toBe(7000);
    expect(parseRetryAfter(' 0 ', NOW)).toBe(0);
    expect(parseRetryAfter('Sat, 01 Mar 2025 12:00:30 GMT', NOW)).toBe(30_000);
    expect(parseRetryAfter('Sat, 01 Mar 2025 11:59:00 GMT', NOW)).toBe(0);
    expect(parseRetryAfter(null, NOW)).toBeUndefined();
    expect(parseRetryAfter('', NOW)).toBeUndefined();
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
  });
});

describe('parseErrorBody', () => {
  it('reads Graph, SCIM, OAuth and plain-text error bodies', () => {
    expect(parseErrorBody(JSON.stringify(graphError('Request_BadRequest', 'Invalid Data Format')))).toEqual({
      code: 'Request_BadRequest',
      message: 'Invalid Data Format',
      requestId: 'body-rid',
    });
    expect(parseErrorBody(JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], scimType: 'invalidSyntax', detail: 'bad' }))).toEqual({
      code: 'invalidSyntax',
      message: 'bad',
    });
    expect(parseErrorBody(JSON.stringify({ error: 'invalid_client', error_description: 'AADSTS7000215' }))).toEqual({
      code: 'invalid_client',
      message: 'AADSTS7000215',
    });
    expect(parseErrorBody('Service Unavailable')).toEqual({ message: 'Service Unavailable' });
    expect(parseErrorBody('')).toEqual({});
  });
});

describe('errorFromResponse', () => {
  it('429 → ThrottledError with Retry-After in ms, or without it', () => {
    const withHeader = errorFromResponse(answer(429, '', { 'retry-after': '3', 'request-id': 'rid-1' }), ctx);
    expect(withHeader).toBeInstanceOf(ThrottledError);
    expect((withHeader as ThrottledError).retryAfterMs).toBe(3000);
    expect(withHeader.requestId).toBe('rid-1');
    const without = errorFromResponse(answer(429), ctx) as ThrottledError;
    expect(without.retryAfterMs).toBeUndefined();
  });

  it('500 saying the bucket is full → BucketFullError with the configured wait', () => {
    const e = errorFromResponse(answer(500, graphError('InternalServerError', 'The bucket for this job is full. Try later.')), ctx);
    expect(e).toBeInstanceOf(BucketFullError);
    expect((e as BucketFullError).retryAfterMs).toBe(420_000);
    const quotingJob = errorFromResponse(answer(500, graphError('InternalServerError', "The bucket for synchronization job 'API2AAD.abc.def' is full.")), ctx);
    expect(quotingJob).toBeInstanceOf(BucketFullError);
  });

  it('other 5xx and 408 → TransientError', () => {
    for (const status of [500, 502, 503, 504, 408]) {
      const e = errorFromResponse(answer(status, 'oops'), ctx);
      expect(e).toBeInstanceOf(TransientError);
      expect((e as TransientError).reason).toBe('server-error');
      expect(e.status).toBe(status);
    }
  });

  it('401 → AuthError carrying the service code', () => {
    const e = errorFromResponse(answer(401, graphError('InvalidAuthenticationToken', 'Access token has expired or is not yet valid.')), ctx);
    expect(e).toBeInstanceOf(AuthError);
    expect(e.code).toBe('InvalidAuthenticationToken');
    expect(e.message).toContain('Access token has expired');
  });

  it('403 names the permission the operation needs', () => {
    const upload = errorFromResponse(answer(403, graphError('Authorization_RequestDenied', 'Insufficient privileges')), ctx) as AuthError;
    expect(upload.missingPermissions).toEqual(['SynchronizationData-User.Upload']);
    expect(upload.message).toContain('SynchronizationData-User.Upload');
    const logs = errorFromResponse(answer(403), { ...ctx, operation: 'logs' }) as AuthError;
    expect(logs.message).toContain('ProvisioningLog.Read.All or AuditLog.Read.All');
  });

  it('404 names the service principal and job', () => {
    const e = errorFromResponse(answer(404, graphError('ResourceNotFound', 'nope')), ctx);
    expect(e).toBeInstanceOf(NotFoundError);
    expect(e.message).toContain('service principal sp-1 or job job-1 not found');
  });

  it("400 → InvalidRequestError with the service's message and request-id, never the request body", () => {
    const e = errorFromResponse(answer(400, graphError('BadRequest', 'Invalid Data Format'), { 'request-id': 'rid-9' }), ctx);
    expect(e).toBeInstanceOf(InvalidRequestError);
    expect(e.serviceMessage).toBe('Invalid Data Format');
    expect(e.message).toBe('Graph rejected the bulk request (HTTP 400 BadRequest): Invalid Data Format [request-id rid-9]');
  });

  it('falls back to the body request-id when the header is missing', () => {
    expect(errorFromResponse(answer(400, graphError('x', 'y')), ctx).requestId).toBe('body-rid');
  });
});

describe('errorFromNetworkFailure', () => {
  it('recognises resets, refusals, hang-ups and timeouts', () => {
    const reset = errorFromNetworkFailure(new TypeError('fetch failed', { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) }));
    expect(reset?.reason).toBe('network');
    const refused = errorFromNetworkFailure(new TypeError('fetch failed', { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) }));
    expect(refused).toBeInstanceOf(TransientError);
    const undici = errorFromNetworkFailure(new TypeError('fetch failed', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) }));
    expect(undici?.reason).toBe('network');
    expect(errorFromNetworkFailure(new Error('socket hang up'))?.reason).toBe('network');
    expect(errorFromNetworkFailure(new DOMException('The operation timed out', 'TimeoutError'))?.reason).toBe('timeout');
  });

  it('leaves other failures (e.g. an untrusted certificate) alone', () => {
    const tls = new TypeError('fetch failed', { cause: Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }) });
    expect(errorFromNetworkFailure(tls)).toBeUndefined();
    expect(errorFromNetworkFailure(new RangeError('x'))).toBeUndefined();
  });
});
