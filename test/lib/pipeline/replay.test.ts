// Replaying poison messages: the record is reopened before its message is sent, and the poison
// copy is deleted only after, so a crash in between loses nothing and reconcile can heal it.
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeBatch, encodeMessage } from '../../../lib/pipeline/messages.js';
import { DEFAULT_REPLAY_OPTIONS, replayPoison } from '../../../lib/pipeline/replay.js';
import { MemoryLedger, MemoryQueue } from './memory.js';

const RUN = 'run-1';

async function world() {
  let now = Date.parse('2026-11-23T08:00:00Z');
  const ledger = new MemoryLedger();
  const queue = new MemoryQueue(() => now);
  const poison = new MemoryQueue(() => now);
  await ledger.beginRun({ runId: RUN, file: 'c/f.csv', etag: 'e', startedAt: '2026-11-23T07:00:00Z', source: 'default', kind: 'full' });
  await ledger.addRecords(RUN, [{ externalId: 'A', line: 2, payload: '{"externalId":"A"}', payloadHash: 'a' }]);
  await ledger.markEnqueued(RUN, ['A']);
  await ledger.finishIngest(RUN, { rows: 1, valid: 1, rejected: 0, at: '2026-11-23T07:00:01Z' });
  await ledger.markSubmitted(RUN, ['A'], { requestId: 'q1', at: '2026-11-23T07:00:02Z' });
  await ledger.transition(RUN, 'A', { type: 'poisoned', code: 'Forbidden', reason: 'poisoned', at: Date.parse('2026-11-23T07:30:00Z') });
  await ledger.completeRun(RUN, '2026-11-23T07:31:00Z');
  // As ingest sent it: with the version A was created at, which replay must not pass on.
  await poison.send(encodeMessage({ v: 1, runId: RUN, externalId: 'A', line: 2, attempt: 1, op: '{"old":true}', written: { version: 'v-created' } }));
  return {
    ledger,
    queue,
    poison,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('replayPoison', () => {
  it("sends the record's current payload at its next attempt and reopens its run", async () => {
    const { ledger, queue, poison } = await world();
    const summary = await replayPoison({ ledger, queue, poison });
    expect(summary).toMatchObject({ read: 1, counts: { moved: 1 }, movedByRun: { [RUN]: ['A'] } });
    expect(queue.messages.map((m) => decodeMessage(m.text))).toEqual([expect.objectContaining({ externalId: 'A', attempt: 2, op: '{"externalId":"A"}' })]);
    expect(decodeMessage(queue.messages[0]?.text).written).toBeUndefined();
    expect(poison.messages).toEqual([]);
    expect((await ledger.getRecords(RUN, ['A'])).get('A')).toMatchObject({ state: 'queued', enqueued: true });
    expect((await ledger.getRun(RUN))?.state).toBe('ingested');
  });

  it('after a crash between reopening and sending, the record is queued without a message and the poison copy comes back', async () => {
    const { ledger, queue, poison, advance } = await world();
    queue.failSendsAfter = 0;
    await expect(replayPoison({ ledger, queue, poison })).rejects.toThrow(/simulated crash/);
    // Queued and not enqueued: reconcile's heal step sends it; nothing is lost either way.
    expect((await ledger.getRecords(RUN, ['A'])).get('A')).toMatchObject({ state: 'queued', enqueued: false });
    expect(poison.messages).toHaveLength(1);
    queue.failSendsAfter = undefined;
    advance(DEFAULT_REPLAY_OPTIONS.holdSeconds * 1000);
    const again = await replayPoison({ ledger, queue, poison });
    expect(again.counts.moved).toBe(1);
    expect(queue.messages).toHaveLength(1);
    expect(poison.messages).toEqual([]);
  });

  it('changes nothing on a dry run and leaves the messages visible', async () => {
    const { ledger, queue, poison } = await world();
    const summary = await replayPoison({ ledger, queue, poison }, { ...DEFAULT_REPLAY_OPTIONS, dryRun: true });
    expect(summary.counts.moved).toBe(1);
    expect(queue.messages).toEqual([]);
    expect(poison.visible()).toBe(1);
    expect((await ledger.getRecords(RUN, ['A'])).get('A')?.state).toBe('dead-lettered');
  });

  it('a poisoned batch: each operation is judged alone, and the batch goes once none of it stays', async () => {
    const { ledger, queue, poison } = await world();
    await poison.receive(1, 0).then(([m]) => poison.delete(m as never));
    // B was confirmed since; A still needs sending; C belongs to no run we know.
    await ledger.addRecords(RUN, [{ externalId: 'B', line: 3, payload: '{"externalId":"B"}', payloadHash: 'b', state: 'unchanged' }]);
    const batch = encodeBatch(['A', 'B'].map((id, i) => ({ v: 1, runId: RUN, externalId: id, line: i + 2, attempt: 1, op: `{"old":"${id}"}` })));
    for (const text of batch) await poison.send(text);
    const summary = await replayPoison({ ledger, queue, poison });
    expect(summary).toMatchObject({ read: 1, counts: { moved: 1, stale: 1 }, movedByRun: { [RUN]: ['A'] } });
    expect(queue.messages.map((m) => decodeMessage(m.text).externalId)).toEqual(['A']);
    expect(poison.messages).toEqual([]);

    await poison.send(
      encodeBatch([
        { v: 1, runId: RUN, externalId: 'A', line: 2, attempt: 1, op: '{}' },
        { v: 1, runId: 'gone', externalId: 'C', line: 2, attempt: 1, op: '{}' },
      ])[0] as string,
    );
    const second = await replayPoison({ ledger, queue, poison });
    expect(second.counts).toMatchObject({ 'unknown-record': 1 });
    // C stays, so the whole message stays, visible for the next replay.
    expect(poison.messages).toHaveLength(1);
    expect(poison.visible()).toBe(1);
  });
});
