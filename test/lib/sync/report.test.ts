// The sync report from a record book alone: what counts as failed with and without a ledger, the
// records sent without their manager, and when the gate's reason is given.
import { describe, expect, it } from 'vitest';
import type { ScanResult } from '../../../lib/convert/convert.js';
import type { RecordOutcome } from '../../../lib/provisioning/outcomes.js';
import { RecordBook } from '../../../lib/sync/record-book.js';
import { buildReport } from '../../../lib/sync/report.js';
import type { ReportInput } from '../../../lib/sync/report.js';

const T0 = Date.parse('2026-11-23T10:00:00Z');
const policy = { maxAttempts: 3, retryBaseMs: 1000, maxRetryMs: 3000, clockSkewMs: 500 };
const scan: ScanResult = {
  file: 'workers.csv',
  format: 'csv',
  encoding: 'utf-8',
  rows: 5,
  valid: 4,
  rejected: 1,
  errors: 1,
  warnings: [],
  duplicateIds: 0,
  withdrawn: new Set(['X']),
} as unknown as ScanResult;

function outcome(externalId: string, status: RecordOutcome['status'], extra: Partial<RecordOutcome> = {}): RecordOutcome {
  return { externalId, status, action: 'create', activityDateTime: new Date(T0 + 10).toISOString(), logId: `log-${externalId}`, ...extra };
}

// A confirmed (with a warning), a dead-lettered by the service, a timed-out and a deferred record.
function ended(): RecordBook {
  const book = new RecordBook(policy);
  ['A', 'B', 'C', 'D'].forEach((id, i) => book.add(id, i + 2, i));
  book.sent(['A', 'B', 'C'], 'req-1', T0);
  book.apply(outcome('A', 'warning'), T0 + 20);
  book.apply(outcome('B', 'failure', { errorCode: 'InvalidValue', reason: 'bad', retryable: false }), T0 + 20);
  book.defer(['D']);
  book.abandon('not sent', T0 + 30, { deferred: true, code: 'DeferredForBudget' });
  book.abandon('no entry', T0 + 30);
  return book;
}

function input(book: RecordBook, over: Partial<ReportInput> = {}): ReportInput {
  return {
    scan,
    book,
    ledgerBacked: true,
    sent: { requests: 1, uploaded: 3, resent: 0, firstUploadAt: T0 },
    lastOutcomeAt: T0 + 20,
    notConfirmed: [],
    deferred: [],
    dropped: [],
    ledger: undefined,
    outcomes: { outcomes: 2, failures: 1 },
    stopped: undefined,
    gateClosed: undefined,
    startedAt: T0 - 1000,
    finishedAt: T0 + 40,
    ...over,
  };
}

describe('buildReport', () => {
  it('counts records the sync itself ended as failed only without a ledger', () => {
    const book = ended();
    expect(buildReport(input(book)).failed.map((r) => r.externalId)).toEqual(['B']);
    expect(buildReport(input(book, { ledgerBacked: false })).failed.map((r) => r.externalId)).toEqual(['B', 'C', 'D']);
    const report = buildReport(input(book));
    expect(report).toMatchObject({
      confirmed: 1,
      confirmedWithWarning: 1,
      requests: 1,
      uploaded: 3,
      firstUploadAt: new Date(T0).toISOString(),
      finishedAt: new Date(T0 + 40).toISOString(),
    });
    expect(report.failed[0]).toEqual({ externalId: 'B', line: 3, attempts: 1, errorCode: 'InvalidValue', reason: 'bad', retryable: false, requestId: 'req-1' });
    expect('withdrawn' in report.scan).toBe(false);
    expect(report.held).toEqual([]);
  });

  it("lists reports of a rejected manager by line, with their state or the run's when they were not sent", () => {
    const book = ended();
    const dropped = [
      { externalId: 'A', line: 2, managerId: 'M1' },
      { externalId: 'Z', line: 1, managerId: 'M2' },
    ];
    expect(buildReport(input(book, { dropped })).withoutManager).toEqual([
      { externalId: 'Z', line: 1, manager: 'M2', state: 'unchanged' },
      { externalId: 'A', line: 2, manager: 'M1', state: 'confirmed' },
    ]);
    const ledger = { runId: 'r1', source: 'default', plan: {} as never, held: [], holding: true, unchanged: 0, leavers: 0 };
    expect(buildReport(input(book, { dropped, ledger })).withoutManager[0]?.state).toBe('held');
  });

  it('says why records were deferred only when some were', () => {
    const gateClosed = { why: 'budget' as const, detail: 'the daily budget is spent', until: T0 + 3_600_000 };
    const deferred = [{ externalId: 'D', line: 5, attempts: 0 }];
    expect(buildReport(input(ended(), { gateClosed })).deferredWhy).toBeUndefined();
    expect(buildReport(input(ended(), { gateClosed, deferred })).deferredWhy).toEqual({
      why: 'budget',
      detail: 'the daily budget is spent',
      until: new Date(T0 + 3_600_000).toISOString(),
    });
    expect(buildReport(input(ended(), { gateClosed: { ...gateClosed, until: Infinity }, deferred })).deferredWhy).toEqual({ why: 'budget', detail: 'the daily budget is spent' });
  });
});
