// Reading the provisioning job for someone who can do without it: `hrsync status` shows the
// pipeline from storage alone and says what it could not read, and why, instead of failing.
import type { ProvisioningClient } from './client.js';
import { AuthError, NotFoundError, ProvisioningError, UnreachableError } from './errors.js';
import type { JobHealth } from './job.js';

/** The job as just read, or why it was not: no Graph settings, a bad one, a missing permission, no answer. */
export type JobReading =
  | { read: true; job: JobHealth }
  | {
      read: false;
      why: 'not-configured' | 'settings' | 'permission' | 'not-found' | 'unreachable' | 'failed';
      /** One sentence, naming the setting or permission at fault (never a token or secret). */
      detail: string;
      missingPermissions?: string[];
      /** What was thrown, for a caller that must fail after all (`hrsync job`). */
      error?: unknown;
    };

/** Reads the job through `client`; a failure becomes a reading that says why rather than an exception. */
export async function readJob(client: Pick<ProvisioningClient, 'getJob'>): Promise<JobReading> {
  try {
    return { read: true, job: await client.getJob() };
  } catch (error) {
    if (error instanceof AuthError && error.missingPermissions.length > 0) {
      return {
        read: false,
        why: 'permission',
        detail: `Graph refused to show the job: it needs the application permission ${error.missingPermissions.join(' or ')} (infra/grant-graph-permissions.sh grants it)`,
        missingPermissions: [...error.missingPermissions],
        error,
      };
    }
    if (error instanceof NotFoundError) return { read: false, why: 'not-found', detail: `no such job: ${error.message}`, error };
    if (error instanceof UnreachableError) return { read: false, why: 'unreachable', detail: error.message, error };
    if (error instanceof ProvisioningError) return { read: false, why: 'failed', detail: error.message, error };
    // A credential that cannot sign in (no managed identity here, an unreadable vault) is not a ProvisioningError.
    return { read: false, why: 'failed', detail: error instanceof Error ? error.message : String(error), error };
  }
}
