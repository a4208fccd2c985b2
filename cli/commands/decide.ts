// hrsync approve / discard / resend: a person's decisions about the nightly run, written to the
// pipeline's ledger and queue from a workstation. A held run sent nothing; approving sends it as
// it was planned, discarding ends it unsent. `resend` asks a source's next run to send everyone.
import { userInfo } from 'node:os';
import { systemDateClock } from '../../lib/core/clock.js';
import { azureQueue } from '../../lib/pipeline/azure-queue.js';
import { azureReports } from '../../lib/pipeline/azure-reports.js';
import { DecisionError, approveRun, discardRun, requestResend } from '../../lib/pipeline/held.js';
import type { DecisionDeps } from '../../lib/pipeline/held.js';
import { reportText } from '../../lib/pipeline/report-text.js';
import { EXIT_OK, UsageError } from '../errors.js';
import type { Console2 } from '../io.js';
import { writeOut } from '../io.js';
import { pipelineStorage } from '../storage.js';
import type { StorageFlags } from '../storage.js';

export interface DecideFlags extends StorageFlags {
  json?: boolean;
  by?: string;
}

const SOURCE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

function deps(flags: DecideFlags, env: NodeJS.ProcessEnv): DecisionDeps {
  const { settings, clients, ledger } = pipelineStorage(flags, env);
  return {
    ledger,
    queue: azureQueue(clients.queue(settings.operationsQueue)),
    reports: azureReports(clients.blobService.getContainerClient(settings.reportsContainer)),
    clock: systemDateClock,
  };
}

// Who decided, for the run's record: the flag, else the workstation's user name.
function who(flags: DecideFlags): string {
  if (flags.by !== undefined) return flags.by;
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

async function decided<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (err) {
    if (err instanceof DecisionError) throw new UsageError(err.message);
    throw err;
  }
}

/** Runs `hrsync approve <runId>`: the held run is sent. */
export async function approveCommand(runId: string, flags: DecideFlags, io: Console2, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { run, queued } = await decided(() => approveRun(deps(flags, env), runId, who(flags)));
  if (flags.json === true) await writeOut(io.out, `${JSON.stringify({ runId, approved: true, queued }, null, 2)}\n`);
  else
    await writeOut(
      io.out,
      `approved run ${runId} (source ${run.source}): ${queued} record${queued === 1 ? '' : 's'} queued for upload, disables first; "hrsync status ${runId}" follows it\n`,
    );
  return EXIT_OK;
}

/** Runs `hrsync discard <runId>`: the held run ends unsent. */
export async function discardCommand(runId: string, flags: DecideFlags, io: Console2, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const report = await decided(() => discardRun(deps(flags, env), runId, who(flags)));
  if (flags.json === true) await writeOut(io.out, `${JSON.stringify(report, null, 2)}\n`);
  else await writeOut(io.out, `${reportText(report).join('\n')}\n`);
  return EXIT_OK;
}

/** Runs `hrsync resend <source>`: the source's next run sends everyone it lists. */
export async function resendCommand(source: string, flags: DecideFlags, io: Console2, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (!SOURCE.test(source)) throw new UsageError(`"${source}" is not a source name: the folder its extracts are dropped into ("default" for the top level)`);
  const { ledger } = pipelineStorage(flags, env);
  const at = await requestResend(ledger, source, new Date());
  if (flags.json === true) await writeOut(io.out, `${JSON.stringify({ source, resendRequestedAt: at }, null, 2)}\n`);
  else await writeOut(io.out, `the next run of source ${source} sends everyone it lists, changed or not (asked at ${at}); its report says why\n`);
  return EXIT_OK;
}
