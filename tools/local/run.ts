// `npm run local`: the whole mission on one machine. Starts Azurite and the simulator, loads
// the real function registrations, drops an extract (the samples, or the user's own), shows
// progress, prints the run report and exits 0 once every record is final and none is lost.
// With --watch it keeps running for files dropped into a folder.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { MappingError } from '../../lib/mapping/errors.js';
import { loadMapping, parseMappingJson } from '../../lib/mapping/load.js';
import type { RunReport } from '../../lib/pipeline/report.js';
import { reportCsv } from '../../lib/pipeline/report.js';
import { formatLogLine } from '../host/local-host.js';
import type { HostLogLine } from '../host/local-host.js';
import { lostRecords } from './accounting.js';
import { dropFolder } from './drop-folder.js';
import { startLocalStack } from './stack.js';
import type { LocalStack } from './stack.js';
import { reportText } from './report-text.js';

export interface LocalArgs {
  extract?: string;
  mapping?: string;
  json?: boolean;
  /** A folder to watch; true → ./local-drop. */
  watch?: string | boolean;
  /** Where report.json and problems.csv are written per run (default ./local-reports). */
  out?: string;
  /** Give up on a run after this many seconds (default 600). */
  timeoutSeconds?: number;
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
}

export const EXIT_OK = 0;
export const EXIT_INCOMPLETE = 1;
export const EXIT_UNUSABLE = 2;

const SAMPLE_EXTRACT = 'samples/workers.csv';
const SAMPLE_MAPPING = 'samples/mapping.json';

class UnusableInput extends Error {}

async function readInput(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UnusableInput(`Cannot read the ${what} ${path}${code === 'ENOENT' ? ': no such file' : code === 'EISDIR' ? ': it is a folder' : ''}.`);
  }
}

/** Runs the local pipeline; returns the exit code. */
export async function runLocal(args: LocalArgs, io: LocalIo): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  const watch = args.watch === undefined || args.watch === false ? undefined : resolve(cwd, args.watch === true ? 'local-drop' : args.watch);
  let mappingText: string;
  let extract: { name: string; content: Buffer } | undefined;
  try {
    if (args.extract !== undefined && args.mapping === undefined) throw new UnusableInput('Give the mapping for your extract: npm run local -- <extract> --mapping <file>.');
    const mappingPath = resolve(cwd, args.mapping ?? SAMPLE_MAPPING);
    mappingText = (await readInput(mappingPath, 'mapping')).toString('utf8');
    // Checked here so a bad mapping is one sentence now, not a run report after start-up.
    loadMapping(parseMappingJson(mappingText, mappingPath), mappingPath);
    const extractPath = args.extract ?? (watch === undefined ? SAMPLE_EXTRACT : undefined);
    if (extractPath !== undefined) extract = { name: basename(extractPath), content: await readInput(resolve(cwd, extractPath), 'extract') };
    if (watch !== undefined) await mkdir(watch, { recursive: true });
  } catch (err) {
    if (err instanceof UnusableInput || err instanceof MappingError) {
      io.err(`${err.message}\n`);
      return EXIT_UNUSABLE;
    }
    throw err;
  }

  const hostLog = (line: HostLogLine): void => {
    if (args.verbose === true || line.level === 'error' || line.level === 'critical') io.err(`${formatLogLine(line)}\n`);
  };
  const stack = await startLocalStack({
    mapping: mappingText,
    logger: hostLog,
    ...(args.processingDelayMs === undefined ? {} : { simulator: { processingDelayMs: args.processingDelayMs } }),
  });
  const outDir = resolve(cwd, args.out ?? 'local-reports');
  const progress = progressPrinter(stack, io);
  try {
    banner(stack, io, watch);
    stack.host.start();
    const reported = new Set<string>();
    let code = EXIT_OK;
    const handle = async (report: RunReport): Promise<void> => {
      reported.add(report.runId);
      progress.clear();
      const lost = await lostRecords(report, stack.ledger, stack.simulator.directory);
      const dir = join(outDir, report.runId);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
      await writeFile(join(dir, 'problems.csv'), reportCsv(report));
      if (args.json === true) io.out(watch === undefined ? `${JSON.stringify(report, null, 2)}\n` : `${JSON.stringify(report)}\n`);
      else io.out(`${[...reportText(report), `  report: ${join(dir, 'report.json')} and problems.csv`].join('\n')}\n`);
      for (const p of lost) io.err(`Lost: ${p}\n`);
      if (lost.length > 0) code = EXIT_INCOMPLETE;
    };

    if (extract !== undefined) {
      await stack.drop(extract.name, extract.content);
      io.err(`Dropped ${extract.name} (${extract.content.length} bytes) into ${stack.settings.extractsContainer}\n`);
    }
    const folder = watch === undefined ? undefined : dropFolder(watch, async (name, content) => {
      await stack.drop(name, content);
      progress.clear();
      io.err(`Dropped ${name} (${content.length} bytes) from ${watch}\n`);
    });

    const deadline = Date.now() + (args.timeoutSeconds ?? 600) * 1000;
    for (;;) {
      if (io.signal?.aborted === true) break;
      await folder?.poll();
      for (const report of await stack.reports()) if (!reported.has(report.runId)) await handle(report);
      if (folder === undefined && reported.size > 0) break;
      if (folder === undefined && Date.now() > deadline) {
        progress.clear();
        io.err(`No run finished within ${args.timeoutSeconds ?? 600} s. ${await progress.text()}\n`);
        return EXIT_INCOMPLETE;
      }
      await progress.tick();
      await sleep(500, io.signal);
    }
    progress.clear();
    if (folder === undefined && reported.size === 0) {
      io.err('Stopped before the run finished.\n');
      return EXIT_INCOMPLETE;
    }
    return code;
  } finally {
    progress.clear();
    await stack.stop();
  }
}

function banner(stack: LocalStack, io: LocalIo, watch: string | undefined): void {
  const lines = [
    'hrsync local run: the Functions app on Azurite (in memory) and the provisioning simulator',
    `  Graph simulator   ${stack.env.HRSYNC_GRAPH_URL}`,
    `  storage           Azurite, blob ${stack.azurite.blobPort} / queue ${stack.azurite.queuePort} / table ${stack.azurite.tablePort}`,
    ...stack.host.functions.map((f) => `  function          ${f.name.padEnd(10)} ${f.trigger}`),
  ];
  if (watch !== undefined) lines.push(`Watching ${watch}: copy an extract there to run it; Ctrl+C stops.`);
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

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolveSleep) => {
    const done = (): void => { clearTimeout(timer); signal?.removeEventListener('abort', done); resolveSleep(); };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
