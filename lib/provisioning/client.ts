// The provisioning client: bulkUpload, provisioning logs and the job over the Graph SDK with our own
// middleware chain (see README.md), with pacing, retries, the API gate and credential refresh wired together.

import type { ProvisioningSettings } from '../config/settings.js';
import type { BulkRequest } from '../scim/types.js';
import { MAX_OPERATIONS_PER_REQUEST, SCIM_CONTENT_TYPE } from '../scim/schemas.js';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import type { CredentialFactories, TokenProvider } from './credential.js';
import { createTokenProvider } from './credential.js';
import { BucketFullError, GateClosedError, InvalidRequestError, ProvisioningError } from './errors.js';
import type { CallClass } from './budget.js';
import type { ApiGate } from './gate.js';
import type { FetchLike } from './graph-http.js';
import { GraphHttp } from './graph-http.js';
import type { GraphResult } from './graph-http.js';
import { parseRetryAfter } from './classify-response.js';
import { EVENTS } from '../telemetry/catalogue.js';
import { emitEvent, recordBulkUploadCall } from '../telemetry/emit.js';
import type { JobHealth } from './job.js';
import { parseJob } from './job.js';
import type { ProvisioningLogEntry } from './log-entry.js';
import type { Logger } from '../core/logger.js';
import { silentLogger } from '../core/logger.js';
import type { ProvisioningLogQuery } from './logs.js';
import { pageProvisioningLogs, provisioningLogsUrl } from './logs.js';
import { RateLimiter } from './rate-limiter.js';
import type { SynchronizationSchema } from './schema.js';
import { parseSynchronizationSchema } from './schema.js';
import type { RetryPolicy } from './retry.js';
import { DEFAULT_RETRY_POLICY, withRetry } from './retry.js';

export interface UploadResult {
  /** Where the provisioning logs for this upload can be read (the 202's Location). */
  location: string;
  requestId: string;
  status: 202;
  /** Calls made for it, retries after 429s and passing failures included (each counts against the daily budget). */
  calls: number;
}

export interface ProvisioningClient {
  /**
   * POSTs one BulkRequest (at most 50 operations) to the job's bulkUpload endpoint. With a gate,
   * every call (retries included) first draws from the daily budget as `callClass` (default normal).
   */
  uploadBulkRequest(request: BulkRequest, options?: { callClass?: CallClass; runIds?: readonly string[] }): Promise<UploadResult>;
  /** The job's provisioning log entries in a time range, following every page. */
  queryProvisioningLogs(query: ProvisioningLogQuery): AsyncIterable<ProvisioningLogEntry>;
  /** Entries behind a 202's Location, optionally narrowed to entries after `since`. */
  queryProvisioningLogsAt(location: string, options?: { since?: Date }): AsyncIterable<ProvisioningLogEntry>;
  /** The provisioning job's state (GET …/synchronization/jobs/{jobId}; Synchronization.Read.All). */
  getJob(): Promise<JobHealth>;
  /** The provisioning app's synchronization schema (GET …/jobs/{jobId}/schema; Synchronization.Read.All). */
  getSchema(): Promise<SynchronizationSchema>;
  /** Replaces the whole schema with `schema` (PUT …/jobs/{jobId}/schema, 204; Synchronization.ReadWrite.All). */
  putSchema(schema: SynchronizationSchema): Promise<{ requestId: string }>;
}

export interface ProvisioningClientOptions {
  logger?: Logger;
  fetch?: FetchLike;
  clock?: Clock;
  /** Uniform in [0, 1); drives back-off jitter. */
  random?: () => number;
  /** Replaces the credential built from settings (tests, or a caller sharing one provider). */
  tokens?: TokenProvider;
  credentialFactories?: CredentialFactories;
  /** Overrides of the retry policy; maxRetries comes from HRSYNC_MAX_RETRIES unless given here. */
  retry?: Partial<RetryPolicy>;
  /** Range of the wait suggested after "bucket full" (default 5-10 minutes). */
  bucketFullWaitMs?: { min: number; max: number };
  /** Pacing margin added to the rate-limit window (default 5% of it, at least 100 ms). */
  safetyMarginMs?: number;
  /** The daily budget, the job's state and upload pauses (a "bucket full" answer sets one); without it calls are only paced. */
  gate?: Pick<ApiGate, 'take' | 'pause'>;
}

const DEFAULT_BUCKET_FULL_WAIT = { min: 5 * 60_000, max: 10 * 60_000 };

function bulkUploadUrl(settings: ProvisioningSettings): string {
  const g = settings.graph;
  return `${g.graphUrl}/servicePrincipals/${encodeURIComponent(g.servicePrincipalId)}/synchronization/jobs/${encodeURIComponent(g.jobId)}/bulkUpload`;
}

function withSince(location: string, since: Date | undefined): string {
  if (since === undefined) return location;
  const url = new URL(location);
  const filter = url.searchParams.get('$filter');
  const clause = `activityDateTime gt ${new Date(since.getTime() - 1).toISOString()}`;
  url.searchParams.set('$filter', filter === null || filter === '' ? clause : `${filter} and ${clause}`);
  return url.href.replace(/\+/g, '%20');
}

/** Builds the client for one job from validated settings. */
export function createProvisioningClient(settings: ProvisioningSettings, options: ProvisioningClientOptions = {}): ProvisioningClient {
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const bucketWait = options.bucketFullWaitMs ?? DEFAULT_BUCKET_FULL_WAIT;
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, maxRetries: settings.pacing.maxRetries, ...options.retry };
  const tokens = options.tokens ?? createTokenProvider(settings.credential, { logger, clock, ...(options.credentialFactories ? { factories: options.credentialFactories } : {}) });
  const http = new GraphHttp({
    graphUrl: settings.graph.graphUrl,
    servicePrincipalId: settings.graph.servicePrincipalId,
    jobId: settings.graph.jobId,
    tokens,
    fetch: options.fetch ?? ((url, init) => fetch(url, init)),
    timeoutMs: settings.pacing.httpTimeoutSeconds * 1000,
    clock,
    logger,
    bucketFullWaitMs: () => Math.round(bucketWait.min + random() * Math.max(0, bucketWait.max - bucketWait.min)),
  });
  const uploadLimiter = new RateLimiter({
    limit: settings.pacing.rateLimitRequests,
    windowMs: settings.pacing.rateLimitWindowSeconds * 1000,
    concurrency: settings.pacing.concurrency,
    clock,
    ...(options.safetyMarginMs === undefined ? {} : { safetyMarginMs: options.safetyMarginMs }),
  });
  const uploadRetry = { clock, random, logger, onThrottled: (ms: number) => uploadLimiter.pauseFor(ms) };
  const logsRetry = { clock, random, logger };
  const url = bulkUploadUrl(settings);

  // Every round trip draws its call before it takes a pacing slot: a call the budget refuses is never made.
  async function drawCall(cls: CallClass): Promise<void> {
    if (options.gate === undefined) return;
    const answer = await options.gate.take(cls);
    if (!answer.open) throw new GateClosedError(answer.why, answer.until, answer.detail);
  }

  async function uploadBulkRequest(request: BulkRequest, at: { callClass?: CallClass; runIds?: readonly string[] } = {}): Promise<UploadResult> {
    const cls = at.callClass ?? 'normal';
    let calls = 0;
    const count = request.Operations.length;
    if (count === 0 || count > MAX_OPERATIONS_PER_REQUEST) {
      throw new InvalidRequestError(`A bulk request must hold 1 to ${MAX_OPERATIONS_PER_REQUEST} operations, this one has ${count}; nothing was sent`, {});
    }
    const body = JSON.stringify(request);
    const externalIds = request.Operations.map((o) => o.data.externalId);
    // One event per call, for the workbook: ids and counts, and the externalIds only where the log line has them (accepted).
    const noteCall = (answer: GraphResult | undefined, ms: number): void => {
      const status = answer?.status ?? 0;
      const throttleWaitMs = status === 429 ? (parseRetryAfter(answer?.headers.get('retry-after'), clock.now()) ?? 0) : 0;
      const latencyMs = Math.round(ms);
      emitEvent(EVENTS.bulkUpload, {
        requestId: answer?.requestId,
        operations: count,
        latencyMs,
        status,
        throttleWaitMs,
        callClass: cls,
        runIds: at.runIds,
        ...(status === 202 ? { externalIds } : {}),
      });
      recordBulkUploadCall(status, latencyMs, throttleWaitMs);
    };
    const result = await withRetry(
      () =>
        http
          .send({
            operation: 'upload',
            method: 'POST',
            url,
            headers: { 'content-type': SCIM_CONTENT_TYPE },
            body,
            schedule: async (send) => {
              await drawCall(cls);
              return uploadLimiter.run(async () => {
                calls++;
                const started = performance.now();
                let answer: GraphResult | undefined;
                try {
                  const sent = await send();
                  answer = sent as unknown as GraphResult;
                  return sent;
                } finally {
                  noteCall(answer, performance.now() - started);
                }
              });
            },
          })
          .catch(async (err: unknown) => {
            // A full bucket is the job's, not this request's: every sender drawing from the gate waits.
            if (err instanceof BucketFullError)
              await options.gate?.pause(
                new Date(clock.now() + err.retryAfterMs),
                `the service answered that the job's bucket is full (HTTP ${err.status ?? 500}); uploads resume after the documented 5-10 minutes`,
              );
            throw err;
          }),
      policy,
      uploadRetry,
    ).catch((err: unknown) => {
      if (err instanceof ProvisioningError) err.calls = calls;
      throw err;
    });
    if (result.status !== 202) {
      throw new InvalidRequestError('bulkUpload answered with an unexpected success status; expected 202 Accepted', {
        status: result.status,
        requestId: result.requestId,
      });
    }
    let location = result.headers.get('location') ?? '';
    if (location === '') {
      // The documented Location; rebuilding it keeps the accepted upload from being resent.
      location = `${settings.graph.graphUrl}/auditLogs/provisioning/?$filter=${encodeURIComponent(`jobid eq '${settings.graph.jobId}'`)}`;
      logger.warn('bulkUpload 202 had no Location header; using the documented log URL', { requestId: result.requestId });
    }
    logger.info('Bulk request accepted', { requestId: result.requestId, status: 202, operations: count, externalIds });
    return { location, requestId: result.requestId, status: 202, calls };
  }

  async function fetchLogPage(pageUrl: string): Promise<unknown> {
    const result = await withRetry(() => http.send({ operation: 'logs', method: 'GET', url: pageUrl }), policy, logsRetry);
    try {
      return JSON.parse(result.bodyText) as unknown;
    } catch {
      throw new InvalidRequestError('Provisioning log page was not JSON', { status: result.status, requestId: result.requestId });
    }
  }

  function queryProvisioningLogs(query: ProvisioningLogQuery): AsyncIterable<ProvisioningLogEntry> {
    const first = provisioningLogsUrl(settings.graph.graphUrl, settings.graph.jobId, query);
    return pageProvisioningLogs(first, fetchLogPage, query.status);
  }

  function queryProvisioningLogsAt(location: string, at: { since?: Date } = {}): AsyncIterable<ProvisioningLogEntry> {
    http.assertGraphUrl(location);
    return pageProvisioningLogs(withSince(location, at.since), fetchLogPage);
  }

  async function getJob(): Promise<JobHealth> {
    const g = settings.graph;
    const jobUrl = `${g.graphUrl}/servicePrincipals/${encodeURIComponent(g.servicePrincipalId)}/synchronization/jobs/${encodeURIComponent(g.jobId)}`;
    const result = await withRetry(() => http.send({ operation: 'job', method: 'GET', url: jobUrl }), policy, logsRetry);
    try {
      return parseJob(JSON.parse(result.bodyText) as unknown, new Date(clock.now()));
    } catch {
      throw new InvalidRequestError('The provisioning job resource was not a job with a status', { status: result.status, requestId: result.requestId });
    }
  }

  function schemaUrl(): string {
    const g = settings.graph;
    return `${g.graphUrl}/servicePrincipals/${encodeURIComponent(g.servicePrincipalId)}/synchronization/jobs/${encodeURIComponent(g.jobId)}/schema`;
  }

  async function getSchema(): Promise<SynchronizationSchema> {
    const result = await withRetry(() => http.send({ operation: 'schema', method: 'GET', url: schemaUrl() }), policy, logsRetry);
    try {
      return parseSynchronizationSchema(JSON.parse(result.bodyText) as unknown);
    } catch (err) {
      const why = err instanceof Error && err.name === 'SchemaShapeError' ? `: ${err.message}` : '';
      throw new InvalidRequestError(`The provisioning app's schema was not a synchronization schema${why}`, { status: result.status, requestId: result.requestId });
    }
  }

  // A PUT replaces the whole schema with the same body every time, so resending it after a 429, a
  // 5xx or a timeout (which may or may not have landed) leaves the same schema: it is retried like a GET.
  async function putSchema(schema: SynchronizationSchema): Promise<{ requestId: string }> {
    const body = JSON.stringify(schema);
    const result = await withRetry(
      () => http.send({ operation: 'schema-update', method: 'PUT', url: schemaUrl(), headers: { 'content-type': 'application/json' }, body }),
      policy,
      logsRetry,
    );
    logger.info('Provisioning schema replaced', { requestId: result.requestId, status: result.status });
    return { requestId: result.requestId };
  }

  return { uploadBulkRequest, queryProvisioningLogs, queryProvisioningLogsAt, getJob, getSchema, putSchema };
}
