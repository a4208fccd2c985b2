// The exit-code check of npm run local: a finished run's numbers must add up against the ledger and the directory.
import { describe, expect, it } from 'vitest';
import type { LedgerRecord, RecordState } from '../../../lib/ledger/types.js';
import type { RunReport } from '../../../lib/pipeline/report.js';
import { lostRecords } from '../../../tools/local/accounting.js';

function ledger(records: Array<Pick<LedgerRecord, 'externalId' | 'state'>>) {
  return {
    async countByState(): Promise<Record<RecordState, number>> {
      const c: Record<RecordState, number> = { queued: 0, submitted: 0, confirmed: 0, skipped: 0, 'dead-lettered': 0 };
      for (const r of records) c[r.state]++;
      return c;
    },
    async *listRecords(_runId: string, state?: RecordState): AsyncIterable<LedgerRecord> {
      for (const r of records) if (state === undefined || r.state === state) yield r as LedgerRecord;
    },
  };
}

const report = (counts: RunReport['counts'], rows = counts.valid + counts.rejected): RunReport => ({
  runId: 'r', file: 'c/f.csv', startedAt: '', endedAt: '', rows, counts, rejected: [], deadLettered: [],
});

describe('lostRecords', () => {
  it('is empty when every row is accounted for and every confirmed record is in the directory', async () => {
    const l = ledger([{ externalId: 'A', state: 'confirmed' }, { externalId: 'B', state: 'dead-lettered' }]);
    expect(await lostRecords(report({ valid: 2, rejected: 1, confirmed: 1, skipped: 0, deadLettered: 1 }), l, new Map([['A', {}]]))).toEqual([]);
  });

  it('names rows and records that went missing', async () => {
    const l = ledger([{ externalId: 'A', state: 'confirmed' }, { externalId: 'B', state: 'submitted' }]);
    const problems = await lostRecords(report({ valid: 2, rejected: 0, confirmed: 1, skipped: 0, deadLettered: 0 }, 3), l, new Map());
    expect(problems).toEqual([
      '3 rows read but 2 valid + 0 rejected',
      '2 valid records but 1 ended confirmed, skipped or dead-lettered',
      '1 records are still queued or submitted in the ledger',
      '1 records confirmed in the ledger are not in the directory',
    ]);
  });
});
