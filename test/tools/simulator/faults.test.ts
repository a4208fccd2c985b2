import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pickRequestFault } from '../../../tools/simulator/faults.js';
import { startSimulator } from '../../../tools/simulator/index.js';
import type { Simulator } from '../../../tools/simulator/index.js';
import { bulkBody, graphToken, upload, userOp } from './helpers.js';

describe('pickRequestFault', () => {
  it('maps a draw onto the shares in a fixed order', () => {
    const faults = { throttleShare: 0.1, error500Share: 0.1, error503Share: 0.1, bucketFullShare: 0.1, dropShare: 0.1 };
    expect([0.05, 0.15, 0.25, 0.35, 0.45, 0.55].map((d) => pickRequestFault(faults, d))).toEqual(['throttle', 'error500', 'error503', 'bucketFull', 'drop', undefined]);
    expect(pickRequestFault({}, 0)).toBeUndefined();
  });
});

describe('injected faults on bulkUpload', () => {
  let sim: Simulator;
  let token: string;

  beforeAll(async () => {
    sim = await startSimulator({ processingDelayMs: 20, rateLimit: false });
    token = await graphToken(sim);
  });
  afterAll(() => sim.close());

  async function errorOf(res: Response): Promise<{ code: string; message: string }> {
    return ((await res.json()) as { error: { code: string; message: string } }).error;
  }

  it('answers 429 with the configured Retry-After', async () => {
    sim.setFaults({ throttleShare: 1, retryAfterSeconds: 7 });
    const res = await upload(sim, token, bulkBody([userOp('T1')]));
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(sim.stats().perRecordSends.has('T1')).toBe(false);
  });

  it('answers 429 without Retry-After when it is null', async () => {
    sim.setFaults({ throttleShare: 1, retryAfterSeconds: null });
    const res = await upload(sim, token, bulkBody([userOp('T2')]));
    expect(res.status).toBe(429);
    expect(res.headers.has('retry-after')).toBe(false);
  });

  it('answers 500, 503 and a bucket-full 500', async () => {
    sim.setFaults({ error500Share: 1 });
    const e500 = await upload(sim, token, bulkBody([userOp('T3')]));
    expect(e500.status).toBe(500);
    expect((await errorOf(e500)).message).not.toMatch(/bucket/i);
    sim.setFaults({ error503Share: 1 });
    expect((await upload(sim, token, bulkBody([userOp('T3')]))).status).toBe(503);
    sim.setFaults({ bucketFullShare: 1 });
    const full = await upload(sim, token, bulkBody([userOp('T3')]));
    expect(full.status).toBe(500);
    expect((await errorOf(full)).message).toMatch(/bucket .* is full/);
    expect(sim.stats().perRecordSends.has('T3')).toBe(false);
  });

  it('drops the connection without a response, and does not process the request', async () => {
    sim.setFaults({ dropShare: 1 });
    await expect(upload(sim, token, bulkBody([userOp('T4')]))).rejects.toThrow(TypeError);
    expect(sim.stats().perRecordSends.has('T4')).toBe(false);
  });

  it('delays responses by slowMs, so a client timeout shorter than that fires', async () => {
    sim.setFaults({ slowMs: 10_000 });
    const slow = fetch(`${sim.url}/v1.0/auditLogs/provisioning`, { headers: { Authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(100) });
    await expect(slow).rejects.toMatchObject({ name: 'TimeoutError' });
    sim.setFaults({});
    const fast = await fetch(`${sim.url}/v1.0/auditLogs/provisioning`, { headers: { Authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5_000) });
    expect(fast.status).toBe(200);
  });

  it('replays the same fault sequence for the same seed', async () => {
    const run = async (): Promise<number[]> => {
      sim.setFaults({ seed: 42, throttleShare: 0.3, error500Share: 0.2, error503Share: 0.2 });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await upload(sim, token, bulkBody([userOp(`Z${i}`)]))).status);
      return statuses;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    expect(new Set(first).size).toBeGreaterThan(1);
    sim.setFaults({});
  });

  it('counts throttles and faults', () => {
    const stats = sim.stats();
    expect(stats.throttled).toBeGreaterThanOrEqual(2);
    expect(stats.faults).toBeGreaterThanOrEqual(4);
  });

  it('refuses shares that add up to more than 1', () => {
    expect(() => sim.setFaults({ throttleShare: 0.6, error500Share: 0.6 })).toThrow(RangeError);
  });
});
