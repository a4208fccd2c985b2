// `npm run local`: the whole mission on one machine. Starts Azurite and the simulator, loads
// the real function registrations, drops an extract (the samples, or the user's own), shows
// progress, prints the run report and exits 0 once every record is final and none is lost.
// With --watch it keeps running for files dropped into a folder.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { MappingError } from '../../lib/mapping/errors.js';
import { mappingFileOf } from '../../lib/sources/file.js';
import { SourcesError, parseSourcesJson, resolveSource } from '../../lib/sources/sources.js';
import { loadMapping, parseMappingJson } from '../../lib/mapping/load.js';
import type { RunReport } from '../../lib/pipeline/report.js';
import { reportCsv } from '../../lib/pipeline/report.js';
import { reportHtml } from '../../lib/pipeline/report-html.js';
import type { RunRequest } from '../../lib/pipeline/ports.js';
import { formatLogLine } from '../host/local-host.js';
import type { HostLogLine } from '../host/local-host.js';
import { lostRecords } from './accounting.js';
import { DEFAULT_SETTLE_MS, dropFolder } from './drop-folder.js';
import { startLocalStack } from './stack.js';
import type { LocalStack } from './stack.js';
import { startLocalTelemetry } from './telemetry.js';
import { reportText } from '../../lib/pipeline/report-text.js';

export interface LocalArgs {
  /** Extracts run one after another on the same storage and simulator (a night each); none → the sample. */
  extracts?: string[];
  /** The same as one entry of `extracts` (kept for callers that run one extract). */
  extract?: string;
  mapping?: string;
  /** A sources file: uploaded with the mappings it names, as the deployment keeps them. */
  sources?: string;
  /** The source folder extracts are dropped into (default: the top level, source "default"). */
  source?: string;
  json?: boolean;
  /** A folder to watch; true → ./local-drop. */
  watch?: string | boolean;
  /** Where report.html, report.json and problems.csv are written per run (default ./local-reports). */
  out?: string;
  /** Give up on a run after this many seconds (default 600). */
  timeoutSeconds?: number;
  /** --watch: how long a file must stay unchanged before it is taken (default 5). */
  settleSeconds?: number;
  verbose?: boolean;
  /** Simulator processing delay, ms (default the simulator's 2000). */
  processingDelayMs?: number;
}

export interface LocalIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Whether stderr is a terminal (progress rewrites one line) or not (a line every 5 s). */
  tty: boolean;
  /** Aborted by Ctrl+C: --watch ends, a single run stops waiting. */
  signal?: AbortSignal;
  /** Where relative paths start (default process.cwd()). */
  cwd?: string;
  /** Told when the run stops with storage calls left in flight (a storage service went away): the caller need not wait for them. */
  abandon?: () => void;
}

export const EXIT_OK = 0;
export const EXIT_INCOMPLETE = 1;
export const EXIT_UNUSABLE = 2;

/**
 * The exit code a run's report calls for, meaning what the CLI's codes mean: 2 the input was
 * unusable; 1 rows were rejected, records dead-lettered, the run held or a record lost; 0 every
 * record confirmed, disabled, unchanged or skipped.
 */
export function exitCodeOf(report: RunReport, lost: readonly string[]): number {
  if (report.state === 'unusable') return EXIT_UNUSABLE;
  const c = report.counts;
  return lost.length > 0 || report.state !== 'complete' || c.rejected > 0 || c.deadLettered > 0 || c.held > 0 ? EXIT_INCOMPLETE : EXIT_OK;
}

const SAMPLE_EXTRACT = 'samples/workers.csv';
const SAMPLE_MAPPING = 'samples/mapping.json';
const SOURCE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

class UnusableInput extends Error {}

async function readInput(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UnusableInput(`Cannot read the ${what} ${path}${code === 'ENOENT' ? ': no such file' : code === 'EISDIR' ? ': it is a folder' : ''}.`);
  }
}

interface Inputs {
  mapping: string;
  /** The sources file and the mappings it names (blob names relative to it). */
  config?: { sources: Buffer; mappings: Array<{ name: string; content: Buffer }> };
  extracts: Array<{ name: string; content: Buffer }>;
}

// Everything the run needs, checked before anything starts, so bad input is one sentence now.
async function readInputs(args: LocalArgs, cwd: string, watch: string | undefined): Promise<Inputs> {
  const paths = [...(args.extracts ?? []), ...(args.extract === undefined ? [] : [args.extract])];
  if (paths.length > 0 && args.mapping === undefined && args.sources === undefined)
    throw new UnusableInput('Give the mapping for your extract: npm run local -- <extract> --mapping <file>.');
  if (args.source !== undefined && !SOURCE.test(args.source))
    throw new UnusableInput(`--source must be a folder name (letters, digits, ".", "_", "-"), got ${JSON.stringify(args.source)}.`);
  let config: Inputs['config'];
  let mappingText = '';
  if (args.sources !== undefined) {
    const sourcesPath = resolve(cwd, args.sources);
    const text = (await readInput(sourcesPath, 'sources file')).toString('utf8');
    const sources = parseSourcesJson(text, sourcesPath);
    config = { sources: Buffer.from(text), mappings: [] };
    const source = resolveSource(sources, args.source ?? 'default');
    for (const s of sources.sources.values()) {
      const path = mappingFileOf(sourcesPath, s);
      const body = (await readInput(path, `mapping of source ${s.name}`)).toString('utf8');
      loadMapping(parseMappingJson(body, path), path);
      config.mappings.push({ name: s.mapping, content: Buffer.from(body) });
      if (s.name === source.name) mappingText = body;
    }
  }
  if (args.mapping !== undefined || args.sources === undefined) {
    const mappingPath = resolve(cwd, args.mapping ?? SAMPLE_MAPPING);
    mappingText = (await readInput(mappingPath, 'mapping')).toString('utf8');
    loadMapping(parseMappingJson(mappingText, mappingPath), mappingPath);
  }
  const chosen = paths.length > 0 ? paths : watch === undefined ? [SAMPLE_EXTRACT] : [];
  const folder = args.source === undefined || args.source === 'default' ? '' : `${args.source}/`;
  const names = new Set<string>();
  const extracts: Inputs['extracts'] = [];
  for (const [i, path] of chosen.entries()) {
    // The same file name twice (night.csv, edited, dropped again) is a new blob version; keep them apart anyway.
    let name = `${folder}${basename(path)}`;
    if (names.has(name)) name = `${folder}${i + 1}-${basename(path)}`;
    names.add(name);
    extracts.push({ name, content: await readInput(resolve(cwd, path), 'extract') });
  }
  return { mapping: mappingText, extracts, ...(config === undefined ? {} : { config }) };
}

/** Runs the local pipeline; returns the exit code. */
export async function runLocal(args: LocalArgs, io: LocalIo): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  const watch = args.watch === undefined || args.watch === false ? undefined : resolve(cwd, args.watch === true ? 'local-drop' : args.watch);
  let inputs: Inputs;
  try {
    inputs = await readInputs(args, cwd, watch);
    if (watch !== undefined) await mkdir(watch, { recursive: true });
  } catch (err) {
    if (err instanceof UnusableInput || err instanceof MappingError || err instanceof SourcesError) {
      io.err(`${err.message}\n`);
      return EXIT_UNUSABLE;
    }
    throw err;
  }

  // Storage killed under the run: nothing can go on, so stop as Ctrl+C would, and say why.
  const storageLost = new AbortController();
  const signal = io.signal === undefined ? storageLost.signal : AbortSignal.any([io.signal, storageLost.signal]);
  let lostStorage: string | undefined;
  const hostLog = (line: HostLogLine): void => {
    if (args.verbose === true || line.level === 'error' || line.level === 'critical') io.err(`${formatLogLine(line)}\n`);
  };
  // --verbose: the telemetry events too, a line each, as Application Insights would get them.
  const telemetry = args.verbose === true ? await startLocalTelemetry((line) => io.err(line)) : undefined;
  const stack = await startLocalStack({
    mapping: inputs.mapping,
    ...(inputs.config === undefined ? {} : { config: inputs.config }),
    logger: hostLog,
    onStorageExit: (service, exitCode, exitSignal) => {
      lostStorage = `Azurite's ${service} service stopped (${exitSignal ?? `exit code ${exitCode}`}) while the run needed it; stopping.`;
      io.err(`\n${lostStorage}\n`);
      storageLost.abort();
      io.abandon?.();
    },
    ...(args.processingDelayMs === undefined ? {} : { simulator: { processingDelayMs: args.processingDelayMs } }),
  });
  const outDir = resolve(cwd, args.out ?? 'local-reports');
  const progress = progressPrinter(stack, io);
  try {
    banner(stack, io, watch, args.settleSeconds ?? DEFAULT_SETTLE_MS / 1000);
    stack.host.start();
    const reported = new Set<string>();
    const printed: RunReport[] = [];
    let code = EXIT_OK;
    const handle = async (report: RunReport): Promise<void> => {
      reported.add(report.runId);
      progress.clear();
      const lost = await lostRecords(report, stack.ledger, stack.simulator.directory);
      const dir = join(outDir, report.runId);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
      await writeFile(join(dir, 'problems.csv'), reportCsv(report));
      const requests: RunRequest[] = [];
      for await (const q of stack.ledger.listRequests(report.runId)) requests.push(q);
      await writeFile(join(dir, 'report.html'), reportHtml(report, requests));
      if (args.json === true) {
        if (watch !== undefined) io.out(`${JSON.stringify(report)}\n`);
        else printed.push(report);
      } else {
        io.out(`${[...reportText(report), `  report: ${join(dir, 'report.html')} (open it in a browser), report.json and problems.csv`].join('\n')}\n`);
      }
      for (const p of lost) io.err(`Lost: ${p}\n`);
      // With --json stdout is for machines; the reason still reaches the person, on stderr.
      if (report.state === 'unusable' && args.json === true) io.err(`${report.file}: unusable: ${report.unusable?.message ?? 'the input could not be used'}\n`);
      // The worst night decides: unusable input over problems over none.
      code = Math.max(code, exitCodeOf(report, lost));
    };

    if (watch === undefined) {
      // One night after another: each run finishes (or is held) before the next extract is dropped.
      for (const extract of inputs.extracts) {
        const file = `${stack.settings.extractsContainer}/${extract.name}`;
        await stack.drop(extract.name, extract.content);
        io.err(`Dropped ${extract.name} (${extract.content.length} bytes) into ${stack.settings.extractsContainer}\n`);
        const report = await waitForReport(stack, file, reported, args.timeoutSeconds ?? 600, progress, signal);
        if (report === undefined) {
          progress.clear();
          io.err(signal.aborted ? 'Stopped before the run finished.\n' : `No run of ${extract.name} finished within ${args.timeoutSeconds ?? 600} s. ${await progress.text()}\n`);
          flushJson(io, args, printed, inputs.extracts.length);
          return EXIT_INCOMPLETE;
        }
        await handle(report);
      }
      flushJson(io, args, printed, inputs.extracts.length);
      return code;
    }

    for (const extract of inputs.extracts) await stack.drop(extract.name, extract.content);
    const folder = dropFolder(
      watch,
      async (name, content) => {
        const target = args.source === undefined || args.source === 'default' ? name : `${args.source}/${name}`;
        await stack.drop(target, content);
        progress.clear();
        io.err(`Dropped ${name} (${content.length} bytes) from ${watch}\n`);
      },
      {
        ...(args.settleSeconds === undefined ? {} : { settleMs: args.settleSeconds * 1000 }),
        ignored: (name) => {
          progress.clear();
          io.err(`Ignored ${name}: not an extract (.csv, .txt, .json, .ndjson or .jsonl)\n`);
        },
      },
    );
    while (!signal.aborted) {
      await untilStopped(folder.poll(), signal);
      for (const report of (await untilStopped(stack.reports(), signal)) ?? []) if (!reported.has(report.runId)) await handle(report);
      await untilStopped(progress.tick(), signal);
      await sleep(500, signal);
    }
    progress.clear();
    return lostStorage === undefined ? code : Math.max(code, EXIT_INCOMPLETE);
  } catch (err) {
    // A call in flight when Azurite was killed fails; the reason was said already.
    if (lostStorage !== undefined) return EXIT_INCOMPLETE;
    throw err;
  } finally {
    progress.clear();
    await stack.stop();
    await telemetry?.shutdown();
  }
}

// One report for one extract prints as an object, several as an array in the order they ran.
function flushJson(io: LocalIo, args: LocalArgs, printed: RunReport[], extracts: number): void {
  if (args.json !== true || printed.length === 0) return;
  io.out(`${JSON.stringify(extracts === 1 ? printed[0] : printed, null, 2)}\n`);
}

// The report of the run of `file` not yet seen: complete, or held or unusable (those reports are written at once).
async function waitForReport(
  stack: LocalStack,
  file: string,
  reported: ReadonlySet<string>,
  timeoutSeconds: number,
  progress: ProgressPrinter,
  signal: AbortSignal | undefined,
): Promise<RunReport | undefined> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  while (signal?.aborted !== true && Date.now() <= deadline) {
    const found = ((await untilStopped(stack.reports(), signal)) ?? []).find(
      (r) => r.file === file && !reported.has(r.runId) && (r.state === 'complete' || r.state === 'held' || r.state === 'unusable'),
    );
    if (found !== undefined) return found;
    await untilStopped(progress.tick(), signal);
    await sleep(500, signal);
  }
  return undefined;
}

function banner(stack: LocalStack, io: LocalIo, watch: string | undefined, settleSeconds: number): void {
  const lines = [
    'hrsync local run: the Functions app on Azurite (in memory) and the provisioning simulator',
    `  Graph simulator   ${stack.env.HRSYNC_GRAPH_URL}`,
    `  storage           Azurite, blob ${stack.azurite.blobPort} / queue ${stack.azurite.queuePort} / table ${stack.azurite.tablePort}`,
    ...stack.host.functions.map((f) => `  function          ${f.name.padEnd(10)} ${f.trigger}`),
  ];
  if (watch !== undefined) lines.push(`Watching ${watch}: copy an extract there to run it (taken once unchanged for ${settleSeconds} s); Ctrl+C stops.`);
  io.err(`${lines.join('\n')}\n`);
}

interface ProgressPrinter {
  tick(): Promise<void>;
  text(): Promise<string>;
  clear(): void;
}

function progressPrinter(stack: LocalStack, io: LocalIo): ProgressPrinter {
  let shown = false;
  let last = '';
  let lastAt = 0;
  const text = async (): Promise<string> => {
    const runs = await stack.progress();
    const parts = runs.map(({ run, counts }) => {
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      const final = counts.confirmed + counts.skipped + counts['dead-lettered'];
      return `${run.runId.slice(0, 16)}… ${run.state}: ${total} records, ${counts.submitted} submitted, ${final} final (${counts.confirmed} confirmed)`;
    });
    return `${parts.length === 0 ? 'waiting for a run' : parts.join('; ')} | ${stack.host.progressLine()}`;
  };
  return {
    text,
    async tick() {
      const line = await text();
      if (io.tty) {
        io.err(`\r\x1b[K${line}`);
        shown = true;
      } else if (line !== last && Date.now() - lastAt >= 5000) {
        io.err(`${line}\n`);
        last = line;
        lastAt = Date.now();
      }
    },
    clear() {
      if (shown) io.err('\r\x1b[K');
      shown = false;
    },
  };
}

// A storage call in flight when a service went away retries for ~15 s (the SDK's policy): once
// stopping, the loops here do not wait for it. It ends in the background, its outcome ignored.
function untilStopped<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T | undefined> {
  if (signal === undefined) return work;
  return new Promise((resolveWork, rejectWork) => {
    const stopped = (): void => resolveWork(undefined);
    if (signal.aborted) stopped();
    else signal.addEventListener('abort', stopped, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', stopped);
        resolveWork(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', stopped);
        if (signal.aborted) resolveWork(undefined);
        else rejectWork(err);
      },
    );
  });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolveSleep) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolveSleep();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
