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
