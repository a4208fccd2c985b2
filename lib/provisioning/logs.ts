// Reading provisioning logs: the query URL for a job and time range, and paging through
// @odata.nextLink. The HTTP side is a function passed in, so paging is tested without a server.

import type { ProvisioningLogEntry, ProvisioningStatus } from './log-entry.js';

export interface ProvisioningLogQuery {
  /** Entries at or after this instant. */
  since: Date;
  /** Entries before this instant. */
  until?: Date;
  /** Only this record (sourceIdentity/id). */
  externalId?: string;
  /** Only entries with this status (filtered here: the v1.0 filter on status is not documented). */
  status?: ProvisioningStatus;
  /** Page size hint ($top). */
  pageSize?: number;
}

/** Fetches one page (absolute URL) and returns its parsed JSON body. */
export type PageFetcher = (url: string) => Promise<unknown>;

function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function odataInstant(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new RangeError('Provisioning log query needs valid dates');
  return date.toISOString();
}

/** The first-page URL for a job's provisioning logs: `$filter=jobid eq '…' and activityDateTime gt …`. */
export function provisioningLogsUrl(graphUrl: string, jobId: string, query: ProvisioningLogQuery): string {
  // The list API documents eq, contains, gt and lt (not ge), so "at or after since" is "after since - 1 ms".
  const clauses = [`jobid eq ${odataString(jobId)}`, `activityDateTime gt ${odataInstant(new Date(query.since.getTime() - 1))}`];
  if (query.until !== undefined) clauses.push(`activityDateTime lt ${odataInstant(query.until)}`);
  if (query.externalId !== undefined) clauses.push(`sourceIdentity/id eq ${odataString(query.externalId)}`);
  const params = new URLSearchParams({ $filter: clauses.join(' and ') });
  if (query.pageSize !== undefined) params.set('$top', String(query.pageSize));
  // URLSearchParams writes spaces as '+', which OData servers do not all read as spaces.
  return `${graphUrl}/auditLogs/provisioning?${params.toString().replace(/\+/g, '%20')}`;
}

function isEntry(value: unknown): value is ProvisioningLogEntry {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v['id'] === 'string' && typeof v['activityDateTime'] === 'string';
}

/** Yields every entry from `firstUrl` onwards, following @odata.nextLink until absent; optionally keeps one status. */
export async function* pageProvisioningLogs(firstUrl: string, fetchPage: PageFetcher, status?: ProvisioningStatus): AsyncGenerator<ProvisioningLogEntry> {
  const seen = new Set<string>();
  let url: string | undefined = firstUrl;
  while (url !== undefined) {
    if (seen.has(url)) throw new Error('Provisioning log paging looped: the same @odata.nextLink came back twice');
    seen.add(url);
    const body = await fetchPage(url);
    if (typeof body !== 'object' || body === null || !Array.isArray((body as { value?: unknown }).value)) {
      throw new Error('Provisioning log page has no "value" array');
    }
    for (const item of (body as { value: unknown[] }).value) {
      if (!isEntry(item)) continue;
      if (status !== undefined && item.provisioningStatusInfo?.status !== status) continue;
      yield item;
    }
    const next: unknown = (body as Record<string, unknown>)['@odata.nextLink'];
    url = typeof next === 'string' && next !== '' ? next : undefined;
  }
}
