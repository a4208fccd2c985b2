// The `hrsync` command. Each command runs in-process and returns its exit code, so
// tests drive exactly what a user runs.
import { Command, CommanderError } from 'commander';
import { ExtractError } from '../lib/extract/errors.js';
import { MappingError } from '../lib/mapping/errors.js';
// Commands are imported in their actions, not here: `--help`, validate and preview must not load
// the Azure SDKs, MSAL and the Graph client that sync, status and the ledger commands need.
import { withStorageOptions } from './storage-options.js';
import { withConnectionOptions } from './connection.js';
import { faultOptions, withFaultOptions } from './simulator-flags.js';
import type { FaultFlags } from './simulator-flags.js';
import { SettingsError } from '../lib/config/errors.js';
import { SourcesError } from '../lib/sources/sources.js';
import { ProvisioningError } from '../lib/provisioning/errors.js';
// Pure: reads the storage SDK's errors by shape, so start-up still loads no Azure SDK.
import { storageRefused, storageUnreachable } from '../lib/storage/unreachable.js';
import { EXIT_UNUSABLE, UsageError } from './errors.js';
import type { Console2 } from './io.js';

const READ_OPTIONS = (cmd: Command, mappingRequired = true): Command =>
  (mappingRequired
    ? cmd.requiredOption('-m, --mapping <file>', 'the mapping file (JSON; see docs/mapping.md)')
    : cmd.option('-m, --mapping <file>', "the mapping file (JSON; see docs/mapping.md); with --sources, the source's mapping by default")
  )
    .option('--format <format>', 'csv, json or ndjson (default: from the file name)')
    .option('--encoding <encoding>', 'auto (BOM decides, else UTF-8), utf-8, utf-16le, utf-16be or windows-1252')
    .option('--delimiter <char>', 'CSV delimiter: auto, ",", ";", "|" or tab');

function program(io: Console2, code: { value: number }): Command {
  const root = new Command('hrsync')
    .description('Turns HR extracts into SCIM bulk requests for Microsoft Entra API-driven inbound provisioning.')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out.write(s), writeErr: (s) => io.err.write(s) });

  READ_OPTIONS(
    root
      .command('validate')
      .description('Check every row of an extract against the mapping; print each problem and a summary. Sends nothing.')
      .argument('<extract>', 'the HR extract: .csv, .json or .ndjson')
      .option('--json', 'print the report as JSON')
      .option('--limit <rows>', 'read only the first N rows'),
  ).action(async (extract: string, flags) => {
    const { validateCommand } = await import('./commands/validate.js');
    code.value = await validateCommand(extract, flags, io);
  });

  READ_OPTIONS(
    root
      .command('preview')
      .description(
        'Print the SCIM BulkRequests that would be sent, in the order they would be sent (managers before their reports), one JSON request per line (NDJSON); problems go to stderr.',
      )
      .argument('<extract>', 'the HR extract: .csv, .json or .ndjson')
      .option('--limit <rows>', 'read only the first N rows')
      .option('--batch-size <n>', 'operations per request, 1 to 50', '50')
      .option('--max-bytes <n>', "cap on one request's size in bytes", String(1024 * 1024)),
  ).action(async (extract: string, flags) => {
    const { previewCommand } = await import('./commands/preview.js');
    code.value = await previewCommand(extract, flags, io);
  });

  withStorageOptions(
    withConnectionOptions(
      READ_OPTIONS(
        root
          .command('sync')
          .description(
            'Read, validate and upload an extract to the provisioning job, then read the provisioning logs until every record is confirmed (resending retryable failures) or --timeout passes; print what happened to each record.',
          )
          .argument('<extract>', 'the HR extract: .csv, .json or .ndjson')
          .option('--json', 'print the report as JSON')
          .option('--dry-run', 'read, validate and check the settings, then stop before uploading')
          .option('--timeout <duration>', 'how long to wait for log entries after the last upload, e.g. 40m', '40m')
          .option('--poll-interval <duration>', 'time between reads of the provisioning logs', '30s')
          .option('--retry-delay <duration>', 'wait before resending a retryable failure (doubles per attempt)', '60s')
          .option('--max-attempts <n>', 'uploads per record before a retryable failure is final', '5')
          .option('--verbose', 'print events (request ids, counts, externalIds; never HR data) as JSON lines on stderr'),
        false,
      )
        .option('--source <name>', 'the source the extract belongs to (default "default"); with the ledger, only this source\'s absent people are disabled')
        .option('--sources <file>', "a sources file (docs/sources.md): the source's mapping (unless --mapping), kind and guard")
        .option('--full-resend', "send every record, changed or not (after changing the provisioning app's attribute mappings in Entra)")
        .option('--approve', 'send even if the guard would hold the run (after checking its disables, shrink and rejected rows)'),
    ),
  ).action(async (extract: string, flags) => {
    const { syncCommand } = await import('./commands/sync.js');
    code.value = await syncCommand(extract, flags, io);
  });

  root
    .command('mapping')
    .description('Work with mapping files.')
    .command('import')
    .description('Convert a CSV2SCIM AttributeMapping.psd1 into an hrsync mapping (JSON on stdout; untranslated scriptblocks on stderr).')
    .argument('<psd1>', 'the PowerShell data file')
    .option('-o, --output <file>', 'write the mapping to this file instead of stdout')
    .option(
      '--empty-values <send|omit>',
      'send (default): an empty cell is sent as "", as CSV2SCIM sent it, clearing the attribute in Entra; omit: left out, so Entra keeps what it has',
      'send',
    )
    .action(async (psd1: string, flags: { output?: string; emptyValues: string }) => {
      const { mappingImportCommand } = await import('./commands/mapping-import.js');
      code.value = await mappingImportCommand(psd1, flags, io);
    });

  withStorageOptions(
    withConnectionOptions(
      root
        .command('status')
        .description(
          "Without arguments: the pipeline on one screen — the provisioning job's state (read from Graph when its settings are given), the daily budget, what waits and why, held and stopped runs with the commands to run, the latest runs and any extract that failed ingest; exit 1 when something needs a person. With a run id: that run's counts by state, its dead-lettered records and rejected rows (--html: its report as one HTML page). With --since: what the provisioning logs say for the job since then (counts by action and status, each failing record with the service's reason).",
        )
        .argument('[runId]', 'a run id from the list, the run report or the logs')
        .option('--since <time>', 'read the provisioning logs instead: ISO 8601 time, or a span back from now: 30m, 12h, 7d')
        .option('--limit <n>', 'runs to list (10), or problems to show for a run (50)')
        .option('--json', 'print the result as JSON')
        .option(
          '--html [file]',
          "with a run id: the run's report as one HTML page (what the pipeline writes as report.html), written to the file, or printed when no file is given",
        ),
    ),
  ).action(async (runId: string | undefined, flags) => {
    if (flags.since !== undefined && runId !== undefined)
      throw new UsageError('give a run id or --since, not both: a run comes from the ledger, --since reads the provisioning logs');
    if (flags.html !== undefined && runId === undefined) throw new UsageError('--html needs a run id: hrsync status <runId> --html report.html ("hrsync status" lists the runs)');
    if (flags.html !== undefined && flags.json === true) throw new UsageError('give --html or --json, not both');
    if (flags.since !== undefined) code.value = await (await import('./commands/status.js')).statusCommand(flags, io);
    else if (runId !== undefined) code.value = await (await import('./commands/runs.js')).runStatusCommand(runId, flags, io);
    else code.value = await (await import('./commands/status.js')).statusOverviewCommand(flags, io);
  });

  withStorageOptions(
    withConnectionOptions(
      root
        .command('job')
        .description(
          "The provisioning job's state (Active, Paused, Quarantine and why), its last execution's counts, and the daily budget used and left (from the pipeline's ledger when HRSYNC_STORAGE is set). Exit 1 when uploads would wait.",
        )
        .option('--json', 'print the result as JSON'),
    ),
  ).action(async (flags) => {
    const { jobCommand } = await import('./commands/job.js');
    code.value = await jobCommand(flags, io);
  });

  const schema = root.command('schema').description("Compare the custom extension attributes a mapping sends with the provisioning app's schema, or add the missing ones.");
  withConnectionOptions(
    schema
      .command('diff')
      .description(
        "List the custom extension attributes the mapping sends that the provisioning app's schema lacks or types differently. Changes nothing. Exit 1 when any is missing or of another type.",
      )
      .requiredOption('-m, --mapping <file>', 'the mapping file (JSON; see docs/mapping.md)')
      .option('--json', 'print the result as JSON'),
  ).action(async (flags) => {
    const { schemaDiffCommand } = await import('./commands/schema.js');
    code.value = await schemaDiffCommand(flags, io);
  });
  withConnectionOptions(
    schema
      .command('apply')
      .description(
        'Add the custom extension attributes the mapping sends and the schema lacks, typed from the mapping\'s "$type"; removes and changes nothing (needs Synchronization.ReadWrite.All). Exit 1 when something still differs.',
      )
      .requiredOption('-m, --mapping <file>', 'the mapping file (JSON; see docs/mapping.md)')
      .option('--json', 'print the result as JSON'),
  ).action(async (flags) => {
    const { schemaApplyCommand } = await import('./commands/schema.js');
    code.value = await schemaApplyCommand(flags, io);
  });

  withStorageOptions(
    root
      .command('approve')
      .description('Send a run the guard held (too many disables, a shrunken or badly rejected extract), as it was planned: disables first, managers before their reports.')
      .argument('<runId>', 'the held run (hrsync status lists held runs)')
      .option('--by <name>', 'who approves, kept with the run (default: your user name)')
      .option('--json', 'print the result as JSON'),
  ).action(async (runId: string, flags) => {
    const { approveCommand } = await import('./commands/decide.js');
    code.value = await approveCommand(runId, flags, io);
  });

  withStorageOptions(
    root
      .command('discard')
      .description('End a held run unsent; its records end "held" and the next extract of its source is compared with what was last confirmed.')
      .argument('<runId>', 'the held run')
      .option('--by <name>', 'who discards, kept with the run (default: your user name)')
      .option('--json', 'print the final report as JSON'),
  ).action(async (runId: string, flags) => {
    const { discardCommand } = await import('./commands/decide.js');
    code.value = await discardCommand(runId, flags, io);
  });

  withStorageOptions(
    root
      .command('resend')
      .description(
        "Make the next run of a source send everyone it lists, changed or not — after changing the provisioning app's attribute mappings in Entra, which hrsync cannot see.",
      )
      .argument('<source>', 'the source: the folder its extracts are dropped into ("default" for the top level)')
      .option('--json', 'print the result as JSON'),
  ).action(async (source: string, flags) => {
    const { resendCommand } = await import('./commands/decide.js');
    code.value = await resendCommand(source, flags, io);
  });

  withStorageOptions(
    root
      .command('replay')
      .description(
        "Move the operations queue's poison messages back once their cause is fixed: each record is queued again in the ledger and its run reopened. Messages that are not hrsync's, or name no record, stay.",
      )
      .option('--poison', 'replay <operations queue>-poison (required: the only source for now)')
      .option('--run <runId>', 'only messages of this run')
      .option('--dry-run', 'say what would move; change nothing')
      .option('--max <n>', 'stop after reading this many messages', '10000')
      .option('--json', 'print the summary as JSON'),
  ).action(async (flags) => {
    const { replayCommand } = await import('./commands/replay.js');
    code.value = await replayCommand(flags, io);
  });

  withFaultOptions(
    root
      .command('simulator')
      .description(
        'Run the local provisioning simulator (Graph bulkUpload and provisioning logs, Entra sign-in, Key Vault) until stopped; prints NAME=value settings that point hrsync at it. The fault flags rehearse a bad night (tools/simulator/README.md). Local tooling, never deployed.',
      )
      .option('--port <n>', 'port to listen on (default: any free port)')
      .option('--processing-delay <ms>', 'delay before accepted records are processed', '2000')
      .option('--request-log', 'print method, path and status of each request')
      .option(
        '--job-status <code>',
        "the provisioning job's state: Active, Paused, Quarantine, NotRun or NotConfigured (not Active: uploads are staged, not processed, until the bucket is full)",
        'Active',
      )
      .option('--daily-quota <n>', 'bulkUpload calls allowed per sliding 24 hours (429 beyond it); default none'),
  ).action(async (flags: FaultFlags & { port?: string; processingDelay: string; requestLog?: boolean; jobStatus: string; dailyQuota?: string }) => {
    const port = flags.port === undefined ? undefined : Number(flags.port);
    if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) throw new UsageError('--port must be a whole number from 0 to 65535');
    const delay = Number(flags.processingDelay);
    if (!Number.isInteger(delay) || delay < 0) throw new UsageError('--processing-delay must be a whole number of milliseconds');
    const statuses = ['Active', 'Paused', 'Quarantine', 'NotRun', 'NotConfigured'] as const;
    const jobStatus = statuses.find((c) => c.toLowerCase() === flags.jobStatus.toLowerCase());
    if (jobStatus === undefined) throw new UsageError(`--job-status must be one of ${statuses.join(', ')}; got "${flags.jobStatus}"`);
    const quota = flags.dailyQuota === undefined ? undefined : Number(flags.dailyQuota);
    if (quota !== undefined && !(Number.isInteger(quota) && quota >= 0)) throw new UsageError('--daily-quota must be a whole number of calls');
    const faults = faultOptions(flags);
    // Imported on demand: the simulator is local tooling with dev-only dependencies.
    const { runSimulatorCommand } = await import('../tools/simulator/main.js');
    await runSimulatorCommand({
      port,
      processingDelayMs: delay,
      requestLog: flags.requestLog === true,
      job: { status: jobStatus },
      ...(quota === undefined ? {} : { dailyQuota: quota }),
      ...faults,
    });
  });

  return root;
}

/** Runs the CLI with the given arguments (without `node` and the script); returns the exit code. */
export async function main(argv: string[], io: Console2 = { out: process.stdout, err: process.stderr }): Promise<number> {
  const code = { value: 0 };
  try {
    await program(io, code).parseAsync(argv, { from: 'user' });
    return code.value;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; every other parse failure is unusable arguments.
      return err.exitCode === 0 ? 0 : EXIT_UNUSABLE;
    }
    io.err.write(`hrsync: ${describe(err)}\n`);
    return EXIT_UNUSABLE;
  }
}

function describe(err: unknown): string {
  if (
    err instanceof MappingError ||
    err instanceof ExtractError ||
    err instanceof UsageError ||
    err instanceof SettingsError ||
    err instanceof ProvisioningError ||
    err instanceof SourcesError
  )
    return err.message;
  if (err instanceof Error && 'code' in err && err.code === 'EPIPE') return 'the output was closed before the run finished';
  const storage = storageUnreachable(err) ?? storageRefused(err);
  if (storage !== undefined) return storage.message;
  // Unexpected failures still get one line; the stack helps only developers, so it needs HRSYNC_DEBUG.
  if (process.env.HRSYNC_DEBUG === '1' && err instanceof Error) return err.stack ?? err.message;
  return err instanceof Error ? `unexpected error: ${err.message} (set HRSYNC_DEBUG=1 for details)` : String(err);
}
