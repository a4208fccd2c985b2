// One night's decision against a ledger (the in-memory one of the pipeline tests, same contract):
// what the source knew before, the leavers' complete records, the guard, and what a sent run leaves.
import { describe, expect, it } from 'vitest';
import { candidateOf } from '../../../lib/delta/candidate.js';
import { recordHash } from '../../../lib/delta/hash.js';
import { adoptRun, decideNight, mappingFingerprint } from '../../../lib/delta/nightly.js';
import type { SourceSettings } from '../../../lib/sources/sources.js';
import { MemoryLedger } from '../pipeline/memory.js';

const NOW = Date.parse('2026-12-05T02:00:00Z');
const hr: SourceSettings = { name: 'hr', mapping: 'm.json', kind: 'full', resendAfterDays: 0, guard: { maxShrinkPercent: 20, maxRejectedPercent: 10, maxFailedPercent: 20 } };
const op = (id: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ method: 'POST', bulkId: id, path: '/Users', data: { externalId: id, active: true, title: 'Analyst', ...extra } });
const data = (json: string): unknown => (JSON.parse(json) as { data: unknown }).data;

function ledgerWith(people: Array<{ id: string; json?: string; source?: string; active?: boolean; alsoIn?: string }>): MemoryLedger {
  const l = new MemoryLedger();
  for (const p of people) {
    const json = p.json ?? op(p.id);
    l.people.set(p.id, {
      externalId: p.id,
      lastConfirmedHash: recordHash(data(json)),
      lastConfirmedAt: '2026-12-04T02:00:00.000Z',
      lastRunId: 'r0',
      source: p.source ?? 'hr',
      active: p.active ?? true,
      payload: json,
      ...(p.alsoIn === undefined ? {} : { alsoIn: p.alsoIn }),
    });
  }
  return l;
}

const input = (ids: string[], extra: Partial<Parameters<typeof decideNight>[1]> = {}): Parameters<typeof decideNight>[1] => ({
  source: hr,
  candidates: ids.map((id, i) => candidateOf(id, i + 2, op(id), i)),
  present: new Set(ids),
  rows: ids.length,
  rejected: 0,
  now: NOW,
  fingerprint: 'c1-m1',
  ...extra,
});

describe('decideNight', () => {
  it('disables a leaver with the complete record last confirmed, and says when only externalId and active were kept', async () => {
    const l = ledgerWith([{ id: 'A' }, { id: 'L', json: op('L', { title: 'Lead', department: 'Sales' }) }]);
    l.people.set('OLD', { externalId: 'OLD', lastConfirmedHash: 'sha-old', lastConfirmedAt: '2026-01-01T00:00:00Z', lastRunId: 'r', source: 'hr', active: true });
    const d = await decideNight(l, input(['A']));
    expect(d.leavers.map((x) => [x.externalId, x.complete])).toEqual([
      ['L', true],
      ['OLD', false],
    ]);
    expect(data(d.leavers[0]?.json as string)).toEqual({ externalId: 'L', active: false, title: 'Lead', department: 'Sales' });
    expect(d.summary).toMatchObject({ disableAbsent: 2, incompleteDisables: 1, unchanged: 1 });
    expect(d.held).toEqual([]);
  });

  it("holds over the source's thresholds, compares rows with the source's last full extract, and notes a changed mapping", async () => {
    const l = ledgerWith(Array.from({ length: 40 }, (_, i) => ({ id: `P${i}` })));
    await l.setSourceState('hr', { lastRunId: 'r0', lastRows: 40, kind: 'full', mappingFingerprint: 'c1-m0' });
    const d = await decideNight(l, input(['P0', 'P1', 'P2'], { fingerprint: 'c1-m1' }));
    expect(d.held.map((h) => [h.threshold, h.limit, h.actual])).toEqual([
      ['maxDisables', 25, 37],
      ['maxShrinkPercent', 20, 92.5],
    ]);
    expect(d.summary).toMatchObject({ mappingChanged: true, mappingFingerprint: 'c1-m1' });
    expect(d.before?.lastRows).toBe(40);
  });

  it('treats the latest extract of a changes source as listing everyone it has, and of a full source only whom it lists', async () => {
    const l = ledgerWith([
      { id: 'C', source: 'contractors' },
      { id: 'F', source: 'flat' },
    ]);
    await l.setSourceState('contractors', { lastRunId: 'rc', kind: 'changes' });
    await l.setSourceState('flat', { lastRunId: 'rf', kind: 'full' });
    const d = await decideNight(l, input(['C', 'F']));
    expect(d.plan.records.map((r) => [r.externalId, r.state])).toEqual([
      ['C', 'unchanged'],
      ['F', 'queued'],
    ]);
    expect(d.plan.warnings.map((w) => [w.rule, w.externalId])).toEqual([
      ['other-source', 'C'],
      ['taken-over', 'F'],
    ]);
  });

  it('carries out an hrsync resend once, and a sent run becomes what the source compares with', async () => {
    const l = ledgerWith([{ id: 'A' }]);
    await l.setSourceState('hr', { resendRequestedAt: '2026-12-04T10:00:00.000Z' });
    const d = await decideNight(l, input(['A']));
    expect(d.plan.records[0]).toMatchObject({ state: 'queued', intent: 'resend' });
    expect(d.summary.resendRequestedAt).toBe('2026-12-04T10:00:00.000Z');
    // Asked again meanwhile: the newer request stays for the next run.
    await l.setSourceState('hr', { resendRequestedAt: '2026-12-05T01:00:00.000Z' });
    await adoptRun(l, hr, 'r1', 1, d.summary);
    expect(await l.getSourceState('hr')).toMatchObject({ lastRunId: 'r1', lastRows: 1, kind: 'full', mappingFingerprint: 'c1-m1', resendRequestedAt: '2026-12-05T01:00:00.000Z' });
    await adoptRun(l, hr, 'r2', 1, { ...d.summary, resendRequestedAt: '2026-12-05T01:00:00.000Z' });
    expect((await l.getSourceState('hr'))?.resendRequestedAt).toBeUndefined();
    expect(mappingFingerprint({ b: 1, a: [1, 2] })).toBe(mappingFingerprint({ a: [1, 2], b: 1 }));
  });
});
