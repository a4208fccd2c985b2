// The failure share in `hrsync sync`: past 20% of at least 200 outcomes (reference failures aside)
// the sync sends nothing more; what it had not sent ends held, and the report says why.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openExtractFile } from '../../../lib/extract/index.js';
import { loadMappingFile } from '../../../lib/mapping/load.js';
import type { Mapping } from '../../../lib/mapping/types.js';
import { DEFAULT_SYNC_OPTIONS, syncExtract } from '../../../lib/sync/sync.js';
import type { SyncOptions } from '../../../lib/sync/sync.js';
import type { Simulator } from '../../../tools/simulator/index.js';
import { startSimulator } from '../../../tools/simulator/index.js';
import { captureLogger } from '../provisioning/fakes.js';
import { setIdentityEndpoint, simClient } from '../provisioning/simulator-client.js';

const OPTIONS: SyncOptions = {
  ...DEFAULT_SYNC_OPTIONS,
  retryDelayMs: 50,
  maxRetryDelayMs: 200,
  pollIntervalMs: 100,
  timeoutMs: 30_000,
  logLagMs: 5_000,
  clockSkewMs: 1_000,
  logPageSize: 500,
  inFlight: 1,
};

let sim: Simulator;
let restore: () => void;
let mapping: Mapping;
beforeAll(async () => {
  sim = await startSimulator({ processingDelayMs: 5, pageSize: 500 });
  restore = setIdentityEndpoint(sim);
  mapping = await loadMappingFile('samples/mapping.json');
});
afterAll(async () => {
  restore();
  await sim.close();
});

// Two requests a second: the logs show the first 200 outcomes while half of the extract is still to go.
const paced = () => simClient(sim, { HRSYNC_RATE_LIMIT_REQUESTS: '2', HRSYNC_RATE_LIMIT_WINDOW_SECONDS: '1' }).client;

describe('hrsync sync and the failure share', () => {
  it('stops sending once more than 20% of 200 outcomes failed, and holds the rest', async () => {
    sim.reset();
    sim.setFaults({ recordRules: [{ match: /[13579]$/, errorCode: 'AzureActiveDirectoryInvalidUserPrincipalName', reason: 'The userPrincipalName is not valid.' }] });
    const logger = captureLogger();
    const report = await syncExtract(await openExtractFile('samples/workers.csv'), mapping, { client: paced() }, OPTIONS, { onProblem: () => undefined, logger });

    expect(report.stopped).toMatchObject({ threshold: 'maxFailedPercent', limit: 20 });
    expect(report.outcomes.outcomes).toBeGreaterThanOrEqual(200);
    expect(report.outcomes.failures / report.outcomes.outcomes).toBeGreaterThan(0.2);
    const sent = sim.stats().perRecordSends;
    expect(sent.size).toBeLessThan(400);
    // Every record ends somewhere: sent ones confirmed or failed, the rest held, never lost.
    expect(report.confirmed + report.failed.length + report.held.length + report.notConfirmed.length).toBe(400);
    expect(report.held.length).toBeGreaterThanOrEqual(400 - sent.size);
    for (const h of report.held) if (!sent.has(h.externalId)) expect(h.attempts).toBe(0);
    const stop = logger.lines.find((l) => l.message === 'Run stopped: too many failures');
    expect(stop?.fields).toMatchObject({ limit: 20, notSent: expect.any(Number) as number });
  }, 60_000);

  it('goes on when the failures are under the share', async () => {
    sim.reset();
    // One in ten fails for good: 10%, under 20%.
    sim.setFaults({ recordRules: [{ match: /3$/, errorCode: 'AzureActiveDirectoryInvalidUserPrincipalName', reason: 'The userPrincipalName is not valid.' }] });
    const report = await syncExtract(await openExtractFile('samples/workers.csv'), mapping, { client: paced() }, OPTIONS, { onProblem: () => undefined });
    expect(report.stopped).toBeUndefined();
    expect(report.held).toEqual([]);
    expect(sim.stats().perRecordSends.size).toBe(400);
  }, 60_000);
});
