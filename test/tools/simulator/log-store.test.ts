import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../../../tools/simulator/index.js';
import type { Simulator } from '../../../tools/simulator/index.js';
import type { LogEntry } from './helpers.js';
import { bulkBody, graphToken, readLogs, upload, userOp, userWithManager, waitForLog } from './helpers.js';

describe('provisioning logs endpoint', () => {
  let sim: Simulator;
  let token: string;
  let all: LogEntry[];
  const jobFilter = (): string => `jobid eq '${sim.settings.HRSYNC_JOB_ID}'`;
  const q = (filter: string, extra = ''): string => `?$filter=${encodeURIComponent(filter)}${extra}`;

  beforeAll(async () => {
    sim = await startSimulator({ processingDelayMs: 20, rateLimit: false, pageSize: 4 });
    token = await graphToken(sim);
    // 7 entries: P0..P4 created, P5 fails (no manager), P0 skipped.
    expect((await upload(sim, token, bulkBody([0, 1, 2, 3, 4].map((i) => userOp(`P${i}`))))).status).toBe(202);
    await waitForLog(sim, token, 5);
    expect((await upload(sim, token, bulkBody([userWithManager('P5', 'NOBODY'), userOp('P0')]))).status).toBe(202);
    all = await waitForLog(sim, token, 7);
  });
  afterAll(() => sim.close());

  it('orders entries by activityDateTime ascending, with the documented fields', () => {
    expect(all.map((e) => e.sourceIdentity.id)).toEqual(['P0', 'P1', 'P2', 'P3', 'P4', 'P5', 'P0']);
    const times = all.map((e) => Date.parse(e.activityDateTime));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    const entry = all[0] as unknown as Record<string, unknown>;
    for (const field of [
      'id',
      'activityDateTime',
      'jobId',
      'cycleId',
      'changeId',
      'durationInMilliseconds',
      'provisioningAction',
      'sourceIdentity',
      'targetIdentity',
      'modifiedProperties',
      'provisioningSteps',
      'provisioningStatusInfo',
    ]) {
      expect(entry).toHaveProperty(field);
    }
    expect(entry.sourceIdentity).toMatchObject({ id: 'P0', identityType: 'User', details: {} });
  });

  it('pages by the page size and follows @odata.nextLink to the end', async () => {
    const first = await readLogs(sim, token, q(jobFilter()));
    expect(first.body.value).toHaveLength(4);
    const next = first.body['@odata.nextLink'] as string;
    expect(next.startsWith(`${sim.url}/v1.0/auditLogs/provisioning?`)).toBe(true);
    expect(new URL(next).searchParams.get('$skiptoken')).not.toBeNull();
    const second = await readLogs(sim, token, next);
    expect(second.body.value.map((e) => e.sourceIdentity.id)).toEqual(['P4', 'P5', 'P0']);
    expect(second.body['@odata.nextLink']).toBeUndefined();
  });

  it('honours $top up to the page size, keeping it in nextLink', async () => {
    const page = await readLogs(sim, token, q(jobFilter(), '&$top=2'));
    expect(page.body.value).toHaveLength(2);
    expect(new URL(page.body['@odata.nextLink'] as string).searchParams.get('$top')).toBe('2');
    const big = await readLogs(sim, token, '?$top=50');
    expect(big.body.value).toHaveLength(4);
  });

  it.each([
    ["statusInfo/status eq 'failure'", ['P5']],
    ["provisioningStatusInfo/status eq 'skipped'", ['P0']],
    ["sourceIdentity/id eq 'P3'", ['P3']],
  ])('filters with %s', async (clause, ids) => {
    const page = await readLogs(sim, token, q(`${jobFilter()} and ${clause}`));
    expect(page.status).toBe(200);
    expect(page.body.value.map((e) => e.sourceIdentity.id)).toEqual(ids);
  });

  it('filters on activityDateTime with ge, gt, le and lt', async () => {
    const pivot = (all[4] as LogEntry).activityDateTime;
    const ids = async (op: string): Promise<string[]> => {
      const first = await readLogs(sim, token, q(`${jobFilter()} and activityDateTime ${op} ${pivot}`, '&$top=4'));
      const rest = first.body['@odata.nextLink'] === undefined ? [] : (await readLogs(sim, token, first.body['@odata.nextLink'])).body.value;
      return [...first.body.value, ...rest].map((e) => e.sourceIdentity.id);
    };
    expect(await ids('ge')).toEqual(['P4', 'P5', 'P0']);
    expect(await ids('gt')).toEqual(['P5', 'P0']);
    expect(await ids('le')).toEqual(['P0', 'P1', 'P2', 'P3', 'P4']);
    expect(await ids('lt')).toEqual(['P0', 'P1', 'P2', 'P3']);
  });

  it('returns nothing for another job', async () => {
    const page = await readLogs(sim, token, q("jobid eq 'API2AAD.other'"));
    expect(page.body.value).toEqual([]);
  });

  it.each([["contains(jobid, 'API')"], ["jobid eq 'x' or jobid eq 'y'"], ["userPrincipalName eq 'x'"], ["activityDateTime ge 'not-a-date'"], ["jobid gt 'x'"]])(
    'answers 400 for the unsupported filter %s',
    async (filter) => {
      const page = await readLogs(sim, token, q(filter));
      expect(page.status).toBe(400);
    },
  );

  it('answers 400 for a made-up skiptoken and a bad $top', async () => {
    expect((await readLogs(sim, token, '?$skiptoken=bogus')).status).toBe(400);
    expect((await readLogs(sim, token, '?$top=0')).status).toBe(400);
  });

  it('needs AuditLog.Read.All or ProvisioningLog.Read.All', async () => {
    sim.setPermissions(['SynchronizationData-User.Upload']);
    const uploadOnly = await graphToken(sim);
    sim.setPermissions(['ProvisioningLog.Read.All']);
    const logReader = await graphToken(sim);
    const denied = await readLogs(sim, uploadOnly);
    expect(denied.status).toBe(403);
    expect(JSON.stringify(denied.body)).toContain('ProvisioningLog.Read.All');
    expect((await readLogs(sim, logReader)).status).toBe(200);
    expect((await fetch(`${sim.url}/v1.0/auditLogs/provisioning`)).status).toBe(401);
  });
});
