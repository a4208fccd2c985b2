// One Graph call: bearer token, timeout, pacing slot, one credential rebuild on 401, typed errors.
// Tokens are only ever sent to the configured Graph origin (nextLink and Location URLs included).
// Calls go through @microsoft/microsoft-graph-client with a middleware chain of our own (graph-middleware.ts)
// instead of its default one, whose retry and redirect handlers would resend behind the limiter's back.

import type { Client } from '@microsoft/microsoft-graph-client';
import { ResponseType } from '@microsoft/microsoft-graph-client';
import type { Clock } from '../core/clock.js';
import type { ResponseContext } from './classify-response.js';
import { errorFromNetworkFailure, errorFromResponse, requestIdOf, unreachableError } from './classify-response.js';
import type { TokenProvider } from './credential.js';
import type { GraphOperation } from './errors.js';
import type { Logger } from '../core/logger.js';
import { CallOptions, createGraphClient, TransportFailure } from './graph-middleware.js';

/** The subset of `fetch` the client uses; tests inject their own. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface GraphHttpOptions {
  graphUrl: string;
  servicePrincipalId: string;
  jobId: string;
  tokens: TokenProvider;
  fetch: FetchLike;
  timeoutMs: number;
  clock: Clock;
  logger: Logger;
  bucketFullWaitMs: () => number;
}

export interface GraphCall {
  operation: GraphOperation;
  method: 'GET' | 'POST' | 'PUT';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** Wraps each network round trip (a pacing slot); retries after 401 take a new slot. */
  schedule?: <T>(send: () => Promise<T>) => Promise<T>;
}

export interface GraphResult {
  status: number;
  headers: Headers;
  bodyText: string;
  /** Graph's request-id, else the client-request-id we sent. */
  requestId: string;
}

const direct = <T>(send: () => Promise<T>): Promise<T> => send();

/** Sends Graph calls with a token; throws a ProvisioningError for any non-2xx answer or retryable network failure. */
export class GraphHttp {
  private readonly origin: string;
  private readonly client: Client;

  constructor(private readonly options: GraphHttpOptions) {
    this.origin = new URL(options.graphUrl).origin;
    this.client = createGraphClient({ origin: this.origin, fetch: options.fetch });
  }

  /** Refuses URLs outside the Graph origin so a nextLink or Location can never receive our token. */
  assertGraphUrl(url: string): void {
    let origin: string;
    try {
      origin = new URL(url).origin;
    } catch {
      throw new Error(`Refusing to call a malformed URL: ${JSON.stringify(url.slice(0, 200))}`);
    }
    if (origin !== this.origin) throw new Error(`Refusing to send a Graph token to ${origin}; only ${this.origin} is trusted`);
  }

  /** Performs the call; after a 401 rebuilds the credential once and tries again. */
  async send(call: GraphCall): Promise<GraphResult> {
    this.assertGraphUrl(call.url);
    const schedule = call.schedule ?? direct;
    for (let attempt = 0; ; attempt += 1) {
      const { token, generation } = await this.options.tokens.getToken();
      const result = await schedule(() => this.roundTrip(call, token));
      if (result.status >= 200 && result.status < 300) return result;
      if (result.status === 401 && attempt === 0) {
        this.options.logger.warn('Graph answered 401; rebuilding the credential and retrying once', {
          requestId: result.requestId,
          status: 401,
          operation: call.operation,
        });
        await this.options.tokens.refresh(generation);
        continue;
      }
      throw errorFromResponse(result, this.context(call.operation));
    }
  }

  private context(operation: GraphOperation): ResponseContext {
    const o = this.options;
    return { operation, servicePrincipalId: o.servicePrincipalId, jobId: o.jobId, now: o.clock.now(), bucketFullWaitMs: o.bucketFullWaitMs() };
  }

  private async roundTrip(call: GraphCall, token: string): Promise<GraphResult> {
    const options = new CallOptions(token, this.options.timeoutMs);
    // The SDK rebuilds the URL from a path under the Graph origin, and the chain checks the origin again
    // before the token goes on. The path is cut from the text as given: a nextLink is followed as written.
    const target = new URL(call.url);
    const path = call.url.startsWith(this.origin) ? call.url.slice(this.origin.length) : target.pathname + target.search;
    let request = this.client.api(path).responseType(ResponseType.RAW).middlewareOptions([options]);
    for (const [name, value] of Object.entries(call.headers ?? {})) request = request.header(name, value);
    try {
      const body = call.body ?? '';
      const response = (await (call.method === 'GET' ? request.get() : call.method === 'PUT' ? request.put(body) : request.post(body))) as Response;
      const bodyText = await response.text();
      return { status: response.status, headers: response.headers, bodyText, requestId: requestIdOf(response.headers) ?? options.clientRequestId };
    } catch (error) {
      const failure = error instanceof TransportFailure ? error.failure : error;
      const endpoint = { service: 'Graph', address: this.origin, setting: 'HRSYNC_GRAPH_URL' };
      const transient = errorFromNetworkFailure(failure, endpoint);
      // A fetch that failed for good (unknown host, untrusted certificate) is a setting to fix, not a bug.
      if (transient === undefined) throw error instanceof TransportFailure ? unreachableError(failure, endpoint) : failure;
      this.options.logger.warn('Graph call failed without an answer', { operation: call.operation, clientRequestId: options.clientRequestId, error: transient.reason });
      throw transient;
    }
  }
}
