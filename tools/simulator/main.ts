// `hrsync simulator`: runs the simulator in the foreground for the quick start and prints what
// to put in .env. Every line but the settings starts with '#', so the output can be saved as a
// .env file as it is.
import type { JobSetting } from './job.js';
import type { FaultOptions } from './options.js';
import { startSimulator } from './server.js';

export interface SimulatorCommandArgs {
  port?: number;
  processingDelayMs?: number;
  faults?: FaultOptions;
  /** Prints method, path and status of each request. */
  requestLog?: boolean;
  job?: JobSetting;
  dailyQuota?: number;
  /** Delay before a processed record's log entry is visible. */
  logDelayMs?: number;
}

export interface SimulatorCommandIo {
  /** Where lines go (default stdout). */
  write?: (line: string) => void;
  /** Stops the simulator when aborted, as SIGINT/SIGTERM do. */
  signal?: AbortSignal;
}

/** Starts the simulator, prints its URLs and settings, and runs until SIGINT/SIGTERM (or `io.signal`). */
export async function runSimulatorCommand(args: SimulatorCommandArgs = {}, io: SimulatorCommandIo = {}): Promise<void> {
  const write = io.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const sim = await startSimulator({
    ...(args.port === undefined ? {} : { port: args.port }),
    ...(args.processingDelayMs === undefined ? {} : { processingDelayMs: args.processingDelayMs }),
    ...(args.faults === undefined ? {} : { faults: args.faults }),
    ...(args.job === undefined ? {} : { job: args.job }),
    ...(args.dailyQuota === undefined ? {} : { dailyQuota: args.dailyQuota }),
    ...(args.logDelayMs === undefined ? {} : { logDelayMs: args.logDelayMs }),
    ...(args.requestLog === true ? { requestLog: (line: string) => write(`# ${line}`) } : {}),
  });
  const s = sim.settings;
  write('# hrsync provisioning simulator (local only; stop with Ctrl+C)');
  write(`#   Graph:            ${s.HRSYNC_GRAPH_URL}`);
  write(`#   Entra sign-in:    ${s.HRSYNC_AUTHORITY_HOST}/${s.HRSYNC_TENANT_ID}`);
  write(`#   Key Vault:        ${s.HRSYNC_KEY_VAULT_URL}`);
  write(`#   Managed identity: ${s.IDENTITY_ENDPOINT}`);
  if (args.job !== undefined && args.job.status !== 'Active') write(`#   The job is ${args.job.status}: uploads are staged, not processed`);
  if (args.dailyQuota !== undefined) write(`#   Daily quota:      ${args.dailyQuota} bulkUpload calls per 24 hours`);
  for (const line of describeFaults(args)) write(`#   ${line}`);
  write('# Settings for .env or export:');
  for (const [name, value] of Object.entries(s)) write(`${name}=${value}`);

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      io.signal?.removeEventListener('abort', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (io.signal?.aborted === true) stop();
    else io.signal?.addEventListener('abort', stop, { once: true });
  });
  await sim.close();
  write('# simulator stopped');
}

/** What the injected faults will do, one line each, so a rehearsal says what it rehearses. */
export function describeFaults(args: Pick<SimulatorCommandArgs, 'faults' | 'logDelayMs'>): string[] {
  const f = args.faults ?? {};
  const pct = (share: number): string => `${Number((share * 100).toFixed(2))}%`;
  const lines: string[] = [];
  if (f.throttleShare) {
    const after = f.retryAfterSeconds === null ? 'without Retry-After' : `Retry-After ${f.retryAfterSeconds ?? 1} s`;
    lines.push(`Faults:           ${pct(f.throttleShare)} of bulkUpload calls answered 429 (${after})`);
  }
  if (f.error500Share) lines.push(`Faults:           ${pct(f.error500Share)} answered 500`);
  if (f.error503Share) lines.push(`Faults:           ${pct(f.error503Share)} answered 503`);
  if (f.bucketFullShare) lines.push(`Faults:           ${pct(f.bucketFullShare)} answered 500 "bucket is full"`);
  if (f.dropShare) lines.push(`Faults:           ${pct(f.dropShare)} dropped without an answer`);
  if (f.slowMs) lines.push(`Faults:           every answer ${f.slowMs} ms late`);
  if (args.logDelayMs) lines.push(`Faults:           log entries ${args.logDelayMs} ms late`);
  for (const rule of f.recordRules ?? []) {
    const times = rule.times === undefined ? 'every time' : `${rule.times} time${rule.times === 1 ? '' : 's'} each`;
    lines.push(`Faults:           records matching /${typeof rule.match === 'string' ? rule.match : rule.match.source}/ fail with ${rule.errorCode}, ${times}`);
  }
  if (f.seed !== undefined && lines.length > 0) lines.push(`Faults:           seed ${f.seed}`);
  return lines;
}
