import { describe, expect, it } from 'vitest';
import type { ProvisioningObjectSummary } from '../../../tools/simulator/log-entry.js';
import { FilterError, compileFilter } from '../../../tools/simulator/log-filter.js';

function entry(over: { jobId?: string; status?: 'success' | 'failure'; source?: string; at?: string }): ProvisioningObjectSummary {
  return {
    jobId: over.jobId ?? 'job-1',
    activityDateTime: over.at ?? '2026-01-01T10:00:00.000Z',
    provisioningStatusInfo: { status: over.status ?? 'success', errorInformation: null },
    sourceIdentity: { id: over.source ?? 'E1', displayName: '', identityType: 'User', details: {} },
  } as ProvisioningObjectSummary;
}

describe('compileFilter', () => {
  it('combines clauses with and', () => {
    const p = compileFilter("jobid eq 'job-1' and statusInfo/status eq 'failure'");
    expect(p(entry({ status: 'failure' }))).toBe(true);
    expect(p(entry({ status: 'success' }))).toBe(false);
    expect(p(entry({ jobId: 'job-2', status: 'failure' }))).toBe(false);
  });

  it('compares string values case-sensitively and unescapes doubled quotes', () => {
    expect(compileFilter("sourceIdentity/id eq 'e1'")(entry({}))).toBe(false);
    expect(compileFilter("sourceIdentity/id eq 'O''Brien'")(entry({ source: "O'Brien" }))).toBe(true);
  });

  it('keeps " and " inside a string literal', () => {
    expect(compileFilter("sourceIdentity/id eq 'a and b'")(entry({ source: 'a and b' }))).toBe(true);
  });

  it('compares activityDateTime as instants, quoted or not', () => {
    const at = entry({ at: '2026-01-01T10:00:00.000Z' });
    expect(compileFilter('activityDateTime gt 2026-01-01T09:59:59.999Z')(at)).toBe(true);
    expect(compileFilter('activityDateTime lt 2026-01-01T10:00:00Z')(at)).toBe(false);
    expect(compileFilter("activityDateTime le '2026-01-01T11:00:00+01:00'")(at)).toBe(true);
  });

  it.each(["contains(jobid,'x')", "jobid eq 'a' or jobid eq 'b'", "jobid lt 'x'", "nope eq 'x'", "jobid eq 'open", 'activityDateTime gt yesterday', "(jobid eq 'x')"])(
    'rejects %s',
    (filter) => {
      expect(() => compileFilter(filter)).toThrow(FilterError);
    },
  );
});
