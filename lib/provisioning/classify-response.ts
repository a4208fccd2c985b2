// Turns a non-2xx Graph answer, or a fetch that never got one, into a typed ProvisioningError.

import { maskPersonalData } from '../core/mask-personal.js';
import { networkFailureWords } from '../core/network-failure.js';
import type { GraphErrorDetails, GraphOperation, ProvisioningError } from './errors.js';
import { AuthError, BucketFullError, InvalidRequestError, NotFoundError, ThrottledError, TransientError, UnreachableError } from './errors.js';

export interface ResponseContext {
  operation: GraphOperation;
  servicePrincipalId: string;
  jobId: string;
  /** Current time, to turn an HTTP-date Retry-After into a wait. */
  now: number;
  /** Wait to suggest when the job's bucket is full. */
  bucketFullWaitMs: number;
}

export interface GraphAnswer {
  status: number;
  headers: Headers;
  bodyText: string;
}

/** Application permissions that most likely explain a 403 for each operation. */
export const REQUIRED_PERMISSIONS: Readonly<Record<GraphOperation, readonly string[]>> = {
  upload: ['SynchronizationData-User.Upload'],
  logs: ['ProvisioningLog.Read.All', 'AuditLog.Read.All'],
  job: ['Synchronization.Read.All'],
  schema: ['Synchronization.Read.All'],
  'schema-update': ['Synchronization.ReadWrite.All'],
};

// Not "[^.]*" between the words: the message may quote the job id, which contains dots.
const BUCKET_FULL = /\b(bucket|queue)\b.{0,200}?\bfull\b/i;

/** Milliseconds to wait from a Retry-After header (delta-seconds or HTTP date); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** The service's error code and message from a Graph (`{error:{code,message}}`) or SCIM (`{detail,scimType}`) error body, or plain text. */
export function parseErrorBody(bodyText: string): { code?: string; message?: string; requestId?: string } {
  const text = bodyText.trim();
  if (text === '') return {};
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { message: text.length > 500 ? `${text.slice(0, 497)}...` : text };
  }
  if (typeof json !== 'object' || json === null) return {};
  const body = json as Record<string, unknown>;
  const error = body['error'];
  if (typeof error === 'object' && error !== null) {
    const e = error as Record<string, unknown>;
    const inner = (e['innerError'] ?? e['innererror']) as Record<string, unknown> | undefined;
    return {
      ...(typeof e['code'] === 'string' ? { code: e['code'] } : {}),
      ...(typeof e['message'] === 'string' ? { message: e['message'] } : {}),
      ...(typeof inner?.['request-id'] === 'string' ? { requestId: inner['request-id'] } : {}),
    };
  }
  if (typeof error === 'string') {
    return { code: error, ...(typeof body['error_description'] === 'string' ? { message: body['error_description'] } : {}) };
  }
  return {
    ...(typeof body['scimType'] === 'string' ? { code: body['scimType'] } : {}),
    ...(typeof body['detail'] === 'string' ? { message: body['detail'] } : {}),
  };
}

/** Graph's request id for an answer: the `request-id` header, else `client-request-id`, else the error body's innerError. */
export function requestIdOf(headers: Headers, bodyRequestId?: string): string | undefined {
  return headers.get('request-id') ?? headers.get('client-request-id') ?? bodyRequestId;
}

/** Maps a non-2xx answer to the matching typed error. */
export function errorFromResponse(answer: GraphAnswer, ctx: ResponseContext): ProvisioningError {
  const parsed = parseErrorBody(answer.bodyText);
  const requestId = requestIdOf(answer.headers, parsed.requestId);
  const details: GraphErrorDetails = {
    status: answer.status,
    ...(requestId === undefined ? {} : { requestId }),
    ...(parsed.code === undefined ? {} : { code: parsed.code }),
    // A 400 can quote a record it refused; the message becomes a record's reason and a log line.
    ...(parsed.message === undefined ? {} : { serviceMessage: maskPersonalData(parsed.message) }),
  };
  const { status } = answer;
  if (status === 429) return new ThrottledError(details, parseRetryAfter(answer.headers.get('retry-after'), ctx.now));
  if (status >= 500 && BUCKET_FULL.test(`${parsed.code ?? ''} ${parsed.message ?? ''}`)) {
    return new BucketFullError(details, ctx.bucketFullWaitMs);
  }
  if (status >= 500 || status === 408) return new TransientError('Graph failed to answer the request', details, 'server-error');
  if (status === 401) {
    return new AuthError('Graph rejected the access token even after the credential was rebuilt', details);
  }
  if (status === 403) {
    const permissions = REQUIRED_PERMISSIONS[ctx.operation];
    return new AuthError(
      `Graph refused access: grant the application permission ${permissions.join(' or ')} (with admin consent) to the identity hrsync uses`,
      details,
      permissions,
    );
  }
  if (status === 404) {
    return new NotFoundError(
      ctx.operation !== 'logs'
        ? `service principal ${ctx.servicePrincipalId} or job ${ctx.jobId} not found; check HRSYNC_SERVICE_PRINCIPAL_ID and HRSYNC_JOB_ID`
        : 'provisioning logs endpoint not found; check HRSYNC_GRAPH_URL',
      details,
    );
  }
  return new InvalidRequestError(
    {
      upload: 'Graph rejected the bulk request',
      logs: 'Graph rejected the provisioning log query',
      job: 'Graph rejected the request for the provisioning job',
      schema: "Graph rejected the request for the provisioning app's schema",
      'schema-update': "Graph rejected the provisioning app's schema as sent",
    }[ctx.operation],
    details,
  );
}

// Error codes of Node's sockets and of undici (the fetch implementation) that mean "try again".
const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

function errorChain(error: unknown): Record<string, unknown>[] {
  const chain: Record<string, unknown>[] = [];
  let current: unknown = error;
  while (typeof current === 'object' && current !== null && chain.length < 5) {
    chain.push(current as Record<string, unknown>);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

/** Where a call went, so a failure to get there names the address and the setting to change. */
export interface Endpoint {
  /** What a person calls it: "Graph", "Key Vault". */
  service: string;
  /** The origin called, e.g. https://graph.microsoft.com. */
  address: string;
  /** The setting that gives the address, e.g. HRSYNC_GRAPH_URL. */
  setting: string;
}

function endpointText(endpoint: Endpoint): string {
  return `${endpoint.service} at ${endpoint.address} (${endpoint.setting})`;
}

/** A TransientError when a fetch failed for a reason worth retrying (timeout, reset, refused, hang up); undefined otherwise (e.g. TLS trust errors). */
export function errorFromNetworkFailure(error: unknown, endpoint?: Endpoint): TransientError | undefined {
  for (const link of errorChain(error)) {
    const name = typeof link['name'] === 'string' ? link['name'] : '';
    const code = typeof link['code'] === 'string' ? link['code'] : '';
    const message = typeof link['message'] === 'string' ? link['message'] : '';
    if (name === 'TimeoutError' || name === 'AbortError') {
      return new TransientError(endpoint === undefined ? 'Graph did not answer in time' : `${endpointText(endpoint)} did not answer in time`, {}, 'timeout', { cause: error });
    }
    if (TRANSIENT_NETWORK_CODES.has(code) || /socket hang up|other side closed/i.test(message)) {
      const summary =
        endpoint === undefined
          ? `The connection to Graph failed (${code || message})`
          : `Could not connect to ${endpointText(endpoint)}: ${networkFailureWords(code) ?? 'the connection failed'} (${code || message})`;
      return new TransientError(summary, {}, 'network', { cause: error });
    }
  }
  return undefined;
}

/** The failure of a call that got no answer and is not worth retrying (unknown host, untrusted certificate, refused port), naming the address and its setting. */
export function unreachableError(error: unknown, endpoint: Endpoint): UnreachableError {
  // The innermost cause says what happened; "fetch failed" around it says nothing.
  const chain = errorChain(error);
  const cause = chain[chain.length - 1] ?? {};
  const code = typeof cause['code'] === 'string' ? cause['code'] : '';
  const message = typeof cause['message'] === 'string' ? (cause['message'].split('\n')[0] ?? '') : String(error);
  const words = networkFailureWords(code, message) ?? message;
  return new UnreachableError(`Could not connect to ${endpointText(endpoint)}: ${words}${code === '' ? '' : ` (${code})`}`, { cause: error });
}
