// The exit-code check of npm run local: a finished run's numbers must add up against the ledger and the directory,
// and the code means what the CLI's codes mean.
import { describe, expect, it } from 'vitest';
import { emptyCounts } from '../../../lib/core/lifecycle.js';
import type { LedgerRecord, RecordState } from '../../../lib/ledger/types.js';
import type { ReportCounts, RunReport } from '../../../lib/pipeline/report.js';
import { lostRecords } from '../../../tools/local/accounting.js';
import { exitCodeOf } from '../../../tools/local/run.js';

function ledger(records: Array<Pick<LedgerRecord, 'externalId' | 'state'>>) {
  return {
    async countByState(): Promise<Record<RecordState, number>> {
      const c = emptyCounts();
      for (const r of records) c[r.state]++;
      return c;
    },
    async *listRecords(_runId: string, state?: RecordState): AsyncIterable<LedgerRecord> {
      for (const r of records) if (state === undefined || r.state === state) yield r as LedgerRecord;
    },
  };
}

const zero: ReportCounts = {
  valid: 0,
  rejected: 0,
  records: 0,
  leavers: 0,
  created: 0,
  updated: 0,
  confirmed: 0,
  disabled: 0,
  unchanged: 0,
  skipped: 0,
  deadLettered: 0,
  held: 0,
  open: 0,
};
const report = (counts: Partial<ReportCounts>, rows?: number): RunReport => {
  const c = { ...zero, ...counts };
  return {
    runId: 'r',
    file: 'c/f.csv',
    source: 'default',
    kind: 'full',
    state: 'complete',
    startedAt: '',
    endedAt: '',
    rows: rows ?? c.valid + c.rejected,
    counts: c,
    disabledWhy: { absent: 0, inactive: 0, other: 0 },
    requests: { total: 0, accepted: 0, notAccepted: 0 },
    nextSteps: [],
    rejected: [],
    deadLettered: [],
    disabled: [],
  };
};

describe('lostRecords', () => {
  it('is empty when every row and leaver is accounted for and the directory agrees', async () => {
    const l = ledger([
      { externalId: 'A', state: 'confirmed' },
      { externalId: 'B', state: 'dead-lettered' },
      { externalId: 'L', state: 'disabled' },
      { externalId: 'U', state: 'unchanged' },
    ]);
    const dir = new Map([
      ['A', { enabled: true }],
      ['L', { enabled: false }],
    ]);
    expect(await lostRecords(report({ valid: 3, rejected: 1, records: 4, leavers: 1, created: 1, deadLettered: 1, disabled: 1, unchanged: 1 }), l, dir)).toEqual([]);
  });

  it('names rows and records that went missing, and disables the directory does not show', async () => {
    const l = ledger([
      { externalId: 'A', state: 'confirmed' },
      { externalId: 'B', state: 'submitted' },
      { externalId: 'L', state: 'disabled' },
    ]);
    const problems = await lostRecords(report({ valid: 2, records: 3, leavers: 0, created: 1, disabled: 1 }, 3), l, new Map([['L', { enabled: true }]]));
    expect(problems).toEqual([
      '3 rows read but 2 valid + 0 rejected',
      '3 records but 2 valid rows + 0 leavers',
      '3 records but 2 ended created, updated, disabled, unchanged, skipped, dead-lettered or held',
      '1 records are still queued or submitted in the ledger',
      '1 records confirmed in the ledger are not in the directory',
      '1 records disabled in the ledger are not disabled in the directory',
    ]);
  });
});

describe('exitCodeOf', () => {
  it('is 0 only when every record was confirmed, disabled, unchanged or skipped and nothing was lost', () => {
    expect(exitCodeOf(report({ valid: 4, records: 5, leavers: 1, created: 1, updated: 1, disabled: 1, unchanged: 1, skipped: 1 }), [])).toBe(0);
  });

  it('is 1 for rejected rows, dead-lettered records, a held run or a lost record', () => {
    expect(exitCodeOf(report({ valid: 1, rejected: 1, records: 1, created: 1 }), [])).toBe(1);
    expect(exitCodeOf(report({ valid: 1, records: 1, deadLettered: 1 }), [])).toBe(1);
    expect(exitCodeOf({ ...report({ valid: 1, records: 1, held: 1 }), state: 'held' }, [])).toBe(1);
    expect(exitCodeOf(report({ valid: 1, records: 1, created: 1 }), ['1 records are still queued or submitted in the ledger'])).toBe(1);
  });

  it('is 2 for an unusable input', () => {
    expect(exitCodeOf({ ...report({}), state: 'unusable', unusable: { rule: 'extract', message: 'c/f.csv: the file is empty (0 bytes).' } }, [])).toBe(2);
  });
});
