// A short request of a run still being ingested waits a moment for more of its messages, so a
// trickle from ingest goes out in full requests; retries, runs already ingested and messages that
// waited enough go at once.
import { describe, expect, it } from 'vitest';
import { encodeBatch, encodeMessage } from '../../../lib/pipeline/messages.js';
import type { OperationMessage } from '../../../lib/pipeline/messages.js';
import type { UploadDeps } from '../../../lib/pipeline/ports.js';
import { DEFAULT_UPLOAD_OPTIONS, uploadOperations } from '../../../lib/pipeline/upload.js';
import type { BulkRequest } from '../../../lib/scim/types.js';
import { captureLogger } from '../provisioning/fakes.js';
import { MemoryLedger, MemoryQueue } from './memory.js';

const NOW = Date.parse('2026-12-06T03:00:00.300Z');
const RUN = 'r-gather';
const op = (id: string): string => JSON.stringify({ method: 'POST', bulkId: id, path: '/Users', data: { externalId: id, active: true } });

async function world(n: number, opts: { ingested?: boolean; attempt?: number } = {}) {
  let now = NOW;
  const queue = new MemoryQueue(() => now);
  const ledger = new MemoryLedger();
  const requests: BulkRequest[] = [];
  await ledger.beginRun({ runId: RUN, file: 'c/f.csv', etag: 'e', startedAt: new Date(NOW).toISOString(), source: 'default', kind: 'full' });
  const ids = Array.from({ length: n }, (_, i) => `E${i}`);
  await ledger.addRecords(
    RUN,
    ids.map((id, i) => ({ externalId: id, line: i + 2, payload: op(id), payloadHash: id })),
  );
  if (opts.attempt === 2) {
    // Sent once and not confirmed in time: queued again for a second attempt.
    await ledger.markSubmitted(RUN, ids, { requestId: 'q0', at: new Date(NOW).toISOString() });
    for (const id of ids) await ledger.transition(RUN, id, { type: 'timed-out', reason: 'for the test', now: NOW });
  }
  if (opts.ingested === true) await ledger.finishIngest(RUN, { rows: n, valid: n, rejected: 0, at: new Date(NOW).toISOString() });
  const d: UploadDeps = {
    ledger,
    queue,
    logger: captureLogger(),
    clock: { now: () => new Date(now) },
    client: {
      uploadBulkRequest: async (request: BulkRequest) => {
        requests.push(request);
        return { requestId: `q${requests.length}`, calls: 1 };
      },
    } as never,
  };
  const message = (id: string, extra: Partial<OperationMessage> = {}): string =>
    encodeMessage({ v: 1, runId: RUN, externalId: id, line: 2, attempt: opts.attempt ?? 1, op: op(id), ...extra });
  return {
    d,
    queue,
    ledger,
    requests,
    ids,
    message,
    setNow: (t: number) => {
      now = t;
    },
  };
}

describe('upload of a run still being ingested', () => {
  it('puts a short request back to wait for more of its messages, on a shared grid, without a call', async () => {
    const w = await world(10);
    for (const id of w.ids.slice(1)) await w.queue.send(w.message(id));
    expect(await uploadOperations(w.message('E0'), w.d)).toBe('gathering');
    expect(w.requests).toHaveLength(0);
    // Every operation is back once, counted, in one message hidden until a moment on the grid.
    expect(w.queue.messages).toHaveLength(1);
    expect(w.queue.operations().map((m) => m.gathered)).toEqual(Array(10).fill(1));
    expect(new Set(w.queue.messages.map((m) => m.visibleAt)).size).toBe(1);
    const back = w.queue.messages[0]?.visibleAt as number;
    const step = DEFAULT_UPLOAD_OPTIONS.gatherSeconds * 1000;
    expect(back).toBeGreaterThanOrEqual(NOW + step);
    expect(back).toBeLessThanOrEqual(NOW + 2 * step + 1000);
    expect(w.queue.messages.every((m) => m.dequeueCount === 0)).toBe(true);
  });

  it('sends at once when the request is full', async () => {
    const w = await world(60);
    for (const id of w.ids.slice(1)) await w.queue.send(w.message(id));
    expect(await uploadOperations(w.message('E0'), w.d)).toBe('submitted');
    expect(w.requests.map((r) => r.Operations.length)).toEqual([50]);
  });

  it('two uploads a moment apart bring their messages back in the same second, and they go as one request', async () => {
    const w = await world(30);
    for (const id of w.ids.slice(1, 15)) await w.queue.send(w.message(id));
    expect(await uploadOperations(w.message('E0'), w.d)).toBe('gathering');
    w.setNow(NOW + 400);
    for (const id of w.ids.slice(16)) await w.queue.send(w.message(id));
    expect(await uploadOperations(w.message('E15'), w.d)).toBe('gathering');
    // Queue storage hides a message for whole seconds from now: both halves return within one second.
    const times = w.queue.messages.map((m) => m.visibleAt);
    expect(Math.max(...times) - Math.min(...times)).toBeLessThan(1000);
    // Ingest finishes; the messages come back and go out together.
    await w.ledger.finishIngest(RUN, { rows: 30, valid: 30, rejected: 0, at: new Date(NOW).toISOString() });
    w.setNow(Math.max(...times));
    const [first] = await w.queue.receive(1, 30);
    expect(await uploadOperations(first?.text, w.d)).toBe('submitted');
    expect(w.requests.map((r) => r.Operations.length)).toEqual([30]);
  });

  it('sends a batch that was full when taken and is short only because others already sent some of its records', async () => {
    // Another request took E0..E4 along as managers; their batch must not now go to the back of the
    // queue, behind the batches that wait for the rest of it.
    const w = await world(50);
    await w.ledger.markSubmitted(RUN, w.ids.slice(0, 5), { requestId: 'q0', at: new Date(NOW).toISOString() });
    const [batch] = encodeBatch(w.ids.map((id) => ({ v: 1, runId: RUN, externalId: id, line: 2, attempt: 1, op: op(id) })));
    expect(await uploadOperations(batch, w.d)).toBe('submitted');
    expect(w.requests.map((r) => r.Operations.length)).toEqual([45]);
    expect(w.queue.messages).toEqual([]);
  });

  it('sends a short request when the run is ingested, for a retry, and after the last wait', async () => {
    const ingested = await world(5, { ingested: true });
    expect(await uploadOperations(ingested.message('E0'), ingested.d)).toBe('submitted');
    expect(ingested.requests.map((r) => r.Operations.length)).toEqual([1]);

    const retry = await world(5, { attempt: 2 });
    expect(await uploadOperations(retry.message('E0'), retry.d)).toBe('submitted');

    const waited = await world(5);
    const last = DEFAULT_UPLOAD_OPTIONS.maxGathers;
    expect(await uploadOperations(waited.message('E0', { gathered: last - 1 }), waited.d)).toBe('gathering');
    expect(waited.requests).toHaveLength(0);
    waited.setNow(waited.queue.messages[0]?.visibleAt as number);
    // A request holding a message that has waited enough takes the others along rather than leave them behind.
    expect(await uploadOperations(waited.message('E1', { gathered: last }), waited.d)).toBe('submitted');
    expect(waited.requests.map((r) => r.Operations.map((o) => o.bulkId).sort())).toEqual([['E0', 'E1']]);
  });
});
