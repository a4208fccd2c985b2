// Typed failures of Graph calls. Each carries the HTTP status, Graph's request-id and the
// service's own error code and message, never the request body (it holds HR personal data).

export type GraphOperation = 'upload' | 'logs' | 'job' | 'schema' | 'schema-update';

export interface GraphErrorDetails {
  /** HTTP status; absent when no response arrived (timeout, dropped connection) or the request was refused before sending. */
  status?: number;
  /** Graph's `request-id` response header, for support cases. */
  requestId?: string;
  /** The service's error code, e.g. `InvalidAuthenticationToken`. */
  code?: string;
  /** The service's error message, verbatim. */
  serviceMessage?: string;
}

export type ProvisioningErrorKind = 'throttled' | 'transient' | 'bucket-full' | 'auth' | 'invalid-request' | 'not-found' | 'gate-closed' | 'unreachable';

function describe(summary: string, d: GraphErrorDetails): string {
  const facts = [d.status === undefined ? undefined : `HTTP ${d.status}`, d.code].filter((f) => f !== undefined);
  return (
    summary +
    (facts.length > 0 ? ` (${facts.join(' ')})` : '') +
    (d.serviceMessage ? `: ${d.serviceMessage}` : '') +
    (d.requestId === undefined ? '' : ` [request-id ${d.requestId}]`)
  );
}

/** Base of every failure the provisioning client reports. */
export abstract class ProvisioningError extends Error {
  abstract readonly kind: ProvisioningErrorKind;
  readonly status: number | undefined;
  readonly requestId: string | undefined;
  readonly code: string | undefined;
  readonly serviceMessage: string | undefined;
  /** bulkUpload calls made before this error reached the caller, retries included (each counts against the daily budget). */
  calls = 0;

  constructor(summary: string, details: GraphErrorDetails, options?: { cause?: unknown }) {
    super(describe(summary, details), options);
    this.status = details.status;
    this.requestId = details.requestId;
    this.code = details.code;
    this.serviceMessage = details.serviceMessage;
  }
}

/** 429: the rate limit was hit. Not a failure of the records: wait and resend. */
export class ThrottledError extends ProvisioningError {
  override readonly name = 'ThrottledError';
  readonly kind = 'throttled' as const;
  /** From `Retry-After` (seconds or HTTP date); absent when the service did not say. */
  readonly retryAfterMs: number | undefined;
  constructor(details: GraphErrorDetails, retryAfterMs: number | undefined) {
    super('Graph throttled the request', details);
    this.retryAfterMs = retryAfterMs;
  }
}

/** 5xx, timeouts and dropped connections: worth a bounded retry. */
export class TransientError extends ProvisioningError {
  override readonly name = 'TransientError';
  readonly kind = 'transient' as const;
  constructor(
    summary: string,
    details: GraphErrorDetails,
    readonly reason: 'server-error' | 'timeout' | 'network',
    options?: { cause?: unknown },
  ) {
    super(summary, details, options);
  }
}

/** 500 "bucket … is full": the job's ingestion queue is full (paused, quarantined or fed too fast). Wait minutes, then resend slower. */
export class BucketFullError extends ProvisioningError {
  override readonly name = 'BucketFullError';
  readonly kind = 'bucket-full' as const;
  constructor(
    details: GraphErrorDetails,
    /** How long to wait before resending (configured, 5-10 minutes by default). */
    readonly retryAfterMs: number,
  ) {
    super("The provisioning job's ingestion queue is full; check that the job is running and not quarantined", details);
  }
}

/** 401 that survived a credential refresh, 403 (a missing permission), or a credential that cannot be built. */
export class AuthError extends ProvisioningError {
  override readonly name = 'AuthError';
  readonly kind = 'auth' as const;
  constructor(
    summary: string,
    details: GraphErrorDetails,
    /** On 403, the application permission(s) most likely missing. */
    readonly missingPermissions: readonly string[] = [],
    options?: { cause?: unknown },
  ) {
    super(summary, details, options);
  }
}

/** 400 and other 4xx: the request itself is wrong; resending it unchanged cannot succeed. */
export class InvalidRequestError extends ProvisioningError {
  override readonly name = 'InvalidRequestError';
  readonly kind = 'invalid-request' as const;
  constructor(summary: string, details: GraphErrorDetails) {
    super(summary, details);
  }
}

/** 404: wrong service principal or job id (or Graph URL). */
export class NotFoundError extends ProvisioningError {
  override readonly name = 'NotFoundError';
  readonly kind = 'not-found' as const;
  constructor(summary: string, details: GraphErrorDetails) {
    super(summary, details);
  }
}

/** No answer, and none to expect from a retry: the host does not resolve, its certificate is not trusted, or the port is refused by fetch. The message names the address and its setting. */
export class UnreachableError extends ProvisioningError {
  override readonly name = 'UnreachableError';
  readonly kind = 'unreachable' as const;
  constructor(summary: string, options?: { cause?: unknown }) {
    super(summary, {}, options);
  }
}

/**
 * Not sent: the daily budget is spent, the job is not Active, or uploads are paused after "bucket
 * full". No call was made; the records wait (queued, not failed) until `until`.
 */
export class GateClosedError extends ProvisioningError {
  override readonly name = 'GateClosedError';
  readonly kind = 'gate-closed' as const;
  constructor(
    readonly why: 'budget' | 'job' | 'bucket-full',
    /** Epoch ms when a call may be possible again (Infinity: not at this budget). */
    readonly until: number,
    readonly detail: string,
  ) {
    super(`Not sent: ${detail}`, {});
  }
}

/** The calls a failed upload stands for in the daily budget: what the client counted, or one for an error that did not come through it. A closed gate made none. */
export function callsMade(err: ProvisioningError): number {
  return err instanceof GateClosedError ? err.calls : Math.max(1, err.calls);
}
