// hrsync status --since: what the provisioning logs say for the job, like CSV2SCIM's
// -GetPreviousCycleLogs: counts by action and status, and each failure with its reason.
import { loadProvisioningSettings } from '../../lib/config/settings.js';
import type { ConnectionFlags } from '../connection.js';
import { connectionOverrides } from '../connection.js';
import { createProvisioningClient } from '../../lib/provisioning/client.js';
import { summarizeOutcomesAsync } from '../../lib/provisioning/outcomes.js';
import type { RecordOutcome } from '../../lib/provisioning/outcomes.js';
import { EXIT_OK, EXIT_PROBLEMS, UsageError } from '../errors.js';
import type { Console2 } from '../io.js';
import { writeOut } from '../io.js';

export interface StatusFlags extends ConnectionFlags {
  since: string;
  json?: boolean;
}

const RELATIVE = /^(\d+)\s*([mhd])$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Parses --since: an ISO 8601 time, or a span back from now such as 30m, 12h or 7d. */
export function parseSince(text: string, now: Date = new Date()): Date {
  const rel = RELATIVE.exec(text.trim());
  if (rel !== null) return new Date(now.getTime() - Number(rel[1]) * UNIT_MS[rel[2] as keyof typeof UNIT_MS]);
  const at = new Date(text);
  if (Number.isNaN(at.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(text)) {
    throw new UsageError('--since must be an ISO 8601 time (2026-11-22T00:00:00Z) or a span back from now (30m, 12h, 7d)');
  }
  return at;
}

/** Runs `hrsync status`; exit 1 when the window holds failures. */
export async function statusCommand(flags: StatusFlags, io: Console2, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const since = parseSince(flags.since);
  const settings = loadProvisioningSettings(env, connectionOverrides(flags));
  const client = createProvisioningClient(settings);
  const counts = new Map<string, number>();
  let entries = 0;
  const outcomes = await summarizeOutcomesAsync((async function* () {
    for await (const entry of client.queryProvisioningLogs({ since })) {
      entries++;
      const key = `${entry.provisioningAction ?? 'other'}\u0000${entry.provisioningStatusInfo?.status ?? 'unknown'}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      yield entry;
    }
  })());
  const failures = [...outcomes.values()].filter((o) => o.status === 'failure');
  const byActionStatus = [...counts].map(([k, n]) => { const [action, status] = k.split('\u0000'); return { action, status, entries: n }; })
    .sort((a, b) => (a.action ?? '').localeCompare(b.action ?? '') || (a.status ?? '').localeCompare(b.status ?? ''));

  if (flags.json === true) {
    await writeOut(io.out, `${JSON.stringify({ jobId: settings.graph.jobId, since: since.toISOString(), entries, records: outcomes.size, byActionStatus, failures }, null, 2)}\n`);
  } else {
    const lines = [`job ${settings.graph.jobId} since ${since.toISOString()}: ${entries} log entries for ${outcomes.size} records`];
    for (const c of byActionStatus) lines.push(`  ${c.action} ${c.status}: ${c.entries}`);
    if (failures.length > 0) lines.push(`${failures.length} record${failures.length === 1 ? '' : 's'} failing (latest entry each):`);
    for (const f of failures) lines.push(`  ${describeFailure(f)}`);
    await writeOut(io.out, `${lines.join('\n')}\n`);
  }
  return failures.length > 0 ? EXIT_PROBLEMS : EXIT_OK;
}

function describeFailure(f: RecordOutcome): string {
  const kind = f.retryable === true ? 'retryable' : 'permanent';
  return `${f.externalId}: ${f.errorCode ?? 'error'} (${kind}) ${f.reason ?? ''}`.trimEnd();
}
