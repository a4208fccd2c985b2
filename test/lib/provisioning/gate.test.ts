import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../../../lib/provisioning/budget.js';
import { DEFAULT_GATE_SETTINGS, StoredGate, gateFromRow, gateSettingsOf, gateToRow, memoryGateStore, passGate, viewGate } from '../../../lib/provisioning/gate.js';
import type { GateDocument, GateSettings } from '../../../lib/provisioning/gate.js';
import type { JobHealth } from '../../../lib/provisioning/job.js';
import { parseJob } from '../../../lib/provisioning/job.js';

const T0 = Date.parse('2026-12-01T08:00:00Z');
const settings: GateSettings = { ...DEFAULT_GATE_SETTINGS, dailyCalls: 10, reserve: 2 };
const job = (code: string, at = T0, quarantine?: JobHealth['quarantine']): JobHealth => ({
  code,
  checkedAt: new Date(at).toISOString(),
  ...(quarantine === undefined ? {} : { quarantine }),
});

function drain(doc: GateDocument, at: number, n: number): GateDocument {
  let d = doc;
  for (let i = 0; i < n; i++) {
    const r = passGate(d, at, 'normal', settings);
    if (!r.answer.open || r.doc === undefined) throw new Error('refused');
    d = r.doc;
  }
  return d;
}

describe('passGate', () => {
  it('stops every call while uploads are paused after "bucket full", whatever its class', () => {
    const doc: GateDocument = { window: new Map(), pausedUntil: T0 + 300_000, pausedWhy: 'bucket full' };
    const r = passGate(doc, T0, 'reserved', settings);
    expect(r.answer).toMatchObject({ open: false, why: 'bucket-full', until: T0 + 300_000 });
    expect(r.doc).toBeUndefined();
    expect(passGate(doc, T0 + 300_000, 'normal', settings).answer.open).toBe(true);
  });

  it('stops calls while the job is paused or quarantined, naming the state and the reason', () => {
    const paused = passGate({ window: new Map(), job: job('Paused') }, T0 + 1000, 'reserved', settings).answer;
    // The job was read at T0: the next recheck is T0 + jobRecheckMs for every sender asking before it, and the one after that later.
    expect(paused).toMatchObject({ open: false, why: 'job', until: T0 + settings.jobRecheckMs });
    expect(passGate({ window: new Map(), job: job('Paused') }, T0 + 5000, 'normal', settings).answer).toMatchObject({ until: T0 + settings.jobRecheckMs });
    expect(passGate({ window: new Map(), job: job('Paused') }, T0 + settings.jobRecheckMs + 1, 'normal', settings).answer).toMatchObject({ until: T0 + 2 * settings.jobRecheckMs });
    expect(paused.open === false && paused.detail).toContain('paused');
    const q = passGate(
      { window: new Map(), job: job('Quarantine', T0, { reason: 'EncounteredEscrowProportionThreshold', nextAttempt: '2026-12-01T14:00:00Z' }) },
      T0,
      'normal',
      settings,
    ).answer;
    expect(q.open === false && q.detail).toContain('quarantine (EncounteredEscrowProportionThreshold; the service tries again at 2026-12-01T14:00:00Z)');
    expect(passGate({ window: new Map(), job: job('Active') }, T0, 'normal', settings).answer.open).toBe(true);
  });

  it('does not trust a job state reconcile has not refreshed for an hour', () => {
    const stale = { window: new Map(), job: job('Paused', T0) };
    expect(passGate(stale, T0 + settings.jobStaleAfterMs, 'normal', settings).answer.open).toBe(true);
  });

  it('gives each request turned away by the budget its own turn as calls free, in order', () => {
    let doc: GateDocument = { window: new Map() };
    doc = drain(doc, T0, 4);
    doc = drain(doc, T0 + 60_000, 4);
    const turns: number[] = [];
    for (let i = 0; i < 6; i++) {
      const r = passGate(doc, T0 + 120_000, 'normal', settings);
      expect(r.answer.open).toBe(false);
      if (r.answer.open === false) turns.push(r.answer.until);
      doc = r.doc as GateDocument;
    }
    // Four calls free at 08:02 next day, four at 08:03; the fifth and sixth turns fall after those.
    expect(turns.slice(0, 4)).toEqual(Array(4).fill(T0 + 2 * 60_000 + DAY_MS));
    expect(turns.slice(4, 6)).toEqual(Array(2).fill(T0 + 3 * 60_000 + DAY_MS));
    // A reserved call still goes on the reserve meanwhile.
    expect(passGate(doc, T0 + 120_000, 'reserved', settings).answer.open).toBe(true);
  });

  it('keeps everything through its table row', () => {
    let doc: GateDocument = drain({ window: new Map() }, T0, 3);
    doc = { ...doc, job: job('Quarantine', T0, { reason: 'TooManyDeletes' }), pausedUntil: T0 + 5, pausedWhy: 'why', slots: [T0 + DAY_MS, T0 + DAY_MS + 60_000] };
    expect(gateFromRow(gateToRow(doc))).toEqual(doc);
  });

  it('shows the budget used and left and why uploads wait', () => {
    const doc = drain({ window: new Map() }, T0, 8);
    const v = viewGate(doc, T0 + 1000, settings);
    expect(v).toMatchObject({ dailyCalls: 10, reserve: 2, used: 8, left: 2, nextCallAt: new Date(T0 + 2 * 60_000 + DAY_MS).toISOString() });
    expect(v.closed?.why).toBe('budget');
    expect(gateSettingsOf({ dailyCalls: 6000, budgetReservePercent: 10 })).toMatchObject({ dailyCalls: 6000, reserve: 600 });
  });
});

describe('StoredGate', () => {
  it('never grants more calls than the budget to senders racing on one store', async () => {
    const store = memoryGateStore();
    // Reads and writes that yield, so the racers interleave between read and write.
    const slow = {
      read: async () => {
        await new Promise((r) => setImmediate(r));
        return store.read();
      },
      write: async (row: Record<string, unknown>, etag: string | undefined) => {
        await new Promise((r) => setImmediate(r));
        return store.write(row, etag);
      },
    };
    const gates = [new StoredGate(slow, settings, { now: () => T0 }), new StoredGate(slow, settings, { now: () => T0 })];
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => (gates[i % 2] as StoredGate).take(i % 3 === 0 ? 'reserved' : 'normal')));
    expect(answers.filter((a) => a.open)).toHaveLength(10);
    expect((await gates[0]?.view())?.used).toBe(10);
  });

  it('draws the calls one process asks for at once with one read and one write, in the order asked', async () => {
    const store = memoryGateStore();
    const io = { reads: 0, writes: 0 };
    const counted = {
      read: async () => {
        io.reads++;
        await new Promise((r) => setImmediate(r));
        return store.read();
      },
      write: async (row: Record<string, unknown>, etag: string | undefined) => {
        io.writes++;
        await new Promise((r) => setImmediate(r));
        return store.write(row, etag);
      },
    };
    const gate = new StoredGate(counted, settings, { now: () => T0 });
    // The first take starts a draw; the eleven asked while it is on its way go together in the next.
    const answers = await Promise.all(Array.from({ length: 12 }, () => gate.take('normal')));
    expect(io).toEqual({ reads: 2, writes: 2 });
    // The same answers as twelve draws one after another: the normal share of the budget (10 less a
    // reserve of 2) granted, the rest turned away, each with its turn.
    let doc: GateDocument = { window: new Map() };
    const oneByOne = Array.from({ length: 12 }, () => {
      const r = passGate(doc, T0, 'normal', settings);
      if (r.doc !== undefined) doc = r.doc;
      return r.answer;
    });
    expect(answers).toEqual(oneByOne);
    expect(answers.map((a) => a.open)).toEqual([...Array(8).fill(true), ...Array(4).fill(false)]);
    expect(gate.closedHint('normal')?.why).toBe('budget');
    expect((await gate.view()).used).toBe(8);
  });

  it('fails the calls of a draw whose read fails, and draws the next ones afresh', async () => {
    const store = memoryGateStore();
    let failNext = true;
    const flaky = {
      read: async () => {
        await new Promise((r) => setImmediate(r));
        if (failNext) {
          failNext = false;
          throw new Error('storage unreachable');
        }
        return store.read();
      },
      write: (row: Record<string, unknown>, etag: string | undefined) => store.write(row, etag),
    };
    const gate = new StoredGate(flaky, settings, { now: () => T0 });
    const first = gate.take('normal');
    const second = gate.take('normal');
    await expect(first).rejects.toThrow('storage unreachable');
    expect((await second).open).toBe(true);
    expect((await gate.take('reserved')).open).toBe(true);
    expect((await gate.view()).used).toBe(2);
  });

  it('remembers a closed answer for a minute, and forgets a job closure once the job is read again', async () => {
    let now = T0;
    const gate = new StoredGate(memoryGateStore(), settings, { now: () => now });
    await gate.noteJob(job('Paused', T0));
    const closed = await gate.take('normal');
    expect(closed.open).toBe(false);
    expect(gate.closedHint('reserved')?.why).toBe('job');
    now += 61_000;
    expect(gate.closedHint('normal')).toBeUndefined();
    await gate.take('normal');
    await gate.noteJob(job('Active', now));
    expect(gate.closedHint('normal')).toBeUndefined();
    expect((await gate.take('normal')).open).toBe(true);
  });
});

describe('parseJob', () => {
  it('reads the state, the quarantine and the last execution of a synchronizationJob', () => {
    const j = parseJob(
      {
        status: {
          code: 'Quarantine',
          quarantine: { reason: 'IngestionInterrupted', nextAttempt: '2026-12-01T20:00:00Z', seriesCount: 2 },
          lastExecution: { state: 'Succeeded', countExported: 7 },
        },
      },
      new Date(T0),
    );
    expect(j).toEqual({
      code: 'Quarantine',
      quarantine: { reason: 'IngestionInterrupted', nextAttempt: '2026-12-01T20:00:00Z', seriesCount: 2 },
      lastExecution: { state: 'Succeeded', countExported: 7 },
      checkedAt: new Date(T0).toISOString(),
    });
    expect(() => parseJob({ id: 'x' }, new Date(T0))).toThrow(/status.code/);
  });
});
