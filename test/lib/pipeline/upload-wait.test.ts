// Messages a closed gate turns away come back together: one return time per closure, so the uploads
// that take them send full requests rather than one record each.
import { describe, expect, it } from 'vitest';
import { encodeMessage } from '../../../lib/pipeline/messages.js';
import type { UploadDeps } from '../../../lib/pipeline/ports.js';
import { closureSpread, DEFAULT_UPLOAD_OPTIONS, uploadOperations } from '../../../lib/pipeline/upload.js';
import { captureLogger } from '../provisioning/fakes.js';
import { MemoryLedger, MemoryQueue } from './memory.js';

const NOW = Date.parse('2026-12-06T01:00:00Z');

function deps(closure: { why: 'budget' | 'job' | 'bucket-full'; until: number }) {
  const queue = new MemoryQueue(() => NOW);
  const d: UploadDeps = {
    ledger: new MemoryLedger(),
    queue,
    logger: captureLogger(),
    clock: { now: () => new Date(NOW) },
    client: {
      uploadBulkRequest: async () => {
        throw new Error('nothing may be sent while the gate is closed');
      },
    },
    gate: { closedHint: () => ({ open: false, why: closure.why, until: closure.until, detail: 'closed for the test', used: 0 }) },
  };
  return { d, queue };
}

const message = (i: number): string =>
  encodeMessage({
    v: 1,
    runId: 'r',
    externalId: `E${i}`,
    line: i + 2,
    attempt: 1,
    op: JSON.stringify({ method: 'POST', bulkId: `E${i}`, path: '/Users', data: { externalId: `E${i}` } }),
  });

describe('messages a closed gate turns away', () => {
  it('come back in the same second, within the spread after the gate opens', async () => {
    const until = NOW + 90_000;
    const { d, queue } = deps({ why: 'job', until });
    for (let i = 0; i < 40; i++) expect(await uploadOperations(message(i), d)).toBe('waiting');
    const times = new Set(queue.messages.map((m) => m.visibleAt));
    expect(queue.messages).toHaveLength(40);
    expect(times.size).toBe(1);
    const back = [...times][0] as number;
    expect(back).toBeGreaterThanOrEqual(until);
    expect(back).toBeLessThanOrEqual(until + (DEFAULT_UPLOAD_OPTIONS.waitJitterSeconds + 1) * 1000);
  });

  it('from different closures are spread apart', () => {
    const spreads = new Set(Array.from({ length: 20 }, (_, i) => closureSpread(`budget|${NOW + i * 60_000}`, 60)));
    expect(spreads.size).toBeGreaterThan(5);
    for (const s of spreads) expect(s).toBeGreaterThanOrEqual(0);
    for (const s of spreads) expect(s).toBeLessThanOrEqual(60);
    expect(closureSpread('job|1', 0)).toBe(0);
  });
});
