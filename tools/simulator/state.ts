// Everything one simulator instance holds, shared by its endpoint handlers.
import type { X509Certificate } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimUser } from './directory.js';
import type { RequestIds } from './http.js';
import type { RequestFault } from './faults.js';
import type { DailyQuota, JobSetting } from './job.js';
import type { LogStore } from './log-store.js';
import type { FaultOptions, ResolvedOptions } from './options.js';
import type { Processor } from './processor.js';
import type { SlidingWindowLimiter } from './rate-limit.js';
import type { TokenStore } from './tokens.js';
import type { Vault } from './vault.js';

export interface SimStats {
  /** bulkUpload requests received, whatever the answer. */
  requests: number;
  accepted: number;
  /** 429s, from the rate limit or injected. */
  throttled: number;
  /** Injected request faults (429s excluded) plus records failed by a record fault rule. */
  faults: number;
  /** Operations in accepted requests. */
  recordsReceived: number;
  /** Accepted sends per externalId. */
  perRecordSends: Map<string, number>;
  /** When each accepted request arrived (ms since the epoch), in order: a benchmark's timeline. */
  acceptedAt: number[];
  /** bulkUpload requests not accepted, by cause: the rate limit, the daily quota, an injected fault, a job not Active whose bucket is full. */
  refusedBy: Record<RefusalCause, number>;
}

export type RefusalCause = 'rateLimit' | 'dailyQuota' | 'bucketFullNotActive' | RequestFault;

/** Every cause at zero. */
export function noRefusals(): Record<RefusalCause, number> {
  return { rateLimit: 0, dailyQuota: 0, bucketFullNotActive: 0, throttle: 0, error500: 0, error503: 0, bucketFull: 0, drop: 0 };
}

export interface SimState {
  readonly opts: ResolvedOptions;
  baseUrl: string;
  readonly tokens: TokenStore;
  readonly directory: Map<string, SimUser>;
  readonly log: LogStore;
  readonly processor: Processor;
  readonly vault: Vault;
  limiter: SlidingWindowLimiter | undefined;
  readonly stats: SimStats;
  readonly identityHeader: string;
  faults: FaultOptions;
  /** The job's synchronization schema, as last PUT (or as the app started). */
  schema: Record<string, unknown>;
  /** The job's state and when it last changed (epoch ms). */
  job: JobSetting & { changedAt: number };
  readonly startedAt: number;
  quota: DailyQuota | undefined;
  random: () => number;
  permissions: string[];
  clientSecret: string;
  readonly clientCertificates: X509Certificate[];
  /** Aborted on close, so injected latency does not outlive the server. */
  readonly closing: AbortController;
}

/** One request being answered. */
export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  ids: RequestIds;
}
