// The Graph SDK's middleware chain, our own: origin guard → bearer token → one fetch. There is no
// retry handler (retry.ts decides, and every resend passes the limiter and the daily budget), no
// redirect handler (a redirect would carry the token elsewhere) and no telemetry handler.

import { randomUUID } from 'node:crypto';
import type { Context, Middleware, MiddlewareOptions } from '@microsoft/microsoft-graph-client';
import { Client, GraphClientError } from '@microsoft/microsoft-graph-client';
import type { FetchLike } from './graph-http.js';

/** What one call hands the chain: the token for this attempt, its timeout and its client-request-id. */
export class CallOptions implements MiddlewareOptions {
  readonly clientRequestId = randomUUID();
  constructor(
    readonly token: string,
    readonly timeoutMs: number,
  ) {}
}

/**
 * A fetch that failed without an answer. The SDK passes GraphClientErrors through untouched, so the
 * caller still sees the undici cause it needs to tell a dropped connection from a bug.
 */
export class TransportFailure extends GraphClientError {
  constructor(readonly failure: unknown) {
    super('Graph call failed without an answer');
    Object.setPrototypeOf(this, TransportFailure.prototype);
  }
}

function callOptionsOf(context: Context): CallOptions {
  const options = context.middlewareControl?.getMiddlewareOptions(CallOptions);
  if (!(options instanceof CallOptions)) throw new GraphClientError('A Graph call reached the middleware chain without its CallOptions');
  return options;
}

function urlOf(context: Context): string {
  return typeof context.request === 'string' ? context.request : context.request.url;
}

abstract class Link implements Middleware {
  private next: Middleware | undefined;
  setNext(next: Middleware): void {
    this.next = next;
  }
  protected pass(context: Context): Promise<void> {
    if (this.next === undefined) throw new GraphClientError('The Graph middleware chain ends before a transport');
    return this.next.execute(context);
  }
  abstract execute(context: Context): Promise<void>;
}

/** Refuses any URL the SDK built outside the Graph origin, before a token is attached. */
class OriginGuard extends Link {
  constructor(private readonly origin: string) {
    super();
  }
  execute(context: Context): Promise<void> {
    const url = urlOf(context);
    let origin: string;
    try {
      origin = new URL(url).origin;
    } catch {
      throw new GraphClientError(`Refusing to call a malformed URL: ${JSON.stringify(url.slice(0, 200))}`);
    }
    if (origin !== this.origin) throw new GraphClientError(`Refusing to send a Graph token to ${origin}; only ${this.origin} is trusted`);
    return this.pass(context);
  }
}

/** Puts this attempt's token, the client-request-id and the accepted type on the request. */
class BearerToken extends Link {
  execute(context: Context): Promise<void> {
    const call = callOptionsOf(context);
    const headers = new Headers(context.options?.headers as ConstructorParameters<typeof Headers>[0]);
    headers.set('authorization', `Bearer ${call.token}`);
    headers.set('client-request-id', call.clientRequestId);
    headers.set('accept', 'application/json');
    context.options = { ...context.options, headers: Object.fromEntries(headers.entries()) };
    return this.pass(context);
  }
}

/** One fetch with a timeout; redirects are handed back as answers, never followed. */
class Transport implements Middleware {
  constructor(private readonly fetch: FetchLike) {}
  async execute(context: Context): Promise<void> {
    const call = callOptionsOf(context);
    const init = { ...(context.options as RequestInit | undefined), redirect: 'manual', signal: AbortSignal.timeout(call.timeoutMs) } satisfies RequestInit;
    try {
      context.response = await this.fetch(urlOf(context), init);
    } catch (error) {
      throw new TransportFailure(error);
    }
  }
}

/** A Graph SDK client for one origin whose only middleware is ours; paths given to `api()` are relative to the origin. */
export function createGraphClient(options: { origin: string; fetch: FetchLike }): Client {
  const guard = new OriginGuard(options.origin);
  const bearer = new BearerToken();
  guard.setNext(bearer);
  bearer.setNext(new Transport(options.fetch));
  // defaultVersion '' because our paths carry the version: Graph's URL is configured whole (HRSYNC_GRAPH_URL).
  return Client.initWithMiddleware({ middleware: guard, baseUrl: options.origin, defaultVersion: '' });
}
