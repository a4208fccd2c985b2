import { describe, expect, it, vi } from 'vitest';
import { pageProvisioningLogs, provisioningLogsUrl } from '../../../lib/provisioning/logs.js';
import { entry } from './entries.js';

const GRAPH = 'https://graph.example/v1.0';

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('provisioningLogsUrl', () => {
  it('filters by job and time with documented operators, escaping literals', () => {
    const url = provisioningLogsUrl(GRAPH, "API2AAD.a'b", {
      since: new Date('2025-01-01T00:00:00.000Z'),
      until: new Date('2025-01-02T00:00:00.000Z'),
      externalId: "O'Brien-1",
      pageSize: 100,
    });
    expect(url.startsWith(`${GRAPH}/auditLogs/provisioning?`)).toBe(true);
    expect(url).not.toContain('+');
    const params = new URL(url).searchParams;
    expect(params.get('$filter')).toBe(
      "jobid eq 'API2AAD.a''b' and activityDateTime gt 2024-12-31T23:59:59.999Z and activityDateTime lt 2025-01-02T00:00:00.000Z and sourceIdentity/id eq 'O''Brien-1'",
    );
    expect(params.get('$top')).toBe('100');
  });

  it('rejects an invalid date', () => {
    expect(() => provisioningLogsUrl(GRAPH, 'j', { since: new Date('nope') })).toThrow(RangeError);
  });
});

describe('pageProvisioningLogs', () => {
  it('follows absolute @odata.nextLink until it is absent', async () => {
    const pages: Record<string, unknown> = {
      [`${GRAPH}/first`]: { value: [entry('A', 'success', '2025-01-01T00:00:00Z')], '@odata.nextLink': `${GRAPH}/auditLogs/provisioning?$skiptoken=2` },
      [`${GRAPH}/auditLogs/provisioning?$skiptoken=2`]: {
        value: [entry('B', 'failure', '2025-01-01T00:00:01Z'), { not: 'an entry' }],
        '@odata.nextLink': `${GRAPH}/auditLogs/provisioning?$skiptoken=3`,
      },
      [`${GRAPH}/auditLogs/provisioning?$skiptoken=3`]: { value: [entry('C', 'success', '2025-01-01T00:00:02Z')] },
    };
    const fetchPage = vi.fn(async (url: string) => pages[url]);
    const entries = await collect(pageProvisioningLogs(`${GRAPH}/first`, fetchPage));
    expect(entries.map((e) => e.sourceIdentity?.id)).toEqual(['A', 'B', 'C']);
    expect(fetchPage).toHaveBeenCalledTimes(3);
  });

  it('keeps only the requested status', async () => {
    const fetchPage = async () => ({ value: [entry('A', 'success', '2025-01-01T00:00:00Z'), entry('B', 'failure', '2025-01-01T00:00:00Z')] });
    const entries = await collect(pageProvisioningLogs(`${GRAPH}/first`, fetchPage, 'failure'));
    expect(entries.map((e) => e.sourceIdentity?.id)).toEqual(['B']);
  });

  it('stops a nextLink loop and a page without a value array', async () => {
    await expect(collect(pageProvisioningLogs(`${GRAPH}/p`, async () => ({ value: [], '@odata.nextLink': `${GRAPH}/p` })))).rejects.toThrow(/looped/);
    await expect(collect(pageProvisioningLogs(`${GRAPH}/p`, async () => ({ error: {} })))).rejects.toThrow(/no "value" array/);
  });
});
