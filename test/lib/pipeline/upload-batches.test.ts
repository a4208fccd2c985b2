// Upload with batch messages: a batch is a request; what is not sent goes back as one message;
// a message is deleted only once every operation it carried is sent or back on the queue; and a
// batch whose managers are still unsent takes them along, except that it waits a few moments for
// managers an upload beside it holds rather than sending them a second time.
import { describe, expect, it } from 'vitest';
import { encodeBatch, encodeMessage } from '../../../lib/pipeline/messages.js';
import type { OperationMessage } from '../../../lib/pipeline/messages.js';
import type { UploadDeps } from '../../../lib/pipeline/ports.js';
import { DEFAULT_UPLOAD_OPTIONS, uploadOperations } from '../../../lib/pipeline/upload.js';
import { SentRecords } from '../../../lib/pipeline/sent-records.js';
import { InFlightRecords } from '../../../lib/pipeline/in-flight.js';
import type { BulkRequest } from '../../../lib/scim/types.js';
import { GateClosedError, ThrottledError } from '../../../lib/provisioning/errors.js';
import { captureLogger } from '../provisioning/fakes.js';
import { MemoryLedger, MemoryQueue } from './memory.js';
import { managedOp, seedPeopleRun } from './people-run.js';

const NOW = Date.parse('2026-12-06T03:00:00.300Z');
const RUN = 'r-batches';
/** A run of `people` (id → manager), ingested unless told otherwise, with a client that records requests. */
async function world(people: Record<string, string | undefined>, opts: { ingesting?: boolean } = {}) {
  let now = NOW;
  const queue = new MemoryQueue(() => now);
  const ledger = new MemoryLedger();
  const requests: BulkRequest[] = [];
  let fail: Error | undefined;
  const ids = await seedPeopleRun(ledger, RUN, new Map(Object.entries(people)), { at: NOW, ...opts });
  const naps: number[] = [];
  let onNap: () => Promise<void> = async () => undefined;
  const inFlight = new InFlightRecords();
  const d: UploadDeps = {
    ledger,
    queue,
    inFlight,
    logger: captureLogger(),
    clock: { now: () => new Date(now) },
    sleep: async (ms) => {
      naps.push(ms);
      await onNap();
    },
    client: {
      uploadBulkRequest: async (request: BulkRequest) => {
        if (fail !== undefined) throw fail;
        requests.push(request);
        return { requestId: `q${requests.length}`, calls: 1 };
      },
    } as never,
  };
  const m = (id: string): OperationMessage => ({ v: 1, runId: RUN, externalId: id, line: ids.indexOf(id) + 2, attempt: 1, op: managedOp(id, people[id]) });
  const batch = (list: string[]): string => {
    const [text, ...more] = encodeBatch(list.map(m));
    expect(more).toEqual([]);
    return text as string;
  };
  const sent = (): string[][] => requests.map((r) => r.Operations.map((o) => o.bulkId as string));
  return {
    d,
    queue,
    ledger,
    m,
    batch,
    sent,
    naps,
    inFlight,
    /** An upload beside holds these records, as when it took their message, until the function returned is called. */
    heldBeside: (list: string[]): (() => void) => {
      for (const id of list) inFlight.hold(RUN, id);
      return () => {
        for (const id of list) inFlight.release(RUN, id);
      };
    },
    setNow: (t: number) => {
      now = t;
    },
    failWith: (e: Error | undefined) => {
      fail = e;
    },
    whileNapping: (f: () => Promise<void>) => {
      onNap = f;
    },
  };
}

const range = (from: number, to: number, prefix = 'E'): string[] => Array.from({ length: to - from }, (_, i) => `${prefix}${from + i}`);

/** M0..M4, managing R0..R44, nine each (R<i> by M<i mod 5>). */
function managersOfReports(): Record<string, string | undefined> {
  const people: Record<string, string | undefined> = Object.fromEntries(range(0, 5, 'M').map((id) => [id, undefined]));
  for (let i = 0; i < 45; i++) people[`R${i}`] = `M${i % 5}`;
  return people;
}

describe('upload of batch messages', () => {
  it('sends a batch of 50 as one request without looking at the queue', async () => {
    const w = await world(Object.fromEntries(range(0, 60).map((id) => [id, undefined])));
    await w.queue.send(w.batch(range(50, 60)));
    expect(await uploadOperations(w.batch(range(0, 50)), w.d)).toBe('submitted');
    expect(w.sent()).toEqual([range(0, 50)]);
    // The other batch was not touched: no dequeue spent on it.
    expect(w.queue.messages.map((x) => x.dequeueCount)).toEqual([0]);
  });

  it('tops a short request up from a waiting batch, puts the rest of that batch back as one message, and deletes the batch once all of it is settled', async () => {
    const w = await world(Object.fromEntries(range(0, 51).map((id) => [id, undefined])));
    await w.queue.send(w.batch(range(1, 51)));
    expect(await uploadOperations(encodeMessage(w.m('E0')), w.d)).toBe('submitted');
    expect(w.sent()).toEqual([range(0, 50)]);
    // The batch is gone; its last operation waits alone, visible, as a fresh message.
    expect(w.queue.operations().map((o) => o.externalId)).toEqual(['E50']);
    expect(w.queue.messages.map((x) => x.dequeueCount)).toEqual([0]);
  });

  it('tops a short request up with as many messages as it needs, leaving the rest of the queue untouched and in its order', async () => {
    const w = await world(Object.fromEntries(range(0, 245).map((id) => [id, undefined])));
    for (let b = 0; b < 4; b++) await w.queue.send(w.batch(range(45 + b * 50, 95 + b * 50)));
    const before = w.queue.messages.map((x) => x.id);
    expect(await uploadOperations(w.batch(range(0, 45)), w.d)).toBe('submitted');
    expect(w.sent()).toEqual([range(0, 50)]);
    // The first batch gave five and its rest went back as one message; the batches behind it kept
    // their place and their dequeue count, rather than going back behind the rest as new messages.
    expect(w.queue.messages.slice(0, 3).map((x) => x.id)).toEqual(before.slice(1));
    expect(w.queue.messages.slice(0, 3).map((x) => x.dequeueCount)).toEqual([0, 0, 0]);
    expect(w.queue.operations().map((o) => o.externalId)).toEqual([...range(95, 245), ...range(50, 95)]);
  });

  it('when upload fails on its own side, the batch it was topping up from goes back whole: nothing is lost', async () => {
    const w = await world(Object.fromEntries(range(0, 51).map((id) => [id, undefined])));
    await w.queue.send(w.batch(range(1, 51)));
    w.failWith(new Error('ledger unreachable'));
    await expect(uploadOperations(encodeMessage(w.m('E0')), w.d)).rejects.toThrow(/ledger unreachable/);
    // Every operation of the batch is on the queue (E50 twice: its copy and the batch; upload drops the twin).
    const ids = w.queue.operations().map((o) => o.externalId);
    expect(new Set(ids)).toEqual(new Set(range(1, 51)));
    expect(w.queue.visible()).toBe(w.queue.messages.length);
  });

  it('a throttled batch goes back as one message, not one per operation', async () => {
    const w = await world(Object.fromEntries(range(0, 30).map((id) => [id, undefined])));
    w.failWith(new ThrottledError({ status: 429 } as never, 1000));
    expect(await uploadOperations(w.batch(range(0, 30)), w.d)).toBe('requeued');
    expect(w.queue.messages).toHaveLength(1);
    expect(w.queue.operations().map((o) => o.externalId)).toEqual(range(0, 30));
  });

  it('a batch whose managers an upload beside it holds looks at them a few times, then takes them along, ahead of its reports; their own batch finds them sent', async () => {
    // M0..M4 manage R0..R44, nine each.
    const people = managersOfReports();
    const w = await world(people, { ingesting: true });
    const reports = range(0, 45, 'R');
    await w.queue.send(w.batch(range(0, 5, 'M')));
    // The managers' batch is held by an upload beside, which does not send it while the reports look, a second apart.
    const [managers] = await w.queue.receive(1, 30);
    const letGo = w.heldBeside(range(0, 5, 'M'));
    expect(await uploadOperations(w.batch(reports), w.d)).toBe('submitted');
    expect(w.naps).toEqual(Array(DEFAULT_UPLOAD_OPTIONS.managerChecks).fill(DEFAULT_UPLOAD_OPTIONS.managerCheckMs));
    // Put back whole, the batch would go behind whatever waits for its own records (upload-queue-order.test.ts).
    expect(w.sent()).toEqual([[...range(0, 5, 'M'), ...reports]]);
    expect(w.queue.messages.map((x) => x.id)).toEqual([managers?.messageId]);
    letGo();
    // The managers' own batch then finds them sent.
    expect(await uploadOperations(managers?.text, w.d)).toBe('stale');
    expect(w.sent()).toHaveLength(1);
    expect(w.inFlight.count).toBe(0);
  });

  it('a batch whose managers no upload of its process holds (another instance took their batch) takes them along at once; their own batch finds them sent', async () => {
    const people = managersOfReports();
    const reports = range(0, 45, 'R');
    const w = await world(people, { ingesting: true });
    await w.queue.send(w.batch(range(0, 5, 'M')));
    const [managers] = await w.queue.receive(1, 30);
    expect(await uploadOperations(w.batch(reports), w.d)).toBe('submitted');
    expect(w.naps).toEqual([]);
    expect(w.sent()).toEqual([[...range(0, 5, 'M'), ...reports]]);
    expect(await uploadOperations(managers?.text, w.d)).toBe('stale');
    expect(w.sent()).toHaveLength(1);
    expect(w.inFlight.count).toBe(0);
  });

  it('every copy of a record another upload holds goes back; the rest of the batch goes', async () => {
    const w = await world({ E0: undefined, E1: undefined });
    const letGo = w.heldBeside(['E0']);
    expect(await uploadOperations(encodeBatch([w.m('E0'), w.m('E0'), w.m('E1')])[0], w.d)).toBe('submitted');
    expect(w.sent()).toEqual([['E1']]);
    expect(w.queue.operations().map((o) => o.externalId)).toEqual(['E0', 'E0']);
    letGo();
    expect(w.inFlight.count).toBe(0);
  });

  it('a stale copy of a manager in the batch is not held: the report takes the manager along at once', async () => {
    const w = await world({ M0: undefined, R0: 'M0' });
    // M0 went and came back (attempt 2 due); a copy of its first attempt is stale.
    await w.ledger.markSubmitted(RUN, ['M0'], { requestId: 'q0', at: new Date(NOW).toISOString() });
    await w.ledger.transition(RUN, 'M0', { type: 'timed-out', reason: 'not in the logs', now: NOW });
    expect(await uploadOperations(encodeBatch([w.m('M0'), w.m('R0')])[0], w.d)).toBe('submitted');
    expect(w.naps).toEqual([]);
    expect(w.sent()).toEqual([['M0', 'R0']]);
    expect(w.inFlight.count).toBe(0);
  });

  it('an upload that takes the message of a manager another upload took along leaves it be: it comes back in a few seconds and is found sent', async () => {
    const w = await world({ M0: undefined, M1: undefined, R0: 'M0', R1: 'M1' });
    await w.queue.send(w.batch(['M0']));
    // The reports' upload takes M0 and M1 along and waits at the rate limit; meanwhile another upload takes M0's and M1's batch.
    let atLimit!: () => void;
    const limit = new Promise<void>((resolve) => (atLimit = resolve));
    let go!: () => void;
    const gate = new Promise<void>((resolve) => (go = resolve));
    const client = w.d.client;
    w.d.client = {
      uploadBulkRequest: async (request, options) => {
        if (request.Operations.some((o) => o.bulkId === 'R0')) {
          atLimit();
          await gate;
        }
        return client.uploadBulkRequest(request, options);
      },
    };
    const reports = uploadOperations(w.batch(['R0', 'R1']), w.d);
    await limit;
    expect(await uploadOperations(w.batch(['M1']), w.d)).toBe('stale');
    go();
    expect(await reports).toBe('submitted');
    expect(w.sent()).toEqual([['M0', 'M1', 'R0', 'R1']]);
    // M1 went back for a while, as a message of its own; M0's batch was not touched. Both are then found sent.
    const later = w.queue.messages.filter((x) => x.visibleAt > NOW);
    expect(later.map((x) => x.visibleAt)).toEqual([NOW + DEFAULT_UPLOAD_OPTIONS.busySeconds * 1000]);
    w.setNow(NOW + DEFAULT_UPLOAD_OPTIONS.busySeconds * 1000);
    for (const m of await w.queue.receive(32, 30)) expect(await uploadOperations(m.text, w.d)).toBe('stale');
    expect(w.sent()).toHaveLength(1);
    expect(w.inFlight.count).toBe(0);
  });

  it('managers taken along go with the request or not at all: turned away by the gate or throttled, only its own records go back', async () => {
    // M0..M4 manage R0..R44; the managers' batch is on the queue (hidden by an earlier closure, say).
    const people = managersOfReports();
    const reports = range(0, 45, 'R');
    for (const refusal of [new GateClosedError('bucket-full', NOW + 30_000, 'bucket full'), new ThrottledError({ status: 429 } as never, 1000)]) {
      const w = await world(people);
      await w.queue.send(w.batch(range(0, 5, 'M')));
      const [managers] = await w.queue.receive(1, 30);
      w.failWith(refusal);
      expect(['waiting', 'requeued']).toContain(await uploadOperations(w.batch(reports), w.d));
      // Back on the queue: the managers' own batch, and the reports alone; no second copy of a manager.
      expect(w.queue.operations().map((o) => o.externalId)).toEqual([...range(0, 5, 'M'), ...reports]);
      w.failWith(undefined);
      expect(await uploadOperations(managers?.text, w.d)).toBe('submitted');
      expect(w.sent()).toEqual([range(0, 5, 'M')]);
    }
  });

  it('a short batch of a run still being ingested that waited for its managers goes with them, rather than back to gather behind what waits for it', async () => {
    const w = await world({ M0: undefined, R0: 'M0', R1: 'M0' }, { ingesting: true });
    await w.queue.send(w.batch(['M0']));
    const [managers] = await w.queue.receive(1, 30);
    w.heldBeside(['M0']);
    expect(await uploadOperations(w.batch(['R0', 'R1']), w.d)).toBe('submitted');
    expect(w.sent()).toEqual([['M0', 'R0', 'R1']]);
    expect(w.queue.messages.map((x) => x.id)).toEqual([managers?.messageId]);
  });

  it('a short batch of a run still being ingested whose managers no upload of its process holds gathers without waiting; they stay in their own batch', async () => {
    const w = await world({ M0: undefined, R0: 'M0', R1: 'M0' }, { ingesting: true });
    await w.queue.send(w.batch(['M0']));
    const [managers] = await w.queue.receive(1, 30);
    expect(await uploadOperations(w.batch(['R0', 'R1']), w.d)).toBe('gathering');
    expect(w.naps).toEqual([]);
    expect(w.sent()).toEqual([]);
    expect(w.queue.messages.map((x) => x.id)[0]).toBe(managers?.messageId);
    expect(w.queue.operations().map((o) => o.externalId)).toEqual(['M0', 'R0', 'R1']);
    expect(w.inFlight.count).toBe(0);
  });

  it('after waiting its last time, a batch takes its unsent managers along, managers first', async () => {
    const w = await world({ M0: undefined, R0: 'M0', R1: 'M0' });
    const tired = encodeBatch(['R0', 'R1'].map((id) => ({ ...w.m(id), gathered: DEFAULT_UPLOAD_OPTIONS.maxGathers }))) as [string];
    expect(await uploadOperations(tired[0], w.d)).toBe('submitted');
    expect(w.sent()).toEqual([['M0', 'R0', 'R1']]);
  });

  it("when the managers' batch goes while a batch waits for it, the batch goes right after, without going back to the queue", async () => {
    const people: Record<string, string | undefined> = { M0: undefined, M1: undefined };
    for (let i = 0; i < 20; i++) people[`R${i}`] = `M${i % 2}`;
    const w = await world(people);
    const [managers] = await (async () => {
      await w.queue.send(w.batch(['M0', 'M1']));
      return w.queue.receive(1, 30);
    })();
    const letGo = w.heldBeside(['M0', 'M1']);
    // The upload beside (holding them: no hold of its own here) sends the managers during the first wait, then lets go.
    let once = true;
    w.whileNapping(async () => {
      if (!once) return;
      once = false;
      expect(await uploadOperations(managers?.text, { ...w.d, inFlight: undefined })).toBe('submitted');
      await w.queue.delete(managers as never);
      letGo();
    });
    expect(await uploadOperations(w.batch(range(0, 20, 'R')), w.d)).toBe('submitted');
    expect(w.naps).toHaveLength(1);
    expect(w.sent()).toEqual([['M0', 'M1'], range(0, 20, 'R')]);
    expect(w.queue.messages).toEqual([]);
  });

  it('a batch waiting for managers held beside goes the moment that upload lets go of them, not at its next look', async () => {
    const people: Record<string, string | undefined> = { M0: undefined, M1: undefined };
    for (let i = 0; i < 20; i++) people[`R${i}`] = `M${i % 2}`;
    const w = await world(people);
    await w.queue.send(w.batch(['M0', 'M1']));
    const [managers] = await w.queue.receive(1, 30);
    const letGo = w.heldBeside(['M0', 'M1']);
    // A look that never comes: only the managers being let go can end the wait.
    w.whileNapping(() => new Promise<void>(() => undefined));
    const reports = uploadOperations(w.batch(range(0, 20, 'R')), w.d);
    while (w.naps.length === 0) await new Promise((r) => setImmediate(r));
    expect(w.sent()).toEqual([]);
    expect(await uploadOperations(managers?.text, { ...w.d, inFlight: undefined })).toBe('submitted');
    letGo();
    expect(await reports).toBe('submitted');
    expect(w.naps).toHaveLength(1);
    expect(w.sent()).toEqual([['M0', 'M1'], range(0, 20, 'R')]);
    expect(w.inFlight.count).toBe(0);
  });
});

/** Records every id upload reads from the ledger. */
function readsOf(ledger: MemoryLedger): string[] {
  const reads: string[] = [];
  const getRecords = ledger.getRecords.bind(ledger);
  ledger.getRecords = async (runId, ids) => {
    reads.push(...ids);
    return getRecords(runId, ids);
  };
  return reads;
}

describe('upload that knows which records its process sent', () => {
  it('does not read the managers it sent itself; a manager another process sent it reads once, then knows', async () => {
    const people: Record<string, string | undefined> = { M0: undefined, M1: undefined };
    for (let i = 0; i < 20; i++) people[`R${i}`] = `M${i % 2}`;
    const w = await world(people);
    const sent = new SentRecords();
    const d = { ...w.d, sent };
    expect(await uploadOperations(w.batch(['M0']), d)).toBe('submitted');
    expect(sent.has(RUN, 'M0')).toBe(true);
    // M1 went from another process: this one has not seen it go.
    await w.ledger.markSubmitted(RUN, ['M1'], { requestId: 'elsewhere', at: new Date(NOW).toISOString() });
    const reads = readsOf(w.ledger);
    expect(await uploadOperations(w.batch(range(0, 10, 'R')), d)).toBe('submitted');
    expect(reads.filter((id) => id.startsWith('M'))).toEqual(['M1']);
    expect(sent.has(RUN, 'M1')).toBe(true);
    reads.length = 0;
    expect(await uploadOperations(w.batch(range(10, 20, 'R')), d)).toBe('submitted');
    expect(reads.filter((id) => id.startsWith('M'))).toEqual([]);
    // Each batch went alone: neither manager was taken along again.
    expect(w.sent()).toEqual([['M0'], range(0, 10, 'R'), range(10, 20, 'R')]);
  });

  it('a manager still queued, or held back, is read every time; one taken along is then known to have gone', async () => {
    const w = await world({ M0: undefined, M1: undefined, R0: 'M0', R1: 'M0', R2: 'M1', R3: 'M1' });
    const sent = new SentRecords();
    const d = { ...w.d, sent };
    // M1 was dead-lettered: it never went, and a replay could queue it again.
    await w.ledger.transition(RUN, 'M1', { type: 'refused-by-service', at: NOW, code: '400', reason: 'bad' });
    const reads = readsOf(w.ledger);
    const tired = (ids: string[]): string => (encodeBatch(ids.map((id) => ({ ...w.m(id), gathered: DEFAULT_UPLOAD_OPTIONS.maxGathers }))) as [string])[0];
    expect(await uploadOperations(tired(['R0', 'R2']), d)).toBe('submitted');
    const [first] = w.sent() as [string[]];
    expect([...first].sort()).toEqual(['M0', 'R0', 'R2']);
    expect(first.indexOf('M0')).toBeLessThan(first.indexOf('R0'));
    expect(reads.filter((id) => id.startsWith('M')).sort()).toEqual(['M0', 'M1']);
    expect([sent.has(RUN, 'M0'), sent.has(RUN, 'M1')]).toEqual([true, false]);
    reads.length = 0;
    expect(await uploadOperations(tired(['R1', 'R3']), d)).toBe('submitted');
    expect(reads.filter((id) => id.startsWith('M'))).toEqual(['M1']);
    expect(w.sent()).toEqual([first, ['R1', 'R3']]);
  });
});

describe('upload of first messages that carry the record as ingest wrote it', () => {
  const withVersion = (m: OperationMessage): OperationMessage => ({ ...m, written: { version: `v-${m.externalId}`, intent: 'create' } });

  it('sends them without reading the records, and reads only those without it or past their first attempt', async () => {
    const w = await world(Object.fromEntries(range(0, 6).map((id) => [id, undefined])));
    const reads = readsOf(w.ledger);
    // E4 went back once (attempt 2); E5 came without a version.
    await w.ledger.markSubmitted(RUN, ['E4'], { requestId: 'q0', at: new Date(NOW).toISOString() });
    await w.ledger.transition(RUN, 'E4', { type: 'timed-out', reason: 'not in the logs', now: NOW });
    const messages = [...range(0, 4).map((id) => withVersion(w.m(id))), { ...withVersion(w.m('E4')), attempt: 2 }, w.m('E5')];
    expect(await uploadOperations(encodeBatch(messages)[0], w.d)).toBe('submitted');
    expect(reads.sort()).toEqual(['E4', 'E5']);
    expect(w.sent()).toEqual([range(0, 6)]);
    expect([...(await w.ledger.getRecords(RUN, range(0, 6))).values()].map((r) => r.state)).toEqual(Array(6).fill('submitted'));
  });

  it('reads them once their run is no longer being sent, and drops a copy whose record moved on', async () => {
    const w = await world({ E0: undefined, E1: undefined });
    const reads = readsOf(w.ledger);
    // E0 went from another process and its run is complete; a copy of E0's first message comes late.
    await w.ledger.markSubmitted(RUN, ['E0'], { requestId: 'q0', at: new Date(NOW).toISOString() });
    (w.ledger.runs.get(RUN) as { state: string }).state = 'complete';
    expect(await uploadOperations(encodeBatch([withVersion(w.m('E0'))])[0], w.d)).toBe('stale');
    expect(reads).toEqual(['E0']);
    expect(w.sent()).toEqual([]);
  });

  it('a message the gate turns away goes back without the record as written: when it comes back, the record is read', async () => {
    const w = await world({ E0: undefined, E1: undefined });
    const d: UploadDeps = { ...w.d, gate: { closedHint: () => ({ open: false, why: 'job', until: NOW + 60_000, detail: 'paused', used: 0 }) } };
    expect(await uploadOperations(encodeBatch(['E0', 'E1'].map((id) => withVersion(w.m(id))))[0], d)).toBe('waiting');
    expect(w.queue.operations().map((o) => [o.externalId, o.written])).toEqual([
      ['E0', undefined],
      ['E1', undefined],
    ]);
  });

  it('drops them unsent when their run was stopped, or when this process already sent the record', async () => {
    const w = await world(Object.fromEntries(range(0, 4).map((id) => [id, undefined])));
    const sent = new SentRecords();
    sent.add(RUN, ['E0']);
    const d = { ...w.d, sent };
    expect(await uploadOperations(encodeBatch([withVersion(w.m('E0'))])[0], d)).toBe('stale');
    expect(w.sent()).toEqual([]);
    (w.ledger.runs.get(RUN) as { stoppedAt?: string }).stoppedAt = new Date(NOW).toISOString();
    expect(await uploadOperations(encodeBatch(range(1, 4).map((id) => withVersion(w.m(id))))[0], d)).toBe('stale');
    expect(w.sent()).toEqual([]);
  });
});
