// A local stand-in for the Azure Functions host: it takes the app's function definitions and
// drives their handlers against Azure Storage (Azurite) the way the host does — blob triggers
// per new blob version, queue triggers per message, timers on their schedules. Every binding
// setting is resolved when the host is created, so a missing one fails before anything runs.
// Local tooling: never deployed.
import type { FunctionDefinition } from '../../functions/definition.js';
import { createBlobWatcher } from './blob-watcher.js';
import type { BlobWatcher } from './blob-watcher.js';
import { readHostJson } from './host-json.js';
import type { HostOptions } from './host-json.js';
import { Invoker, consoleLogger } from './invocation.js';
import type { HostLogger, HostStats } from './invocation.js';
import { createQueuePoller } from './queue-poller.js';
import type { QueuePoller } from './queue-poller.js';
import type { AppSettings } from './settings.js';
import { createTimerTrigger } from './timer-schedule.js';
import type { TimerTrigger } from './timer-schedule.js';

export type { HostLogLine, HostLogger, HostStats } from './invocation.js';
export { consoleLogger, formatLogLine } from './invocation.js';
export type { HostOptions } from './host-json.js';
export { readHostJson } from './host-json.js';

/** How often start() scans blob containers. */
const BLOB_SCAN_MS = 1000;

export interface LocalHostOptions {
  definitions: readonly FunctionDefinition[];
  /** App settings: %NAME% expressions and connection names resolve here (e.g. process.env). */
  env: AppSettings;
  /** host.json: a path or the parsed object; omitted means the host's defaults. */
  hostJson?: string | Record<string, unknown>;
  /** Overrides applied after hostJson (tests shorten visibilityTimeoutSeconds, for one). */
  host?: Partial<HostOptions>;
  /** Receives every line handlers and the runner log; default: consoleLogger. */
  logger?: HostLogger;
  /** The same as logger (kept for earlier callers); logger wins when both are given. */
  onLog?: HostLogger;
  /** Names the receipts in azure-webjobs-hosts; runners sharing storage and hostId share receipts. Default "hrsync-local". */
  hostId?: string;
}

export interface FunctionSummary {
  name: string;
  kind: FunctionDefinition['kind'];
  trigger: string;
}

export interface LocalHost {
  /** host.json as the runner applies it. */
  readonly options: HostOptions;
  /** The functions with their resolved triggers, for a start-up banner. */
  readonly functions: readonly FunctionSummary[];
  /** Live counters: invocations, succeeded, failures, poisoned, inFlight. */
  readonly stats: HostStats;
  /** Starts background polling (blobs every second, queues with back-off) and the timers; runOnStartup timers fire now. */
  start(): void;
  /** Stops the loops and waits for running invocations. */
  stop(): Promise<void>;
  /** Scans every blob trigger's container once; resolves with the number of invocations. */
  pollBlobsOnce(): Promise<number>;
  /** Fetches and runs one batch per queue trigger; resolves with the number of messages handled. */
  pollQueuesOnce(): Promise<number>;
  /** Invokes a timer function now; resolves true when the handler succeeded (a failure is logged and counted). */
  fireTimer(name: string): Promise<boolean>;
  /**
   * Polls blobs and queues until a round finds no new blob version, no visible message and no
   * invocation in flight (messages hidden by visibilityTimeout are not waited for). Rejects after
   * timeoutMs (default 60 s). A number is taken as timeoutMs.
   */
  drain(options?: number | { timeoutMs?: number }): Promise<void>;
  /** One line of counters for a progress display. */
  progressLine(): string;
}

/** Builds the host from definitions and settings; throws naming the function and setting when one is missing or invalid. */
export function createLocalHost(options: LocalHostOptions): LocalHost {
  const hostOptions: HostOptions = { ...readHostJson(options.hostJson ?? {}), ...options.host };
  const invoker = new Invoker(options.logger ?? options.onLog ?? consoleLogger, hostOptions.functionTimeoutMs);
  const hostId = options.hostId ?? 'hrsync-local';
  const blobs: BlobWatcher[] = [];
  const queues: QueuePoller[] = [];
  const timers: TimerTrigger[] = [];
  const functions: FunctionSummary[] = [];

  const names = new Set<string>();
  for (const def of options.definitions) {
    if (names.has(def.name)) throw new Error(`two functions are named ${def.name}`);
    names.add(def.name);
    if (def.kind === 'storageBlob') {
      const w = createBlobWatcher(def, options.env, hostOptions, invoker, hostId);
      blobs.push(w);
      functions.push({ name: def.name, kind: def.kind, trigger: `blob container ${w.containerName}` });
    } else if (def.kind === 'storageQueue') {
      const q = createQueuePoller(def, options.env, hostOptions, invoker);
      queues.push(q);
      functions.push({ name: def.name, kind: def.kind, trigger: `queue ${q.queueName}` });
    } else {
      const t = createTimerTrigger(def, options.env, invoker);
      timers.push(t);
      functions.push({ name: def.name, kind: def.kind, trigger: `timer ${t.schedule.text}` });
    }
  }

  async function pollBlobsOnce(): Promise<number> {
    const counts = await Promise.all(blobs.map((b) => b.pollOnce()));
    return counts.reduce((a, b) => a + b, 0);
  }

  async function pollQueuesOnce(): Promise<number> {
    const counts = await Promise.all(queues.map((q) => q.pollOnce()));
    return counts.reduce((a, b) => a + b, 0);
  }

  async function fireTimer(name: string): Promise<boolean> {
    const t = timers.find((x) => x.functionName === name);
    if (t === undefined) throw new Error(`no timer function named ${name} (timers: ${timers.map((x) => x.functionName).join(', ') || 'none'})`);
    return t.fire();
  }

  async function drain(arg?: number | { timeoutMs?: number }): Promise<void> {
    const timeoutMs = (typeof arg === 'number' ? arg : arg?.timeoutMs) ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // Invocations the background loops started count as pending work too.
      await invoker.idle();
      const work = (await pollBlobsOnce()) + (await pollQueuesOnce());
      if (work === 0 && invoker.stats.inFlight === 0) return;
      if (Date.now() > deadline) throw new Error(`work still pending after ${timeoutMs} ms (${progressLine()})`);
    }
  }

  let running = false;
  let loops: Promise<unknown>[] = [];
  const sleepers = new Set<() => void>();
  const isRunning = (): boolean => running;
  // A sleep that stop() cuts short, so stopping never waits out a poll interval or a schedule.
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      sleepers.add(wake);
    });

  // Ends the scans and fetches in flight when stop() is called: one caught by a storage service
  // that has gone away retries for ~15 s (the SDK's policy), and stop() waited it out. Invocations
  // already running are not cut short; stop() waits for them, as the Functions host does.
  let scans = new AbortController();

  function start(): void {
    if (running) return;
    running = true;
    scans = new AbortController();
    const { signal } = scans;
    loops = [
      ...blobs.map(async (b) => {
        while (running) {
          await b.pollOnce(signal).catch((err: Error) => {
            if (running) invoker.log('host', 'error', `scanning ${b.containerName} for ${b.functionName} failed: ${err.message}`);
          });
          if (running) await sleep(BLOB_SCAN_MS);
        }
      }),
      ...queues.map((q) => q.loop(isRunning, sleep, signal)),
      ...timers.map((t) => t.loop(isRunning, sleep)),
    ];
  }

  async function stop(): Promise<void> {
    running = false;
    scans.abort();
    for (const wake of [...sleepers]) wake();
    await Promise.allSettled(loops);
    await invoker.idle();
    loops = [];
  }

  function progressLine(): string {
    const s = invoker.stats;
    return `invocations ${s.invocations} (ok ${s.succeeded}, failed ${s.failures}, poisoned ${s.poisoned}, running ${s.inFlight})`;
  }

  return { options: hostOptions, functions, stats: invoker.stats, start, stop, pollBlobsOnce, pollQueuesOnce, fireTimer, drain, progressLine };
}
