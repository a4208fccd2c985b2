// The parts of host.json the local runner honours, with the Functions host's defaults.
import { cpus } from 'node:os';
import { readFileSync } from 'node:fs';

export interface HostOptions {
  batchSize: number;
  newBatchThreshold: number;
  maxDequeueCount: number;
  visibilityTimeoutSeconds: number;
  maxPollingIntervalMs: number;
  messageEncoding: 'base64' | 'none';
  /** Blob-trigger invocations running at once (extensions.blobs.maxDegreeOfParallelism). */
  blobParallelism: number;
  functionTimeoutMs?: number;
}

/** Locally the queues are polled at least this often, whatever host.json allows in Azure. */
export const LOCAL_MAX_POLLING_MS = 2000;

/** Milliseconds in a .NET TimeSpan text ("hh:mm:ss", "d.hh:mm:ss", optional fraction); undefined when it is not one. */
export function timeSpanMs(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/.exec(text.trim());
  if (m === null) return undefined;
  const [, d = '0', h, min, s, frac = '0'] = m;
  if (Number(min) > 59 || Number(s) > 59) return undefined;
  const seconds = ((Number(d) * 24 + Number(h)) * 60 + Number(min)) * 60 + Number(s);
  return seconds * 1000 + Math.round(Number(`0.${frac}`) * 1000);
}

function num(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/** Reads host.json (a path or the parsed object) into the runner's options, defaults as the host has them. */
export function readHostJson(source: string | Record<string, unknown>): HostOptions {
  const json = typeof source === 'string' ? (JSON.parse(readFileSync(source, 'utf8')) as Record<string, unknown>) : source;
  const extensions = (json['extensions'] ?? {}) as Record<string, unknown>;
  const queues = (extensions['queues'] ?? {}) as Record<string, unknown>;
  const blobs = (extensions['blobs'] ?? {}) as Record<string, unknown>;
  // The host caps a fetch at 32 messages, the Queue service's limit.
  const batchSize = Math.max(1, Math.min(32, num(queues['batchSize'], 16)));
  const timeout = timeSpanMs(json['functionTimeout']);
  const encoding = queues['messageEncoding'];
  if (encoding !== undefined && encoding !== 'base64' && encoding !== 'none') {
    throw new Error(`host.json extensions.queues.messageEncoding must be "base64" or "none", not ${JSON.stringify(encoding)}`);
  }
  return {
    batchSize,
    newBatchThreshold: Math.max(0, num(queues['newBatchThreshold'], Math.floor(batchSize / 2))),
    maxDequeueCount: Math.max(1, num(queues['maxDequeueCount'], 5)),
    visibilityTimeoutSeconds: (timeSpanMs(queues['visibilityTimeout']) ?? 0) / 1000,
    maxPollingIntervalMs: Math.min(LOCAL_MAX_POLLING_MS, timeSpanMs(queues['maxPollingInterval']) ?? LOCAL_MAX_POLLING_MS),
    messageEncoding: encoding === 'none' ? 'none' : 'base64',
    blobParallelism: Math.max(1, num(blobs['maxDegreeOfParallelism'], 8 * cpus().length)),
    ...(timeout === undefined ? {} : { functionTimeoutMs: timeout }),
  };
}
