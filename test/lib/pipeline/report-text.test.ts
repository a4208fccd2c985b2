// The terminal rendering of a run report: counts, then each problem by line, cut at 20.
import { describe, expect, it } from 'vitest';
import type { RunReport } from '../../../lib/pipeline/report.js';
import { reportText } from '../../../tools/local/report-text.js';

const base: RunReport = {
  runId: '20261123-abc', file: 'hr-extracts/workers.csv', startedAt: '2026-11-23T07:00:00.000Z', endedAt: '2026-11-23T07:00:12.500Z',
  rows: 3, counts: { valid: 2, rejected: 1, confirmed: 1, skipped: 0, deadLettered: 1 },
  rejected: [{ line: 4, column: 'Email', externalId: 'E3', rule: 'email-format', message: 'emails[0].value is not a well-formed email address' }],
  deadLettered: [{ line: 2, externalId: 'E1', attempts: 5, errorCode: 'UnresolvedReference', reason: 'The manager was not found.' }],
};

describe('reportText', () => {
  it('shows counts, duration and each problem with line, column and rule', () => {
    expect(reportText(base)).toEqual([
      'Run 20261123-abc (hr-extracts/workers.csv) complete in 12.5 s',
      '  rows 3: valid 2, rejected 1',
      '  records: confirmed 1, skipped 0, dead-lettered 1',
      '  rejected before sending (1 problem):',
      '    line 4, Email (E3): emails[0].value is not a well-formed email address [email-format]',
      '  dead-lettered (1):',
      '    line 2 (E1) after 5 attempts: UnresolvedReference: The manager was not found.',
    ]);
  });

  it('names a file-level problem as the file and cuts long lists at 20', () => {
    const many = Array.from({ length: 25 }, (_, i) => ({ line: i + 2, externalId: `E${i}`, attempts: 1 }));
    const lines = reportText({ ...base, rejected: [{ rule: 'extract', message: 'the file is not text' }], deadLettered: many });
    expect(lines).toContain('    file: the file is not text [extract]');
    expect(lines).toContain('    line 2 (E0) after 1 attempt: no code: no reason given');
    expect(lines.at(-1)).toBe('    … and 5 more in problems.csv');
  });
});
