import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANAGER_NOT_FOUND_ERROR_CODE, startSimulator } from '../../../tools/simulator/index.js';
import type { Simulator } from '../../../tools/simulator/index.js';
import { ENTERPRISE_USER_SCHEMA } from '../../../lib/scim/schemas.js';
import type { LogEntry } from './helpers.js';
import { bulkBody, graphToken, upload, userOp, userWithManager, waitForLog } from './helpers.js';

describe('processing accepted records', () => {
  let sim: Simulator;
  let token: string;
  let seen = 0;

  /** Uploads the operations and returns the log entries they produced. */
  async function send(ops: unknown[]): Promise<LogEntry[]> {
    const res = await upload(sim, token, bulkBody(ops));
    expect(res.status).toBe(202);
    const all = await waitForLog(sim, token, seen + ops.length);
    const fresh = all.slice(seen);
    seen = all.length;
    return fresh;
  }

  beforeAll(async () => {
    sim = await startSimulator({ processingDelayMs: 20, rateLimit: false });
    token = await graphToken(sim);
  });
  afterAll(() => sim.close());

  it('creates users it has not seen, in order, with the externalId as sourceIdentity.id', async () => {
    const entries = await send([userOp('E1', { title: 'Engineer' }), userOp('E2')]);
    expect(entries.map((e) => [e.sourceIdentity.id, e.provisioningAction, e.provisioningStatusInfo.status])).toEqual([
      ['E1', 'create', 'success'],
      ['E2', 'create', 'success'],
    ]);
    const user = sim.directory.get('E1');
    expect(user?.enabled).toBe(true);
    expect(user?.attributes.title).toBe('Engineer');
    expect(entries[0]?.targetIdentity.id).toBe(user?.id);
    expect(entries[0]?.jobId).toBe(sim.settings.HRSYNC_JOB_ID);
    expect(entries[0]?.modifiedProperties).toContainEqual({ displayName: 'title', oldValue: null, newValue: 'Engineer' });
  });

  it('updates only what changed, merging a partial record into the user', async () => {
    const [entry] = await send([userOp('E1', { [ENTERPRISE_USER_SCHEMA]: { department: 'Sales' } })]);
    expect(entry?.provisioningAction).toBe('update');
    expect(entry?.provisioningStatusInfo.status).toBe('success');
    expect(entry?.modifiedProperties).toEqual([{ displayName: `${ENTERPRISE_USER_SCHEMA}:department`, oldValue: null, newValue: 'Sales' }]);
    const user = sim.directory.get('E1');
    expect(user?.attributes.title).toBe('Engineer');
    expect(user?.attributes[ENTERPRISE_USER_SCHEMA]?.department).toBe('Sales');
    expect(Date.parse(user?.updatedDateTime ?? '')).toBeGreaterThanOrEqual(Date.parse(user?.createdDateTime ?? ''));
  });

  it('reports skipped when nothing changed', async () => {
    const [entry] = await send([userOp('E2')]);
    expect(entry?.provisioningStatusInfo.status).toBe('skipped');
    expect(entry?.modifiedProperties).toEqual([]);
  });

  it('disables the account for active:false', async () => {
    const [entry] = await send([userOp('E2', { active: false })]);
    expect(entry?.provisioningAction).toBe('disable');
    expect(entry?.modifiedProperties).toContainEqual({ displayName: 'accountEnabled', oldValue: 'true', newValue: 'false' });
    expect(sim.directory.get('E2')?.enabled).toBe(false);
  });

  it('fails a record whose manager is not provisioned, then succeeds once the manager exists', async () => {
    const [failed] = await send([userWithManager('E3', 'BOSS')]);
    expect(failed?.provisioningStatusInfo.status).toBe('failure');
    expect(failed?.provisioningStatusInfo.errorInformation?.errorCode).toBe(MANAGER_NOT_FOUND_ERROR_CODE);
    expect(failed?.provisioningSteps.find((s) => s.provisioningStepType === 'referenceResolution')?.status).toBe('failure');
    expect(sim.directory.has('E3')).toBe(false);

    // Manager first in the same request: records of a request are processed in order.
    const entries = await send([userOp('BOSS'), userWithManager('E3', 'BOSS')]);
    expect(entries.map((e) => e.provisioningStatusInfo.status)).toEqual(['success', 'success']);
    expect(sim.directory.get('E3')?.attributes[ENTERPRISE_USER_SCHEMA]?.manager?.value).toBe('BOSS');
  });

  it('applies record fault rules the given number of times', async () => {
    sim.setFaults({
      recordRules: [{ match: /7$/, times: 1, errorCode: 'SystemForCrossDomainIdentityManagementServiceIncompatible', reason: 'Transient failure injected', retryable: true }],
    });
    try {
      const first = await send([userOp('F7'), userOp('F8')]);
      expect(first.map((e) => e.provisioningStatusInfo.status)).toEqual(['failure', 'success']);
      expect(first[0]?.provisioningStatusInfo.errorInformation).toMatchObject({
        errorCode: 'SystemForCrossDomainIdentityManagementServiceIncompatible',
        reason: 'Transient failure injected',
        errorCategory: 'failure',
      });
      expect(sim.directory.has('F7')).toBe(false);
      const second = await send([userOp('F7')]);
      expect(second[0]?.provisioningStatusInfo.status).toBe('success');
      expect(sim.stats().faults).toBe(1);
      expect(sim.stats().perRecordSends.get('F7')).toBe(2);
    } finally {
      sim.setFaults({});
    }
  });

  it('can report a record as skipped out of scope by an exact-match rule', async () => {
    sim.setFaults({ recordRules: [{ match: 'S1', errorCode: 'EntrySynchronizationSkipped', reason: 'Out of scope', status: 'skipped', stepType: 'scoping' }] });
    try {
      const [entry] = await send([userOp('S1')]);
      expect(entry?.provisioningStatusInfo.status).toBe('skipped');
      expect(entry?.provisioningSteps.at(-1)).toMatchObject({ provisioningStepType: 'scoping', status: 'skipped' });
    } finally {
      sim.setFaults({});
    }
  });
});

describe('processing delays', () => {
  let sim: Simulator;
  afterAll(() => sim.close());

  it('shows nothing in the log before processing and log delay have passed', async () => {
    sim = await startSimulator({ processingDelayMs: 200, logDelayMs: 60_000, rateLimit: false });
    const token = await graphToken(sim);
    expect((await upload(sim, token, bulkBody([userOp('D1')]))).status).toBe(202);
    expect(sim.directory.has('D1')).toBe(false);
    while (!sim.directory.has('D1')) await new Promise((resolve) => setTimeout(resolve, 5));
    const res = await fetch(`${sim.url}/v1.0/auditLogs/provisioning`, { headers: { Authorization: `Bearer ${token}` } });
    expect(((await res.json()) as { value: unknown[] }).value).toEqual([]);
  });
});
