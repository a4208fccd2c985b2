// The provisioning job and the daily budget as `hrsync job` and `hrsync status` both read and
// print them: one way to reach the job from the flags and environment, and the same lines.
import { SettingsError } from '../lib/config/errors.js';
import { loadProvisioningSettings } from '../lib/config/settings.js';
import type { ProvisioningSettings } from '../lib/config/settings.js';
import { createProvisioningClient } from '../lib/provisioning/client.js';
import type { GateView } from '../lib/provisioning/gate.js';
import type { JobHealth } from '../lib/provisioning/job.js';
import { readJob } from '../lib/provisioning/job-reading.js';
import type { JobReading } from '../lib/provisioning/job-reading.js';
import type { ConnectionFlags } from './connection.js';

type Unread = Extract<JobReading, { read: false }>;
import { connectionOverrides } from './connection.js';

/** The job read from Graph with the settings the flags and environment give, or why it was not (never throws for either). */
export async function readJobFor(
  flags: ConnectionFlags,
  env: NodeJS.ProcessEnv,
): Promise<{ settings: ProvisioningSettings; reading: JobReading } | { settings: undefined; reading: Unread }> {
  const overrides = connectionOverrides(flags);
  let settings: ProvisioningSettings;
  try {
    settings = loadProvisioningSettings(env, overrides);
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    // Neither id given: this workstation was never pointed at a job, which is not a mistake in a setting.
    const unset = (name: 'HRSYNC_SERVICE_PRINCIPAL_ID' | 'HRSYNC_JOB_ID'): boolean => (overrides[name] ?? env[name] ?? '') === '';
    if (unset('HRSYNC_SERVICE_PRINCIPAL_ID') && unset('HRSYNC_JOB_ID')) {
      return {
        settings: undefined,
        reading: { read: false, why: 'not-configured', detail: 'not configured here: HRSYNC_SERVICE_PRINCIPAL_ID and HRSYNC_JOB_ID are not set', error },
      };
    }
    return { settings: undefined, reading: { read: false, why: 'settings', detail: error.message.replace(/\n\s*/g, ' '), error } };
  }
  return { settings, reading: await readJob(createProvisioningClient(settings)) };
}

/** The quarantine's reason, start, next attempt and count, as one line. */
export function quarantineLine(q: NonNullable<JobHealth['quarantine']>): string {
  return `quarantine: ${q.reason}${q.currentBegan === undefined ? '' : `, since ${q.currentBegan}`}${q.nextAttempt === undefined ? '' : `, next attempt ${q.nextAttempt}`}${q.seriesCount === undefined ? '' : `, ${q.seriesCount} in a row`}`;
}

/** The budget in a line or two (indented two spaces), for `hrsync job` and `hrsync status`; `closed: false` leaves out why uploads wait. */
export function budgetLines(budget: GateView | undefined, options: { closed?: boolean } = {}): string[] {
  if (budget === undefined) return ["  daily budget: unknown here (set HRSYNC_STORAGE to read the pipeline's ledger)"];
  const lines = [`  daily budget: ${budget.used} of ${budget.dailyCalls} calls used in the last 24 hours, ${budget.left} left (${budget.reserve} kept for disables and retries)`];
  if (budget.nextCallAt !== undefined) lines.push(`  next call for creates and updates: ${budget.nextCallAt}`);
  if (budget.pausedUntil !== undefined) lines.push(`  uploads paused until ${budget.pausedUntil}: ${budget.pausedWhy ?? ''}`.trimEnd());
  if (budget.closed !== undefined && options.closed !== false) lines.push(`  uploads wait: ${budget.closed.detail}`);
  return lines;
}
