// The provisioning job's health as Graph reports it (synchronizationJob.status). Uploads go only
// to an Active job: a paused or quarantined job stages what it gets until its bucket is full,
// and a run that keeps sending into it only fills that bucket.

/** The job's state and, when quarantined, why and until when. */
export interface JobHealth {
  /** status.code: Active, Paused, Quarantine, NotRun, NotConfigured (others kept as sent). */
  code: string;
  quarantine?: { reason: string; currentBegan?: string; nextAttempt?: string; seriesCount?: number };
  lastExecution?: { state?: string; timeBegan?: string; timeEnded?: string; countImported?: number; countExported?: number; countEscrowed?: number };
  steadyStateLastAchievedTime?: string;
  /** When hrsync read it (ISO). */
  checkedAt: string;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const count = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function defined<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** Reads a synchronizationJob body; throws when it has no status code. */
export function parseJob(body: unknown, checkedAt: Date): JobHealth {
  const status = (body as { status?: Record<string, unknown> } | null)?.status;
  const code = text(status?.code);
  if (status === undefined || code === undefined) throw new Error('The synchronization job resource has no status.code');
  const q = status.quarantine as Record<string, unknown> | null | undefined;
  const e = status.lastExecution as Record<string, unknown> | null | undefined;
  const steady = text(status.steadyStateLastAchievedTime);
  return {
    code,
    ...(q === null || q === undefined || typeof q !== 'object'
      ? {}
      : { quarantine: defined({ reason: text(q.reason) ?? 'unknown', currentBegan: text(q.currentBegan), nextAttempt: text(q.nextAttempt), seriesCount: count(q.seriesCount) }) }),
    ...(e === null || e === undefined || typeof e !== 'object'
      ? {}
      : {
          lastExecution: defined({
            state: text(e.state),
            timeBegan: text(e.timeBegan),
            timeEnded: text(e.timeEnded),
            countImported: count(e.countImported),
            countExported: count(e.countExported),
            countEscrowed: count(e.countEscrowed),
          }),
        }),
    ...(steady === undefined ? {} : { steadyStateLastAchievedTime: steady }),
    checkedAt: checkedAt.toISOString(),
  };
}

/** Whether uploads may go to the job. */
export function jobAcceptsUploads(job: Pick<JobHealth, 'code'>): boolean {
  return job.code === 'Active';
}

/** One sentence on why a job takes no uploads, for reports and the CLI (no HR data in it). */
export function describeJob(job: JobHealth): string {
  if (job.code === 'Quarantine') {
    const q = job.quarantine;
    return `the provisioning job is in quarantine${q === undefined ? '' : ` (${q.reason}${q.nextAttempt === undefined ? '' : `; the service tries again at ${q.nextAttempt}`})`}: ${jobRemedy(job)}`;
  }
  if (job.code === 'Paused') return `the provisioning job is paused: ${jobRemedy(job)}`;
  if (job.code === 'Active') return 'the provisioning job is active';
  return `the provisioning job is ${job.code}: ${jobRemedy(job)}`;
}

/** What a person does to make the job take uploads again (empty for an Active job). */
export function jobRemedy(job: Pick<JobHealth, 'code'>): string {
  if (job.code === 'Quarantine') return 'fix the cause, then start the job (Provisioning → Start, or POST …/jobs/{jobId}/start, which also clears the quarantine)';
  if (job.code === 'Paused') return 'start it in the provisioning app (Provisioning → Start provisioning) and uploads resume';
  if (job.code === 'Active') return '';
  return 'configure and start it in the provisioning app';
}
