// The job, the daily quota and upload pauses against the simulator: the real client reads the
// job's state, a job that is not Active stages uploads without processing them (and fills its
// bucket), the tenant's quota answers 429 past its calls, and a gate keeps the client from making
// calls the budget or the job would refuse.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError, BucketFullError, GateClosedError, ThrottledError } from '../../../lib/provisioning/errors.js';
import { DEFAULT_GATE_SETTINGS, StoredGate, memoryGateStore } from '../../../lib/provisioning/gate.js';
import type { Simulator } from '../../../tools/simulator/index.js';
import { startSimulator } from '../../../tools/simulator/index.js';
import { bulkOf, collect, setIdentityEndpoint, simClient, user, waitForEntries } from './simulator-client.js';

let sim: Simulator;
let restore: () => void;
beforeAll(async () => {
  sim = await startSimulator({ processingDelayMs: 5, bucketCapacity: 3 });
  restore = setIdentityEndpoint(sim);
});
afterAll(async () => {
  restore();
  await sim.close();
});

describe('the provisioning job', () => {
  it('reads Active, then Paused, then Quarantine with its reason and next attempt', async () => {
    sim.reset();
    const { client } = simClient(sim);
    expect((await client.getJob()).code).toBe('Active');
    sim.setJob({ status: 'Paused' });
    expect((await client.getJob()).code).toBe('Paused');
    sim.setJob({ status: 'Quarantine', quarantineReason: 'EncounteredEscrowProportionThreshold' });
    const q = await client.getJob();
    expect(q.code).toBe('Quarantine');
    expect(q.quarantine?.reason).toBe('EncounteredEscrowProportionThreshold');
    expect(Date.parse(q.quarantine?.nextAttempt ?? '')).toBeGreaterThan(Date.now());
    sim.setJob({ status: 'Active' });
  });

  it('names the permission when the identity may not read the job', async () => {
    sim.reset();
    sim.setPermissions(['SynchronizationData-User.Upload', 'AuditLog.Read.All']);
    try {
      const err = await simClient(sim)
        .client.getJob()
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AuthError);
      expect((err as AuthError).message).toContain('Synchronization.Read.All');
    } finally {
      sim.setPermissions(['SynchronizationData-User.Upload', 'AuditLog.Read.All', 'Synchronization.Read.All']);
    }
  });

  it('stages uploads while paused, answers "bucket full" once the bucket holds its capacity, and processes them when Active again', async () => {
    sim.reset();
    const { client } = simClient(sim, {}, { retry: { maxRetries: 0 } });
    const since = new Date(Date.now() - 1000);
    sim.setJob({ status: 'Paused' });
    for (const id of ['P1', 'P2', 'P3']) await client.uploadBulkRequest(bulkOf([user(id)]));
    await expect(client.uploadBulkRequest(bulkOf([user('P4')]))).rejects.toBeInstanceOf(BucketFullError);
    await new Promise((r) => setTimeout(r, 50));
    expect(await collect(client.queryProvisioningLogs({ since }))).toEqual([]);
    sim.setJob({ status: 'Active' });
    const entries = await waitForEntries(client, since, ['P1', 'P2', 'P3']);
    expect(entries.map((e) => e.sourceIdentity?.id).sort()).toEqual(['P1', 'P2', 'P3']);
  });
});

describe('the daily quota', () => {
  it('answers 429 past the quota, with a Retry-After of a day less what has passed', async () => {
    sim.reset();
    sim.setDailyQuota(2);
    try {
      const { client } = simClient(sim, {}, { retry: { maxThrottleWaitMs: 0 } });
      await client.uploadBulkRequest(bulkOf([user('Q1')]));
      await client.uploadBulkRequest(bulkOf([user('Q2')]));
      const err = await client.uploadBulkRequest(bulkOf([user('Q3')])).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ThrottledError);
      expect((err as ThrottledError).retryAfterMs).toBeGreaterThan(23 * 3_600_000);
      expect(sim.stats().accepted).toBe(2);
    } finally {
      sim.setDailyQuota(undefined);
    }
  });

  it('with a gate, the client makes no call the budget refuses, retries included', async () => {
    sim.reset();
    const gate = new StoredGate(memoryGateStore(), { ...DEFAULT_GATE_SETTINGS, dailyCalls: 3, reserve: 1 });
    sim.setFaults({ error503Share: 1 });
    const { client } = simClient(sim, { HRSYNC_MAX_RETRIES: '5' }, { gate });
    // Each retry of the 503 draws a call: two normal calls, then the budget says no.
    const err = await client.uploadBulkRequest(bulkOf([user('G1')])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GateClosedError);
    expect((err as GateClosedError).why).toBe('budget');
    expect(sim.stats().requests).toBe(2);
    sim.setFaults({});
    // The reserve is there for a disable or a retry.
    await client.uploadBulkRequest(bulkOf([user('G1')]), { callClass: 'reserved' });
    expect(sim.stats().accepted).toBe(1);
    await expect(client.uploadBulkRequest(bulkOf([user('G2')]), { callClass: 'reserved' })).rejects.toBeInstanceOf(GateClosedError);
    expect(sim.stats().requests).toBe(3);
    expect(await gate.view()).toMatchObject({ used: 3, left: 0 });
  });

  it('with a gate that knows the job is paused, the client calls nothing', async () => {
    sim.reset();
    const gate = new StoredGate(memoryGateStore(), DEFAULT_GATE_SETTINGS);
    const { client } = simClient(sim, {}, { gate });
    sim.setJob({ status: 'Paused' });
    await gate.noteJob(await client.getJob());
    const err = await client.uploadBulkRequest(bulkOf([user('J1')])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GateClosedError);
    expect((err as GateClosedError).detail).toContain('paused');
    expect(sim.stats().requests).toBe(0);
    sim.setJob({ status: 'Active' });
    await gate.noteJob(await client.getJob());
    await client.uploadBulkRequest(bulkOf([user('J1')]));
    expect(sim.stats().accepted).toBe(1);
  });
});
