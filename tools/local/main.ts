// Entry point of `npm run local`. Node reads NODE_EXTRA_CA_CERTS only at start-up, so when it
// does not name the simulator's CA yet, this process starts itself again with it set: the
// app's HTTPS calls then trust the simulator the way they trust Graph in Azure, with TLS
// checks on.
import { spawn } from 'node:child_process';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { ensureSimulatorCertificate } from '../simulator/index.js';
import { failureText } from './failure.js';
import { watchAncestors } from './lifeline.js';
import type { LocalArgs } from './run.js';

// Loaded after the re-exec check, so the parent process never loads the app.
const EXIT_UNUSABLE = 2;
const EXIT_STOPPED = 130;
const STOP_GRACE_MS = 15_000;
const ABANDON_EXIT_MS = 1_000;

function positiveNumber(text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number of seconds');
  return n;
}

function parseArgs(argv: string[]): LocalArgs {
  const cmd = new Command('npm run local --')
    .description(
      'Run the hrsync Functions app locally on Azurite and the provisioning simulator: drop an extract (samples/workers.csv unless given), run ingest, upload and reconcile, print the run report. Several extracts run one after another on the same storage, a night each, to try delta and leavers.',
    )
    .argument('[extracts...]', 'HR extracts (.csv, .json, .ndjson), run in this order; need --mapping or --sources')
    .option('-m, --mapping <file>', 'the mapping for the extracts (default samples/mapping.json)')
    .option('--sources <file>', 'a sources file (docs/sources.md), uploaded with the mappings it names')
    .option('--source <name>', 'the source folder the extracts are dropped into (default: the top level, source "default")')
    .option('--json', 'print each run report as JSON on stdout')
    .option('--watch [folder]', 'keep running and run every extract copied into the folder (default ./local-drop)')
    .option('--settle <seconds>', 'with --watch: take a file once its size and time have not changed for this long', positiveNumber, 5)
    .option('--out <folder>', 'where report.html, report.json and problems.csv are written per run', 'local-reports')
    .option('--timeout <seconds>', 'give up on the run after this long', positiveNumber, 600)
    .option('--verbose', "print the functions' log lines and telemetry events (run ids, request ids, externalIds, counts; never HR data) on stderr")
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');
  cmd.parse(argv, { from: 'user' });
  const o = cmd.opts<{
    mapping?: string;
    sources?: string;
    source?: string;
    json?: boolean;
    watch?: string | boolean;
    settle: number;
    out: string;
    timeout: number;
    verbose?: boolean;
  }>();
  return {
    ...(cmd.args.length === 0 ? {} : { extracts: [...cmd.args] }),
    ...(o.mapping === undefined ? {} : { mapping: o.mapping }),
    ...(o.sources === undefined ? {} : { sources: o.sources }),
    ...(o.source === undefined ? {} : { source: o.source }),
    ...(o.json === true ? { json: true } : {}),
    ...(o.watch === undefined ? {} : { watch: o.watch }),
    out: o.out,
    timeoutSeconds: o.timeout,
    settleSeconds: o.settle,
    ...(o.verbose === true ? { verbose: true } : {}),
  };
}

async function main(): Promise<number> {
  let args: LocalArgs;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT_UNUSABLE;
    throw err;
  }

  const ca = await ensureSimulatorCertificate();
  if (process.env.NODE_EXTRA_CA_CERTS !== ca.caCertPath) {
    // An IPC channel the child does not use for messages: it closes when this process dies, however
    // it dies, and the child then stops (see below).
    const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, NODE_EXTRA_CA_CERTS: ca.caCertPath },
    });
    // Ctrl+C reaches the child through the terminal's process group too; a stop asked twice is one stop.
    const forward = (signal: NodeJS.Signals) => (): void => {
      child.kill(signal);
    };
    process.on('SIGINT', forward('SIGINT'));
    process.on('SIGTERM', forward('SIGTERM'));
    watchAncestors(() => child.kill('SIGTERM'));
    return new Promise((resolveCode) => child.on('exit', (code, signal) => resolveCode(code ?? (signal === null ? 1 : 130))));
  }

  // The app's process logger writes client events with console.*: shown with --verbose only, on
  // stderr, so stdout carries nothing but reports.
  const toStderr = (...parts: unknown[]): void => {
    if (args.verbose === true) process.stderr.write(`${parts.map(String).join(' ')}\n`);
  };
  console.log = toStderr;
  console.info = toStderr;
  console.warn = toStderr;
  console.error = toStderr;

  const stop = new AbortController();
  const end = (): void => {
    stop.abort();
    // Stopping Azurite and the host takes a moment; should it hang, leave anyway (Azurite's own
    // processes follow this one, see tools/azurite).
    setTimeout(() => process.exit(EXIT_STOPPED), STOP_GRACE_MS).unref();
  };
  // Every signal, not once: a second Ctrl+C must not kill this process half-way through stopping.
  process.on('SIGINT', end);
  process.on('SIGTERM', end);
  if (process.channel !== undefined) {
    // Started by the process above (the re-exec): the channel closes when it dies, even by SIGKILL.
    process.channel.unref();
    process.on('disconnect', end);
  } else {
    watchAncestors(end);
  }
  const { runLocal } = await import('./run.js');
  let abandoned = false;
  const code = await runLocal(args, {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    tty: process.stderr.isTTY === true,
    signal: stop.signal,
    abandon: () => {
      abandoned = true;
    },
  });
  // Stopped, or a storage service went away: a storage call may still be retrying (~15 s) and
  // holding the event loop. Leave once output has had a moment to drain.
  if (abandoned || stop.signal.aborted) setTimeout(() => process.exit(code), ABANDON_EXIT_MS).unref();
  return code;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`npm run local failed: ${failureText(err)}\n`);
    process.exitCode = EXIT_UNUSABLE;
  },
);
