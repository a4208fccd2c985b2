// One Graph call: bearer token, timeout, pacing slot, one credential rebuild on 401, typed errors.
// Tokens are only ever sent to the configured Graph origin (nextLink and Location URLs included).

import { randomUUID } from 'node:crypto';
import type { Clock } from './clock.js';
import type { ResponseContext } from './classify-response.js';
import { errorFromNetworkFailure, errorFromResponse, requestIdOf } from './classify-response.js';
import type { TokenProvider } from './credential.js';
import type { GraphOperation } from './errors.js';
import type { Logger } from './logger.js';

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
  method: 'GET' | 'POST';
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

  constructor(private readonly options: GraphHttpOptions) {
    this.origin = new URL(options.graphUrl).origin;
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
    const clientRequestId = randomUUID();
    try {
      const response = await this.options.fetch(call.url, {
        method: call.method,
        headers: { ...call.headers, authorization: `Bearer ${token}`, 'client-request-id': clientRequestId, accept: 'application/json' },
        ...(call.body === undefined ? {} : { body: call.body }),
        // Never follow a redirect with the bearer token attached.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      const bodyText = await response.text();
      return { status: response.status, headers: response.headers, bodyText, requestId: requestIdOf(response.headers) ?? clientRequestId };
    } catch (error) {
      const transient = errorFromNetworkFailure(error);
      if (transient === undefined) throw error;
      this.options.logger.warn('Graph call failed without an answer', { operation: call.operation, clientRequestId, error: transient.reason });
      throw transient;
    }
  }
}
