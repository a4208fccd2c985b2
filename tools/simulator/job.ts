// The provisioning job's resource (GET …/synchronization/jobs/{jobId}) and the two limits the
// simulator models around it: the job's state — a job that is not Active stages uploads without
// processing them, until its bucket is full — and the tenant's daily call quota.

export const JOB_STATUS_CODES = ['Active', 'Paused', 'Quarantine', 'NotRun', 'NotConfigured'] as const;
export type JobStatusCode = (typeof JOB_STATUS_CODES)[number];

/** What a test or `hrsync simulator --job-status` sets. */
export interface JobSetting {
  status: JobStatusCode;
  /** Quarantine reason (default EncounteredQuarantineException). */
  quarantineReason?: string;
}

/** Roles that may read the job. */
export const JOB_READ_ROLES = ['Synchronization.Read.All', 'Synchronization.ReadWrite.All', 'Application.ReadWrite.OwnedBy'] as const;

/** The synchronizationJob body as Graph documents it, for the job's current setting. */
export function jobResource(
  jobId: string,
  setting: JobSetting,
  since: { began: number; changed: number },
  counts: { imported: number; exported: number; escrowed: number },
): Record<string, unknown> {
  const at = (ms: number): string => new Date(ms).toISOString();
  const quarantined = setting.status === 'Quarantine';
  return {
    id: jobId,
    templateId: 'API2AAD',
    schedule: { expiration: null, interval: 'PT40M', state: setting.status === 'Active' ? 'Active' : 'Disabled' },
    status: {
      code: setting.status,
      countSuccessiveCompleteFailures: 0,
      escrowsPruned: false,
      lastExecution: {
        activityIdentifier: null,
        countEntitled: 0,
        countEntitledForProvisioning: 0,
        countEscrowed: counts.escrowed,
        countEscrowedRaw: counts.escrowed,
        countExported: counts.exported,
        countExports: counts.exported,
        countImported: counts.imported,
        countImportedDeltas: 0,
        countImportedReferenceDeltas: 0,
        error: null,
        state: 'Succeeded',
        timeBegan: at(since.began),
        timeEnded: at(Math.max(since.began, since.changed)),
      },
      quarantine: quarantined
        ? {
            currentBegan: at(since.changed),
            nextAttempt: at(since.changed + 6 * 3_600_000),
            reason: setting.quarantineReason ?? 'EncounteredQuarantineException',
            seriesBegan: at(since.changed),
            seriesCount: 1,
            error: null,
          }
        : null,
      steadyStateFirstAchievedTime: at(since.began),
      steadyStateLastAchievedTime: at(since.began),
      troubleshootingUrl: null,
      progress: [],
    },
    synchronizationJobSettings: [],
  };
}

/** Every bulkUpload call of the last 24 hours, against a quota. */
export class DailyQuota {
  private readonly calls: number[] = [];

  constructor(private readonly quota: number) {}

  /** Counts the call at `now`, or says how many seconds until the oldest call of the day frees one. */
  take(now: number): { allowed: true } | { allowed: false; retryAfterSeconds: number } {
    const day = 24 * 3_600_000;
    while (this.calls.length > 0 && (this.calls[0] as number) <= now - day) this.calls.shift();
    if (this.calls.length < this.quota) {
      this.calls.push(now);
      return { allowed: true };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(((this.calls[0] as number) + day - now) / 1000)) };
  }

  /** Calls counted in the last 24 hours. */
  used(now: number): number {
    return this.calls.filter((t) => t > now - 24 * 3_600_000).length;
  }
}
