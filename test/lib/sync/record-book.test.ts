import { describe, expect, it } from 'vitest';
import type { RecordOutcome } from '../../../lib/provisioning/outcomes.js';
import { RecordBook } from '../../../lib/sync/record-book.js';

const T0 = Date.parse('2026-11-23T10:00:00Z');
const options = { maxAttempts: 3, retryBaseMs: 1000, maxRetryMs: 3000, clockSkewMs: 500 };

function outcome(externalId: string, at: number, status: RecordOutcome['status'], extra: Partial<RecordOutcome> = {}): RecordOutcome {
  return { externalId, status, action: 'create', activityDateTime: new Date(at).toISOString(), logId: `log-${externalId}-${at}`, ...extra };
}
const managerMissing = { errorCode: 'UnresolvedReference', reason: 'manager not found', retryable: true, category: 'reference-pending' as const };

function book(...ids: string[]): RecordBook {
  const b = new RecordBook(options);
  ids.forEach((id, i) => b.add(id, i + 2, i));
  return b;
}

describe('RecordBook', () => {
  it('confirms a sent record from a success entry, and counts it once', () => {
    const b = book('A', 'B');
    b.sent(['A', 'B'], 'req-1', T0);
    expect(b.apply(outcome('A', T0 + 10, 'success'), T0 + 20)).toBe('confirmed');
    expect(b.apply(outcome('A', T0 + 11, 'success'), T0 + 20)).toBe('ignored');
    expect(b.apply(outcome('B', T0 + 12, 'skipped'), T0 + 20)).toBe('skipped');
    expect(b.tally()).toMatchObject({ confirmed: 1, skipped: 1, submitted: 0 });
    expect(b.settled()).toBe(true);
  });

  it('ignores entries from before the upload, beyond the clock skew, and entries for unknown records', () => {
    const b = book('A');
    b.sent(['A'], 'req-1', T0);
    expect(b.apply(outcome('A', T0 - 600, 'failure', { retryable: false }), T0)).toBe('ignored');
    expect(b.apply(outcome('Z', T0 + 5, 'success'), T0)).toBe('ignored');
    expect(b.apply(outcome('A', T0 - 400, 'success'), T0)).toBe('confirmed');
  });

  it('ignores entries for records not sent yet', () => {
    const b = book('A');
    expect(b.apply(outcome('A', T0, 'success'), T0)).toBe('ignored');
    expect(b.tally().queued).toBe(1);
  });

  it('schedules a retryable failure with doubling delays, then fails it after maxAttempts', () => {
    const b = book('A');
    let now = T0;
    for (let attempt = 1; attempt <= 3; attempt++) {
      b.sent(['A'], `req-${attempt}`, now);
      const effect = b.apply(outcome('A', now + 5, 'failure', managerMissing), now + 10);
      if (attempt < 3) {
        expect(effect).toBe('retry');
        const due = b.get('A')?.dueAt ?? 0;
        expect(due - (now + 10)).toBe(Math.min(3000, 1000 * 2 ** (attempt - 1)));
        expect(b.due(due - 1)).toEqual([]);
        expect(b.due(due).map((r) => r.externalId)).toEqual(['A']);
        b.dispatch(['A']);
        expect(b.due(due)).toEqual([]);
        now = due;
      } else {
        expect(effect).toBe('dead-lettered');
      }
    }
    expect(b.get('A')).toMatchObject({
      state: 'dead-lettered',
      attempts: 3,
      errorCode: 'UnresolvedReference',
      reason: expect.stringMatching(/^the manager reference could not be resolved in 3 attempts: its manager is neither in this run nor in the directory/),
    });
  });

  it('after a resend, the old failure entry no longer counts but the new success does', () => {
    const b = book('A');
    b.sent(['A'], 'req-1', T0);
    expect(b.apply(outcome('A', T0 + 100, 'failure', managerMissing), T0 + 200)).toBe('retry');
    b.dispatch(['A']);
    // Resent within the clock-skew tolerance of the failure.
    b.sent(['A'], 'req-2', T0 + 300);
    expect(b.apply(outcome('A', T0 + 100, 'failure', managerMissing), T0 + 400)).toBe('ignored');
    expect(b.apply(outcome('A', T0 + 350, 'success'), T0 + 400)).toBe('confirmed');
    expect(b.get('A')?.attempts).toBe(2);
  });

  it('fails permanent failures and out-of-scope skips at once', () => {
    const b = book('A', 'B');
    b.sent(['A', 'B'], 'req-1', T0);
    expect(b.apply(outcome('A', T0 + 1, 'failure', { errorCode: 'DuplicateUpn', retryable: false, category: 'conflict' }), T0)).toBe('dead-lettered');
    expect(b.apply(outcome('B', T0 + 1, 'skipped', { category: 'out-of-scope', reason: 'not in scope' }), T0)).toBe('dead-lettered');
    expect(b.inState('dead-lettered').map((r) => r.externalId)).toEqual(['A', 'B']);
  });

  it('keeps refused uploads waiting without spending attempts, and fails them after maxAttempts refusals', () => {
    const b = book('A');
    b.refused(['A'], 'throttled', 'Graph throttled the request', T0);
    expect(b.get('A')).toMatchObject({ state: 'queued', attempts: 0, refusals: 1, dueAt: T0 + 1000 });
    expect(b.retrying()).toBe(1);
    b.dispatch(['A']);
    b.refused(['A'], 'transient', 'HTTP 503', T0);
    b.dispatch(['A']);
    b.refused(['A'], 'transient', 'HTTP 503', T0);
    expect(b.get('A')).toMatchObject({ state: 'dead-lettered', errorCode: 'transient', attempts: 0, refusals: 3 });
  });

  it('fails every record of a request the service rejected', () => {
    const b = book('A', 'B');
    b.rejectedByService(['A', 'B'], 'InvalidRequest', 'Invalid Data Format');
    expect(b.tally()).toMatchObject({ 'dead-lettered': 2, queued: 0 });
  });

  it('refuses to register a record twice', () => {
    const b = book('A');
    expect(() => b.add('A', 9, 0)).toThrow(/twice/);
  });
});

describe('RecordBook baseline', () => {
  it('ignores entries a run moments ago left for the same record, but not later ones', () => {
    const b = new RecordBook(options);
    b.add('A', 2, 0, T0 - 100);
    b.sent(['A'], 'req-1', T0);
    expect(b.apply(outcome('A', T0 - 100, 'success'), T0)).toBe('ignored');
    expect(b.apply(outcome('A', T0 + 50, 'skipped'), T0)).toBe('skipped');
  });

  it("holds a report that failed for its reference until its manager's outcome, then makes it due at once", () => {
    const b = new RecordBook(options);
    b.add('M', 2, 0);
    b.add('R', 3, 1, undefined, undefined, 'M');
    b.sent(['M', 'R'], 'req-1', T0);
    expect(b.apply(outcome('M', T0 + 5, 'failure', { errorCode: 'ServiceUnavailable', retryable: true, category: 'service-transient' }), T0 + 10)).toBe('retry');
    expect(b.apply(outcome('R', T0 + 6, 'failure', managerMissing), T0 + 10)).toBe('wait');
    expect(b.get('R')).toMatchObject({ state: 'queued', waitFor: 'M' });
    expect(b.get('R')?.dueAt).toBeUndefined();
    // Not on a timer: long after any retry delay, only the manager is due.
    expect(b.due(T0 + 60_000).map((r) => r.externalId)).toEqual(['M']);
    b.dispatch(['M']);
    b.sent(['M'], 'req-2', T0 + 20);
    expect(b.apply(outcome('M', T0 + 25, 'success'), T0 + 30)).toBe('confirmed');
    expect(b.due(T0 + 30).map((r) => r.externalId)).toEqual(['R']);
    expect(b.get('R')?.waitFor).toBeUndefined();
    expect(b.get('R')?.dropManager).toBeUndefined();
  });

  it('marks a waiting report to go without the reference when its manager is dead-lettered and not in the directory', () => {
    const events: string[] = [];
    const b = new RecordBook(
      options,
      (id, e) => events.push(`${id}:${e.type}`),
      (id) => id === 'KNOWN',
    );
    for (const [id, line, manager] of [
      ['M', 2, undefined],
      ['R', 3, 'M'],
      ['KNOWN', 4, undefined],
      ['S', 5, 'KNOWN'],
    ] as const)
      b.add(id, line, line, undefined, undefined, manager);
    b.sent(['M', 'R', 'KNOWN', 'S'], 'req-1', T0);
    b.apply(outcome('R', T0 + 5, 'failure', managerMissing), T0 + 10);
    b.apply(outcome('S', T0 + 6, 'failure', managerMissing), T0 + 10);
    b.apply(outcome('M', T0 + 7, 'failure', { errorCode: 'DuplicateUpn', retryable: false }), T0 + 10);
    b.apply(outcome('KNOWN', T0 + 8, 'failure', { errorCode: 'DuplicateUpn', retryable: false }), T0 + 10);
    expect(b.get('R')).toMatchObject({ state: 'queued', dropManager: 'M', dueAt: T0 + 10 });
    // The directory holds KNOWN from before: the reference resolves, so S goes as it is.
    expect(b.get('S')).toMatchObject({ state: 'queued', dueAt: T0 + 10 });
    expect(b.get('S')?.dropManager).toBeUndefined();
    expect(b.dropManager('R', 'M', 9, '{"dropped":true}', 'c1-d', T0 + 11)).toBe(true);
    expect(b.get('R')).toMatchObject({ stored: 9, withoutManager: 'M' });
    expect(b.get('R')?.dropManager).toBeUndefined();
    expect(events).toContain('R:manager-dropped');
    expect(b.withoutManager().map((r) => r.externalId)).toEqual(['R']);
    // Only a queued record can drop it: one on its way keeps what it carries.
    b.dispatch(['R']);
    b.sent(['R'], 'req-2', T0 + 12);
    expect(b.dropManager('R', 'M', 10, '{}', 'c1-e', T0 + 13)).toBe(false);
  });

  it("holds a report whose manager's upload did not get through, and defers it with a deferred manager", () => {
    const b = new RecordBook(options);
    b.add('M', 2, 0);
    b.add('R', 3, 1, undefined, undefined, 'M');
    b.refused(['M'], 'throttled', 'HTTP 429', T0);
    b.hold(['R']);
    expect(b.get('R')?.waitFor).toBe('M');
    expect(b.settled()).toBe(false);
    b.defer(['M']);
    expect(b.isDeferred('R')).toBe(true);
    expect(b.settled()).toBe(true);
  });
});

describe('RecordBook, a manager dropped from a record on its way', () => {
  it('does not make it due again (it would be sent twice)', () => {
    const b = book('R');
    b.dispatch(['R']);
    expect(b.dropManager('R', 'M', 7, '{"dropped":true}', 'h', T0)).toBe(true);
    expect(b.get('R')).toMatchObject({ state: 'queued', withoutManager: 'M', stored: 7 });
    expect(b.due(T0 + 60_000)).toEqual([]);
  });
});
