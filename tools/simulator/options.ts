// What a test or the quick start can ask of the simulator, and the defaults that mirror the
// documented service (see docs/settings.md and /work/shared/provisioning-api.md).
import type { JobSetting } from './job.js';
import { JOB_STATUS_CODES } from './job.js';

/** A per-record failure: records whose externalId matches fail in processing, `times` times each (default: every time). */
export interface RecordFaultRule {
  /** A RegExp tested against the externalId, or an exact externalId. */
  match: RegExp | string;
  times?: number;
  errorCode: string;
  reason: string;
  /** Informational: sets errorCategory (`failure` when retryable, else `nonServiceFailure`) and the recommendedAction text. */
  retryable?: boolean;
  /** Status of the log entry; default `failure` (`skipped` with stepType `scoping` simulates an out-of-scope record). */
  status?: 'failure' | 'skipped' | 'warning';
  /** Which provisioning step reports the problem; default `export`. */
  stepType?: 'import' | 'scoping' | 'matching' | 'processing' | 'referenceResolution' | 'export';
  additionalDetails?: string;
}

export interface FaultOptions {
  /** Shares (0..1) of bulkUpload requests answered with an injected fault instead of being accepted. */
  throttleShare?: number;
  error500Share?: number;
  error503Share?: number;
  /** The connection is destroyed without any response; the request is not processed. */
  dropShare?: number;
  /** Added latency before every response. */
  slowMs?: number;
  /** Retry-After on injected 429s; null omits the header, which the real service sometimes does. Default 1. */
  retryAfterSeconds?: number | null;
  /** 500 answers saying the job's bucket is full. */
  bucketFullShare?: number;
  recordRules?: RecordFaultRule[];
  /** Makes the fault draws repeatable. */
  seed?: number;
}

export interface SimulatorOptions {
  /** 0 = an ephemeral port (default); the server listens on 127.0.0.1 only. */
  port?: number;
  /** PEM strings; when absent the cached simulator certificate is used (created on first use). */
  tls?: { cert: string; key: string; caCertPath?: string };
  servicePrincipalId?: string;
  jobId?: string;
  tenantId?: string;
  clientId?: string;
  /** The app registration's current secret (also stored in the vault under secretName). Default: random. */
  clientSecret?: string;
  /** Default 'hrsync-client-secret'. */
  secretName?: string;
  /** PEM certificates whose private keys may sign client assertions for clientId. */
  clientCertificates?: string[];
  /** More vault secrets, by name (e.g. a PEM certificate + key for client-certificate mode). */
  vaultSecrets?: Record<string, string>;
  /** Client id of a user-assigned managed identity the MSI endpoint also answers for (system-assigned always works). */
  managedIdentityClientId?: string;
  /** Roles granted to tokens issued from now on. Default: upload, AuditLog.Read.All, Synchronization.Read.All and Synchronization.ReadWrite.All (the schema). */
  permissions?: string[];
  /** Lifetime of issued tokens. Default 3600. */
  tokenLifetimeSeconds?: number;
  /** Delay before an accepted request's records are processed. Default 2000. */
  processingDelayMs?: number;
  /** Extra delay before a processed record's log entry becomes visible. Default 0. */
  logDelayMs?: number;
  /** Sliding window per job. Default 40 requests per 5 s; false disables it. */
  rateLimit?: { requests: number; windowSeconds: number } | false;
  /** Provisioning logs page size; $top is honoured up to it. Default 100. */
  pageSize?: number;
  faults?: FaultOptions;
  /** The job's state at start (default Active); Simulator.setJob changes it. */
  job?: JobSetting;
  /** bulkUpload calls allowed per sliding 24 hours; beyond it a 429 until the oldest call frees. Default: no quota. */
  dailyQuota?: number;
  /** Requests a job that is not Active stages before it answers "bucket full". Default 100. */
  bucketCapacity?: number;
  /** Prints one line per request (method, path without query, status). Off by default. */
  requestLog?: boolean | ((line: string) => void);
  /** Where the cached certificate lives (default os.tmpdir()/hrsync-simulator). */
  certificateDir?: string;
}

/** Roles an upload needs; either is enough (the OwnedBy variant when the app owns the provisioning app). */
export const UPLOAD_ROLES = ['SynchronizationData-User.Upload', 'SynchronizationData-User.Upload.OwnedBy'] as const;
/** Roles that may read the provisioning job. */
export { JOB_READ_ROLES } from './job.js';
/** Roles that may read provisioning logs. */
export const LOG_READ_ROLES = ['ProvisioningLog.Read.All', 'AuditLog.Read.All'] as const;

// Synchronization.ReadWrite.All is optional in a real grant (only `hrsync schema apply` needs it); granted here so the quick start can try it.
export const DEFAULT_PERMISSIONS = ['SynchronizationData-User.Upload', 'AuditLog.Read.All', 'Synchronization.Read.All', 'Synchronization.ReadWrite.All'];

/** Throws for a job state the service does not have. */
export function validateJob(job: JobSetting): void {
  if (!(JOB_STATUS_CODES as readonly string[]).includes(job.status)) throw new RangeError(`job status must be one of ${JOB_STATUS_CODES.join(', ')}`);
}
export const DEFAULT_SERVICE_PRINCIPAL_ID = '5f6c0b2e-9a43-4d1e-8b7a-2c4f1e0d9a10';
export const DEFAULT_JOB_ID = 'API2AAD.0f4e7a1c2b3d4e5f6a7b8c9d0e1f2a3b.5f6c0b2e-9a43-4d1e-8b7a-2c4f1e0d9a10';
export const DEFAULT_TENANT_ID = '7d0a2c1e-3b4f-4a5d-9e6f-8a1b2c3d4e5f';
export const DEFAULT_CLIENT_ID = 'c2a6e1f0-4d3b-4b8a-9f2e-1a0b9c8d7e6f';
export const DEFAULT_SECRET_NAME = 'hrsync-client-secret';

/** Options with every default filled in. */
export interface ResolvedOptions {
  port: number;
  servicePrincipalId: string;
  jobId: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  secretName: string;
  clientCertificates: string[];
  vaultSecrets: Record<string, string>;
  managedIdentityClientId: string | undefined;
  permissions: string[];
  tokenLifetimeSeconds: number;
  processingDelayMs: number;
  logDelayMs: number;
  rateLimit: { requests: number; windowSeconds: number } | false;
  pageSize: number;
  faults: FaultOptions;
  job: JobSetting;
  dailyQuota: number | undefined;
  bucketCapacity: number;
  requestLog: ((line: string) => void) | undefined;
}

/** Fills in defaults and rejects values the simulator could not honour. */
export function resolveOptions(o: SimulatorOptions, randomSecret: () => string): ResolvedOptions {
  const rateLimit = o.rateLimit === undefined ? { requests: 40, windowSeconds: 5 } : o.rateLimit;
  if (rateLimit !== false && (!(rateLimit.requests >= 1) || !(rateLimit.windowSeconds > 0))) {
    throw new RangeError('rateLimit needs requests >= 1 and windowSeconds > 0');
  }
  const pageSize = o.pageSize ?? 100;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new RangeError('pageSize must be a positive integer');
  validateFaults(o.faults ?? {});
  if (o.job !== undefined) validateJob(o.job);
  if (o.dailyQuota !== undefined && !(Number.isInteger(o.dailyQuota) && o.dailyQuota >= 0)) throw new RangeError('dailyQuota must be a whole number >= 0');
  if (o.bucketCapacity !== undefined && !(Number.isInteger(o.bucketCapacity) && o.bucketCapacity >= 1)) throw new RangeError('bucketCapacity must be a whole number >= 1');
  const log = o.requestLog;
  return {
    port: o.port ?? 0,
    servicePrincipalId: o.servicePrincipalId ?? DEFAULT_SERVICE_PRINCIPAL_ID,
    jobId: o.jobId ?? DEFAULT_JOB_ID,
    tenantId: o.tenantId ?? DEFAULT_TENANT_ID,
    clientId: o.clientId ?? DEFAULT_CLIENT_ID,
    clientSecret: o.clientSecret ?? randomSecret(),
    secretName: o.secretName ?? DEFAULT_SECRET_NAME,
    clientCertificates: [...(o.clientCertificates ?? [])],
    vaultSecrets: { ...(o.vaultSecrets ?? {}) },
    managedIdentityClientId: o.managedIdentityClientId,
    permissions: [...(o.permissions ?? DEFAULT_PERMISSIONS)],
    tokenLifetimeSeconds: o.tokenLifetimeSeconds ?? 3600,
    processingDelayMs: o.processingDelayMs ?? 2000,
    logDelayMs: o.logDelayMs ?? 0,
    rateLimit,
    pageSize,
    faults: { ...(o.faults ?? {}) },
    job: { ...(o.job ?? { status: 'Active' }) },
    dailyQuota: o.dailyQuota,
    bucketCapacity: o.bucketCapacity ?? 100,
    requestLog: log === true ? (line) => console.log(line) : log === false ? undefined : log,
  };
}

/** Throws when a share is outside 0..1 or the shares add up to more than 1. */
export function validateFaults(f: FaultOptions): void {
  const shares = [f.throttleShare, f.error500Share, f.error503Share, f.dropShare, f.bucketFullShare];
  let total = 0;
  for (const share of shares) {
    if (share === undefined) continue;
    if (!(share >= 0 && share <= 1)) throw new RangeError('fault shares must be between 0 and 1');
    total += share;
  }
  if (total > 1 + 1e-9) throw new RangeError('fault shares add up to more than 1');
  if (f.retryAfterSeconds !== undefined && f.retryAfterSeconds !== null && !(f.retryAfterSeconds >= 0)) {
    throw new RangeError('retryAfterSeconds must be >= 0 or null');
  }
}
