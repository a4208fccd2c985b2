// Shared helpers for the simulator tests: tokens, bulk bodies and waiting for the log.
import type { Simulator } from '../../../tools/simulator/index.js';
import { BULK_REQUEST_SCHEMA, CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA } from '../../../lib/scim/schemas.js';

/** A Graph token from the managed-identity endpoint (the quickest way to one). */
export async function graphToken(sim: Simulator, resource = 'https://graph.microsoft.com'): Promise<string> {
  const url = `${sim.settings.IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=${encodeURIComponent(resource)}`;
  const res = await fetch(url, { headers: { 'X-IDENTITY-HEADER': sim.settings.IDENTITY_HEADER as string } });
  if (res.status !== 200) throw new Error(`token request failed with ${res.status}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** The bulkUpload URL of the simulator's job. */
export function bulkUploadUrl(sim: Simulator, version = 'v1.0'): string {
  const s = sim.settings;
  return `${sim.url}/${version}/servicePrincipals/${s.HRSYNC_SERVICE_PRINCIPAL_ID}/synchronization/jobs/${s.HRSYNC_JOB_ID}/bulkUpload`;
}

/** A bulk operation for one user. */
export function userOp(externalId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    method: 'POST',
    bulkId: `b-${externalId}`,
    path: '/Users',
    data: { schemas: [CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA], externalId, active: true, displayName: `Test ${externalId}`, ...extra },
  };
}

/** A user operation naming its manager. */
export function userWithManager(externalId: string, managerId: string): Record<string, unknown> {
  return userOp(externalId, { [ENTERPRISE_USER_SCHEMA]: { manager: { value: managerId } } });
}

/** A BulkRequest body around the operations. */
export function bulkBody(operations: unknown[]): Record<string, unknown> {
  return { schemas: [BULK_REQUEST_SCHEMA], Operations: operations, failOnErrors: null };
}

/** POSTs a bulk request with the right content type unless told otherwise. */
export function upload(sim: Simulator, token: string, body: unknown, init: { contentType?: string; url?: string } = {}): Promise<Response> {
  return fetch(init.url ?? bulkUploadUrl(sim), {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': init.contentType ?? 'application/scim+json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export interface LogEntry {
  id: string;
  activityDateTime: string;
  jobId: string;
  provisioningAction: string;
  sourceIdentity: { id: string; displayName: string };
  targetIdentity: { id: string };
  modifiedProperties: Array<{ displayName: string; oldValue: string | null; newValue: string | null }>;
  provisioningSteps: Array<{ provisioningStepType: string; status: string }>;
  provisioningStatusInfo: { status: string; errorInformation: { errorCode: string; reason: string; errorCategory: string } | null };
}

/** GETs the provisioning logs (a full URL, or a query appended to the v1.0 list URL). */
export async function readLogs(sim: Simulator, token: string, urlOrQuery = ''): Promise<{ status: number; body: { value: LogEntry[]; '@odata.nextLink'?: string } }> {
  const url = urlOrQuery.startsWith('https://') ? urlOrQuery : `${sim.url}/v1.0/auditLogs/provisioning${urlOrQuery}`;
  const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as { value: LogEntry[] } };
}

/** Polls until the log holds at least `count` entries for the job, then returns them all. */
export async function waitForLog(sim: Simulator, token: string, count: number): Promise<LogEntry[]> {
  for (;;) {
    const all: LogEntry[] = [];
    let next: string | undefined = `${sim.url}/v1.0/auditLogs/provisioning?$filter=${encodeURIComponent(`jobid eq '${sim.settings.HRSYNC_JOB_ID}'`)}`;
    while (next !== undefined) {
      const page = await readLogs(sim, token, next);
      all.push(...page.body.value);
      next = page.body['@odata.nextLink'];
    }
    if (all.length >= count) return all;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
