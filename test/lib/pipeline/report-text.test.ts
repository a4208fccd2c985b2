// The terminal rendering of a run report: what happened, counts, what to do, then each problem by line, cut at 20.
import { describe, expect, it } from 'vitest';
import { reportText } from '../../../lib/pipeline/report-text.js';
import { nextSteps } from '../../../lib/pipeline/report.js';
import type { RunReport } from '../../../lib/pipeline/report.js';

const base: RunReport = {
  runId: '20261123-abc',
  file: 'hr-extracts/workers.csv',
  source: 'default',
  kind: 'full',
  state: 'complete',
  startedAt: '2026-11-23T07:00:00.000Z',
  endedAt: '2026-11-23T07:00:12.500Z',
  rows: 4,
  counts: { valid: 3, rejected: 1, records: 4, leavers: 1, created: 1, updated: 0, confirmed: 1, disabled: 1, unchanged: 1, skipped: 0, deadLettered: 1, held: 0, open: 0 },
  disabledWhy: { absent: 1, inactive: 0, other: 0 },
  requests: { total: 2, accepted: 1, notAccepted: 1 },
  nextSteps: ['Fix the rejected rows.'],
  rejected: [{ line: 4, column: 'Email', externalId: 'E3', rule: 'email-format', message: 'emails[0].value is not a well-formed email address' }],
  deadLettered: [{ line: 2, externalId: 'E1', attempts: 5, errorCode: 'UnresolvedReference', reason: 'The manager was not found.' }],
  disabled: [{ line: 0, externalId: 'E9', reason: 'absent from the extract' }],
};

describe('reportText', () => {
  it('shows counts, duration, what to do and each problem with line, column and rule', () => {
    expect(reportText(base)).toEqual([
      'Run 20261123-abc (hr-extracts/workers.csv, source default, full) complete in 12.5 s',
      '  rows 4: valid 3, rejected 1',
      '  records 4: created 1, updated 0, disabled 1 (1 absent from the extract), unchanged 1 (not sent), skipped 0, dead-lettered 1',
      '  requests 2 (1 not accepted)',
      '  → Fix the rejected rows.',
      '  rejected before sending (1 problem):',
      '    line 4, Email (E3): emails[0].value is not a well-formed email address [email-format]',
      '  dead-lettered (1):',
      '    line 2 (E1) after 5 attempts: UnresolvedReference: The manager was not found.',
      '  disabled (1):',
      '    (E9): absent from the extract',
    ]);
  });

  it('says a held run sent nothing, and which thresholds held it', () => {
    const held: RunReport = {
      ...base,
      state: 'held',
      counts: { ...base.counts, created: 0, disabled: 0, deadLettered: 0, held: 3 },
      deadLettered: [],
      disabled: [],
      held: [{ threshold: 'maxShrinkPercent', limit: 20, actual: 40, message: "600 rows, 40% fewer than the 1000 of the source's last full extract (at most 20% allowed)" }],
      plan: {
        create: 0,
        update: 2,
        resend: 0,
        drift: 0,
        disableAbsent: 400,
        disableInactive: 0,
        unchanged: 1,
        otherSource: 0,
        incompleteDisables: 0,
        warnings: [],
        warningsTotal: 0,
      },
    };
    const lines = reportText(held);
    expect(lines[0]).toBe('Run 20261123-abc (hr-extracts/workers.csv, source default, full) HELD: nothing was sent');
    expect(lines).toContain('  planned: create 0, update 2, resend 0, disable 400 (400 absent, 0 active: false), unchanged 1');
    expect(lines).toContain("  held: maxShrinkPercent: 600 rows, 40% fewer than the 1000 of the source's last full extract (at most 20% allowed)");
  });

  it('names a file-level problem as the file and cuts long lists at 20', () => {
    const many = Array.from({ length: 25 }, (_, i) => ({ line: i + 2, externalId: `E${i}`, attempts: 1 }));
    const lines = reportText({ ...base, rejected: [{ rule: 'extract', message: 'the file is not text' }], deadLettered: many });
    expect(lines).toContain('    file: the file is not text [extract]');
    expect(lines).toContain('    line 2 (E0) after 1 attempt: no code: no reason given');
    expect(lines).toContain('    … and 5 more in problems.csv');
  });
});

describe('reportText with an externalId far too long', () => {
  it('shortens it, as problem lines do, so a wrong column mapped as the id cannot flood the report', () => {
    const long = `X${'9'.repeat(199)}`;
    const text = reportText({ ...base, deadLettered: [{ line: 2, externalId: long, attempts: 1, errorCode: 'InvalidAnchor', reason: 'no match' }] }).join('\n');
    expect(text).not.toContain(long);
    expect(text).toContain('(200 characters)');
  });
});

describe('nextSteps', () => {
  it('counts one record in the singular and several in the plural', () => {
    const one = { externalId: 'E2', line: 3, manager: 'E1', state: 'confirmed' } as NonNullable<RunReport['withoutManager']>[number];
    const steps = (n: number): string[] => nextSteps({ ...base, withoutManager: Array(n).fill(one) as RunReport['withoutManager'] });
    expect(steps(1).some((s) => s.startsWith('1 record was sent without its manager reference'))).toBe(true);
    expect(steps(3).some((s) => s.startsWith('3 records were sent without their manager reference'))).toBe(true);
  });
});
