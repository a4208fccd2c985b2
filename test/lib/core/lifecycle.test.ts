// The one set of rules both modes follow: each named transition from each state.
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, RECORD_STATES, entryBelongs, entrySettles, isOpen, nextState, retryDelay } from '../../../lib/core/lifecycle.js';
import type { LifecycleRecord, LoggedOutcome, ManagerView, RecordState } from '../../../lib/core/lifecycle.js';

const policy = { maxAttempts: 3, retryBaseMs: 1000, maxRetryMs: 3000, clockSkewMs: 500 };
const T0 = Date.parse('2026-12-01T01:00:00Z');
const submitted = (extra: Partial<LifecycleRecord> = {}): LifecycleRecord => ({ state: 'submitted', attempts: 1, lastSubmittedAt: T0, lastRequestId: 'q1', ...extra });
const ok = (at = T0 + 10, extra: Partial<LoggedOutcome> = {}): LoggedOutcome => ({ status: 'success', action: 'update', at, ...extra });
const managerMissing: LoggedOutcome = {
  status: 'failure',
  at: T0 + 10,
  errorCode: 'UnresolvedReference',
  reason: 'manager not found',
  retryable: true,
  category: 'reference-pending',
};

describe('nextState', () => {
  it('keeps the earliest of two requests that carried the same attempt, and counts it once', () => {
    // Two uploads both sent the record: the first to reach the service created it, the later copy is logged as nothing to change.
    expect(nextState(submitted(), { type: 'submitted', requestId: 'q2', at: T0 + 1 }, policy)).toBeUndefined();
    const earlier = nextState(submitted(), { type: 'submitted', requestId: 'q2', at: T0 - 500 }, policy);
    expect(earlier).toMatchObject({ to: 'submitted', attempts: 1, lastSubmittedAt: T0 - 500 });
    expect(earlier?.lastRequestId).toBeUndefined();
    const record = submitted({ lastSubmittedAt: T0 - 500 });
    const created = nextState(record, { type: 'logged', outcome: ok(T0 - 200), now: T0 + 5000 }, policy);
    expect(created).toMatchObject({ to: 'confirmed' });
    // Taking the later request's time instead, the creating entry would be ignored and the later one skip the record.
    expect(entryBelongs(submitted({ lastSubmittedAt: T0 + 60_000 }), T0 - 200, policy)).toBe(false);
  });

  it("confirms a record sent back by one copy's failure when the other copy's success follows, and nothing else", () => {
    // Sent at T0 by two requests; the first copy failed at T0 + 10 and sent the record back.
    const back = (extra: Partial<LifecycleRecord> = {}): LifecycleRecord => ({ state: 'queued', attempts: 1, lastSubmittedAt: T0, lastOutcomeAt: T0 + 10, ...extra });
    const late = (extra: Partial<LoggedOutcome> = {}): LoggedOutcome => ({ status: 'success', action: 'create', at: T0 + 50, ...extra });
    expect(nextState(back(), { type: 'logged', outcome: late(), now: T0 + 60 }, policy)).toMatchObject({
      from: 'queued',
      to: 'confirmed',
      effect: 'confirmed',
      attempts: 1,
      lastOutcomeAt: T0 + 50,
    });
    expect(nextState(back({ intent: 'disable' }), { type: 'logged', outcome: late({ status: 'warning' }), now: T0 + 60 }, policy)).toMatchObject({ to: 'disabled' });
    expect(entrySettles(back(), 'success', T0 + 50, policy)).toBe(true);
    // Not a success, at or before the failure, before the submission, or a record never sent: no change.
    for (const status of ['failure', 'skipped'] as const) expect(nextState(back(), { type: 'logged', outcome: late({ status }), now: T0 + 60 }, policy), status).toBeUndefined();
    expect(nextState(back(), { type: 'logged', outcome: late({ at: T0 + 10 }), now: T0 + 60 }, policy)).toBeUndefined();
    expect(nextState(back({ lastOutcomeAt: T0 - 5000 }), { type: 'logged', outcome: late({ at: T0 - 1000 }), now: T0 + 60 }, policy)).toBeUndefined();
    expect(nextState({ state: 'queued', attempts: 0, lastOutcomeAt: T0 - 5000 }, { type: 'logged', outcome: late(), now: T0 + 60 }, policy)).toBeUndefined();
    for (const state of RECORD_STATES.filter((s) => s !== 'queued' && s !== 'submitted')) {
      expect(nextState(back({ state }), { type: 'logged', outcome: late(), now: T0 + 60 }, policy), state).toBeUndefined();
    }
  });

  it('submits open records once per request and counts the attempt', () => {
    const t = nextState({ state: 'queued', attempts: 0 }, { type: 'submitted', requestId: 'q1', at: T0 }, policy);
    expect(t).toMatchObject({ from: 'queued', to: 'submitted', attempts: 1, lastRequestId: 'q1', lastSubmittedAt: T0 });
    expect(nextState(submitted(), { type: 'submitted', requestId: 'q1', at: T0 }, policy)).toBeUndefined();
    for (const state of RECORD_STATES.filter((s) => !isOpen(s))) {
      expect(nextState({ state, attempts: 1 }, { type: 'submitted', requestId: 'q9', at: T0 }, policy), state).toBeUndefined();
    }
  });

  it('confirms, disables or skips from a log entry of the current attempt', () => {
    expect(nextState(submitted(), { type: 'logged', outcome: ok(), now: T0 }, policy)).toMatchObject({
      to: 'confirmed',
      effect: 'confirmed',
      action: 'update',
      lastOutcomeAt: T0 + 10,
    });
    expect(nextState(submitted({ intent: 'disable' }), { type: 'logged', outcome: ok(T0 + 10, { status: 'warning' }), now: T0 }, policy)).toMatchObject({ to: 'disabled' });
    expect(nextState(submitted(), { type: 'logged', outcome: ok(T0 + 10, { action: 'disable' }), now: T0 }, policy)).toMatchObject({ to: 'disabled' });
    expect(nextState(submitted(), { type: 'logged', outcome: ok(T0 + 10, { status: 'skipped', action: 'other' }), now: T0 }, policy)).toMatchObject({ to: 'skipped' });
  });

  it('ignores entries from before the submission (beyond the skew), from an earlier attempt, or for records not submitted', () => {
    expect(nextState(submitted(), { type: 'logged', outcome: ok(T0 - 600), now: T0 }, policy)).toBeUndefined();
    expect(nextState(submitted(), { type: 'logged', outcome: ok(T0 - 400), now: T0 }, policy)).toMatchObject({ to: 'confirmed' });
    expect(nextState(submitted({ lastOutcomeAt: T0 + 10 }), { type: 'logged', outcome: ok(T0 + 10), now: T0 }, policy)).toBeUndefined();
    expect(nextState({ state: 'queued', attempts: 0 }, { type: 'logged', outcome: ok(), now: T0 }, policy)).toBeUndefined();
    expect(entryBelongs(submitted(), Number.NaN, policy)).toBe(false);
  });

  it('retries a retryable failure with a doubling delay and gives up after maxAttempts', () => {
    expect(nextState(submitted({ attempts: 1 }), { type: 'logged', outcome: managerMissing, now: T0 + 20 }, policy)).toMatchObject({
      to: 'queued',
      effect: 'retry',
      retryDelayMs: 1000,
      errorCode: 'UnresolvedReference',
      lastOutcomeAt: T0 + 10,
    });
    expect(nextState(submitted({ attempts: 2 }), { type: 'logged', outcome: managerMissing, now: T0 + 20 }, policy)).toMatchObject({ retryDelayMs: 2000 });
    const last = nextState(submitted({ attempts: 3 }), { type: 'logged', outcome: managerMissing, now: T0 + 20 }, policy);
    // A reference that never resolved: the service's text (it resolves later) is no longer true, so hrsync says what is.
    expect(last).toMatchObject({
      to: 'dead-lettered',
      reason: expect.stringMatching(/^the manager reference could not be resolved in 3 attempts: its manager is neither in this run nor in the directory/),
    });
    const transient = nextState(
      submitted({ attempts: 3 }),
      { type: 'logged', outcome: { ...managerMissing, category: 'service-transient', reason: 'busy' }, now: T0 + 20 },
      policy,
    );
    expect(transient).toMatchObject({ to: 'dead-lettered', reason: 'busy (gave up after 3 attempts)' });
    expect(retryDelay(policy, 9)).toBe(3000);
  });

  it('dead-letters permanent failures and out-of-scope skips at once', () => {
    expect(nextState(submitted(), { type: 'logged', outcome: { status: 'failure', at: T0 + 5, errorCode: 'DuplicateUpn', retryable: false }, now: T0 }, policy)).toMatchObject({
      to: 'dead-lettered',
      errorCode: 'DuplicateUpn',
    });
    expect(nextState(submitted(), { type: 'logged', outcome: { status: 'skipped', at: T0 + 5, category: 'out-of-scope', reason: 'not in scope' }, now: T0 }, policy)).toMatchObject(
      { to: 'dead-lettered', reason: 'not in scope' },
    );
  });

  it('waits for an open manager instead of a timer, and sends a report whose manager was dead-lettered without the reference', () => {
    const open: ManagerView = { externalId: 'M', state: 'submitted', waitable: true };
    expect(nextState(submitted(), { type: 'logged', outcome: managerMissing, manager: open, now: T0 }, policy)).toMatchObject({ to: 'queued', effect: 'wait', waitFor: 'M' });
    expect(nextState(submitted(), { type: 'logged', outcome: managerMissing, manager: { ...open, waitable: false }, now: T0 }, policy)).toMatchObject({ effect: 'retry' });
    const gone = nextState(
      submitted(),
      { type: 'logged', outcome: managerMissing, manager: { externalId: 'M', state: 'dead-lettered', lastErrorCode: 'DuplicateUpn', waitable: false }, now: T0 },
      policy,
    );
    expect(gone).toMatchObject({ to: 'queued', effect: 'retry', retryDelayMs: 0, dropManager: 'M' });
    expect(gone?.reason).toMatch(/its manager M was dead-lettered in this run \(DuplicateUpn\) and is not in the directory: sent again without the manager reference/);
    // In the directory from an earlier run, the reference resolves: an ordinary retry.
    const known = nextState(
      submitted(),
      { type: 'logged', outcome: managerMissing, manager: { externalId: 'M', state: 'dead-lettered', waitable: false, known: true }, now: T0 },
      policy,
    );
    expect(known).toMatchObject({ effect: 'retry', retryDelayMs: 1000 });
    expect(known?.dropManager).toBeUndefined();
    // Out of attempts, the reason names the failed manager and never promises a later attempt.
    const last = nextState(
      submitted({ attempts: 3 }),
      { type: 'logged', outcome: managerMissing, manager: { externalId: 'M', state: 'dead-lettered', lastErrorCode: 'DuplicateUpn', waitable: false, known: true }, now: T0 },
      policy,
    );
    expect(last?.reason).toMatch(/its manager M failed in this run \(DuplicateUpn\); fix the manager and the next run sends both/);
  });

  it('drops the manager reference from a queued record only, storing what it sends', () => {
    const drop = { type: 'manager-dropped', managerId: 'M', payload: '{"x":1}', payloadHash: 'c1-x' } as const;
    expect(nextState({ state: 'queued', attempts: 1 }, drop, policy)).toMatchObject({
      to: 'queued',
      effect: 'manager-dropped',
      withoutManager: 'M',
      payload: '{"x":1}',
      payloadHash: 'c1-x',
      retryDelayMs: 0,
    });
    expect(nextState(submitted(), drop, policy)).toBeUndefined();
    expect(nextState({ state: 'confirmed', attempts: 1 }, drop, policy)).toBeUndefined();
  });

  it('resends a record the logs never mentioned, or gives up', () => {
    expect(nextState(submitted(), { type: 'timed-out', reason: 'no entry within 60 minutes', now: T0 + 99 }, policy)).toMatchObject({
      to: 'queued',
      errorCode: 'NotInLogs',
      lastOutcomeAt: T0 + 99,
    });
    expect(nextState(submitted({ attempts: 3 }), { type: 'timed-out', reason: 'no entry', now: T0 }, policy)).toMatchObject({ to: 'dead-lettered' });
    expect(nextState({ state: 'queued', attempts: 1 }, { type: 'timed-out', reason: 'x', now: T0 }, policy)).toBeUndefined();
  });

  it('counts refused uploads without spending attempts, then gives up', () => {
    let r: LifecycleRecord = { state: 'queued', attempts: 0 };
    for (let i = 1; i <= 3; i++) {
      const t = nextState(r, { type: 'refused', code: 'throttled', reason: 'HTTP 429', at: T0 }, policy);
      expect(t?.refusals).toBe(i);
      expect(t?.to).toBe(i < 3 ? 'queued' : 'dead-lettered');
      r = { ...r, state: t?.to as RecordState, refusals: t?.refusals as number };
    }
    expect(r.attempts).toBe(0);
  });

  it('moves held records only by approval, dead-lettered ones only by replay, and poisons open ones', () => {
    expect(nextState({ state: 'held', attempts: 0 }, { type: 'approved' }, policy)).toMatchObject({ to: 'queued' });
    expect(nextState({ state: 'queued', attempts: 0 }, { type: 'approved' }, policy)).toBeUndefined();
    expect(nextState({ state: 'dead-lettered', attempts: 2 }, { type: 'replayed' }, policy)).toMatchObject({ to: 'queued', attempts: 2 });
    expect(nextState({ state: 'confirmed', attempts: 1 }, { type: 'replayed' }, policy)).toBeUndefined();
    expect(nextState({ state: 'queued', attempts: 0 }, { type: 'poisoned', code: 'Forbidden', reason: 'no permission', at: T0 }, policy)).toMatchObject({
      to: 'dead-lettered',
      errorCode: 'Forbidden',
    });
    expect(nextState({ state: 'unchanged', attempts: 0 }, { type: 'poisoned', code: 'x', reason: 'y', at: T0 }, policy)).toBeUndefined();
    expect(nextState({ state: 'held', attempts: 0 }, { type: 'refused-by-service', code: 'x', reason: 'y', at: T0 }, policy)).toBeUndefined();
  });

  it('ends a record a sync stopped waiting for, open ones only', () => {
    expect(nextState(submitted(), { type: 'abandoned', reason: 'not confirmed before --timeout', at: T0 }, policy)).toMatchObject({
      to: 'dead-lettered',
      errorCode: 'NotConfirmed',
    });
    expect(nextState({ state: 'confirmed', attempts: 1 }, { type: 'abandoned', reason: 'x', at: T0 }, policy)).toBeUndefined();
  });

  it('uses the documented defaults when given no policy', () => {
    expect(nextState(submitted(), { type: 'logged', outcome: managerMissing, now: T0 }, undefined)).toMatchObject({ retryDelayMs: DEFAULT_POLICY.retryBaseMs });
  });
});
