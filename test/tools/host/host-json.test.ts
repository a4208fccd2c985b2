import { describe, expect, it } from 'vitest';
import { readHostJson, timeSpanMs } from '../../../tools/host/host-json.js';

describe('readHostJson', () => {
  it("uses the host's defaults when host.json says nothing", () => {
    const o = readHostJson({ version: '2.0' });
    expect(o).toMatchObject({ batchSize: 16, newBatchThreshold: 8, maxDequeueCount: 5, visibilityTimeoutSeconds: 0, messageEncoding: 'base64' });
    expect(o.functionTimeoutMs).toBeUndefined();
    expect(o.maxPollingIntervalMs).toBeLessThanOrEqual(2000);
  });

  it("reads the repository's host.json from its path", () => {
    const o = readHostJson('host.json');
    expect(o).toMatchObject({
      batchSize: 2,
      newBatchThreshold: 2,
      maxDequeueCount: 5,
      visibilityTimeoutSeconds: 30,
      messageEncoding: 'base64',
      blobParallelism: 2,
      functionTimeoutMs: 600_000,
    });
  });

  it('caps batchSize at 32, polling at two seconds locally, and rejects an unknown encoding', () => {
    const o = readHostJson({ extensions: { queues: { batchSize: 64, maxPollingInterval: '00:01:00', messageEncoding: 'none' } } });
    expect(o).toMatchObject({ batchSize: 32, newBatchThreshold: 16, maxPollingIntervalMs: 2000, messageEncoding: 'none' });
    expect(() => readHostJson({ extensions: { queues: { messageEncoding: 'utf8' } } })).toThrow(/messageEncoding/);
  });

  it('reads TimeSpans with days and fractions; -1 (no limit) is no TimeSpan', () => {
    expect(timeSpanMs('00:00:01.5')).toBe(1500);
    expect(timeSpanMs('1.00:00:00')).toBe(86_400_000);
    expect(timeSpanMs('-1')).toBeUndefined();
    expect(readHostJson({ functionTimeout: '-1' }).functionTimeoutMs).toBeUndefined();
  });
});
