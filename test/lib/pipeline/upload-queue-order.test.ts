// A batch that reaches upload ahead of its managers' batch — concurrent sends leave ingest's batches
// slightly out of order on the queue — must not wait for managers that cannot come while it holds
// its slot (a host with newBatchThreshold 0, as host.json had it, fetches nothing until its
// invocations have returned), nor go back whole behind the batches that wait for its own records:
// each of them would wait and go back in turn, and the queue would go round two messages per wait
// (bench:pipeline, 20,000 rows with each step ordered by partition: 72 of 400 requests sent, then
// nothing for over ten minutes). No upload holds those managers, so it takes them along.
import { describe, expect, it } from 'vitest';
import { decodeOperations, encodeBatch } from '../../../lib/pipeline/messages.js';
import type { OperationMessage } from '../../../lib/pipeline/messages.js';
import type { UploadDeps } from '../../../lib/pipeline/ports.js';
import { uploadOperations } from '../../../lib/pipeline/upload.js';
import { InFlightRecords } from '../../../lib/pipeline/in-flight.js';
import type { BulkRequest } from '../../../lib/scim/types.js';
import { captureLogger } from '../provisioning/fakes.js';
import { MemoryLedger, MemoryQueue } from './memory.js';
import { managedOp, seedPeopleRun } from './people-run.js';

const NOW = Date.parse('2026-12-06T03:00:00.300Z');
const RUN = 'r-queue-order';
const range = (from: number, to: number, prefix: string): string[] => Array.from({ length: to - from }, (_, i) => `${prefix}${from + i}`);

describe('upload of a batch that is ahead of its managers on the queue', () => {
  it('delays only itself: the batches behind it that wait for its records neither wait long nor go round the queue', async () => {
    // M0..M49 lead R0..R49 (M0..M4 manage ten each); R0..R49 lead the D batches, each holding a report of every R.
    const people = new Map<string, string | undefined>();
    for (const id of range(0, 50, 'M')) people.set(id, undefined);
    for (let i = 0; i < 50; i++) people.set(`R${i}`, `M${i % 5}`);
    const dBatches = 8;
    for (let i = 0; i < 50 * dBatches; i++) people.set(`D${i}`, `R${i % 50}`);

    let now = NOW;
    const queue = new MemoryQueue(() => now);
    const ledger = new MemoryLedger();
    const ids = await seedPeopleRun(ledger, RUN, people, { at: NOW });

    const requests: BulkRequest[] = [];
    const naps: number[] = [];
    const gathered: OperationMessage[] = [];
    const send = queue.send.bind(queue);
    queue.send = async (text, options) => {
      gathered.push(...decodeOperations(text).filter((m) => (m.gathered ?? 0) > 0));
      await send(text, options);
    };
    const inFlight = new InFlightRecords();
    const d: UploadDeps = {
      ledger,
      queue,
      inFlight,
      logger: captureLogger(),
      clock: { now: () => new Date(now) },
      sleep: async (ms) => {
        naps.push(ms);
        now += ms;
      },
      client: {
        uploadBulkRequest: async (request: BulkRequest) => {
          requests.push(request);
          return { requestId: `q${requests.length}`, calls: 1 };
        },
      } as never,
    };
    const batch = (list: string[]): string => {
      const [text, ...more] = encodeBatch(list.map((id) => ({ v: 1, runId: RUN, externalId: id, line: ids.indexOf(id) + 2, attempt: 1, op: managedOp(id, people.get(id)) })));
      expect(more).toEqual([]);
      return text as string;
    };
    // The reports' batch landed just ahead of their managers'.
    await queue.send(batch(range(0, 50, 'R')));
    await queue.send(batch(range(0, 50, 'M')));
    for (let b = 0; b < dBatches; b++) await queue.send(batch(range(b * 50, b * 50 + 50, 'D')));

    // One invocation at a time, in queue order, as the host gives them out while a slot is held.
    for (let turn = 0; turn < 100 && queue.messages.length > 0; turn++) {
      const [m] = await queue.receive(1, 600);
      if (m === undefined) {
        now = Math.min(...queue.messages.map((x) => x.visibleAt));
        continue;
      }
      await uploadOperations(m.text, d);
      await queue.delete(m);
    }
    expect(queue.messages).toEqual([]);

    // Everyone went once, each after their manager.
    const sent = requests.flatMap((r, n) => r.Operations.map((o, k) => ({ id: o.bulkId as string, at: n * 100 + k })));
    expect(sent.map((s) => s.id).sort()).toEqual([...ids].sort());
    const at = new Map(sent.map((s) => [s.id, s.at]));
    for (const [id, manager] of people) if (manager !== undefined) expect(at.get(id) as number).toBeGreaterThan(at.get(manager) as number);
    // Nothing went back to wait behind the others, and nothing waited for managers no upload held.
    expect(gathered).toEqual([]);
    expect(naps).toEqual([]);
    expect(inFlight.count).toBe(0);
  });
});
