import { describe, expect, it } from 'vitest';
import { candidateOf } from '../../../lib/delta/candidate.js';
import { recordHash } from '../../../lib/delta/hash.js';
import { sendOrder } from '../../../lib/delta/order.js';
import { disablesOf, leaverOperation, planEach, planRun } from '../../../lib/delta/plan.js';
import type { PersonView, PlanContext } from '../../../lib/delta/plan.js';
import type { SourceSettings } from '../../../lib/sources/sources.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-12-05T02:00:00Z');
const hr: SourceSettings = { name: 'hr', mapping: 'm.json', kind: 'full', resendAfterDays: 0, guard: { maxShrinkPercent: 20, maxRejectedPercent: 10, maxFailedPercent: 20 } };
const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

function op(externalId: string, extra: Record<string, unknown> = {}, manager?: string): string {
  return JSON.stringify({
    method: 'POST',
    bulkId: externalId,
    path: '/Users',
    data: { externalId, active: true, title: 'Engineer', ...(manager === undefined ? {} : { [ENT]: { manager: { value: manager } } }), ...extra },
  });
}
const data = (json: string): unknown => (JSON.parse(json) as { data: unknown }).data;
function person(externalId: string, json: string, extra: Partial<PersonView> = {}): PersonView {
  return { externalId, hash: recordHash(data(json)), source: 'hr', active: true, confirmedAt: NOW - DAY, ...extra };
}
function ctx(people: PersonView[], present: string[], extra: Partial<PlanContext> = {}, listed: Record<string, string[]> = {}): PlanContext {
  return {
    source: hr,
    people: new Map(people.map((p) => [p.externalId, p])),
    present: new Set(present),
    now: NOW,
    listedBy: async (source, id) => (listed[source] ?? []).includes(id),
    ...extra,
  };
}

describe('planRun', () => {
  it('sends new and changed records, leaves unchanged ones, and disables the absent', async () => {
    const [a, b, c] = [op('A'), op('B'), op('C', { title: 'Lead' })];
    const people = [person('A', a), person('B', op('B', { title: 'Intern' })), person('C', c), person('L', op('L'))];
    const candidates = [candidateOf('A', 2, a, 0), candidateOf('B', 3, b, 1), candidateOf('C', 4, c, 2), candidateOf('N', 5, op('N'), 3)];
    const plan = await planRun(candidates, ctx(people, ['A', 'B', 'C', 'N']));
    expect(plan.records.map((r) => [r.externalId, r.state, r.intent, r.note])).toEqual([
      ['A', 'unchanged', undefined, 'same as last confirmed on 2026-12-04'],
      ['B', 'queued', 'update', 'changed since last confirmed'],
      ['C', 'unchanged', undefined, 'same as last confirmed on 2026-12-04'],
      ['N', 'queued', 'create', 'new'],
    ]);
    expect(plan.leavers.map((l) => l.externalId)).toEqual(['L']);
    expect(plan.counts).toMatchObject({ create: 1, update: 1, unchanged: 2, disableAbsent: 1, disableInactive: 0 });
    expect(plan.activePeople).toBe(4);
    expect(disablesOf(plan)).toBe(1);
  });

  it('counts an explicit active: false for someone active as a disable, and never disables the already inactive or the rejected', async () => {
    const off = op('A', { active: false });
    const people = [person('A', op('A')), person('X', op('X', { active: false }), { active: false }), person('R', op('R'))];
    const plan = await planRun([candidateOf('A', 2, off, 0)], ctx(people, ['A', 'R']));
    expect(plan.records[0]).toMatchObject({ intent: 'disable', note: 'active: false in the extract' });
    expect(plan.leavers).toEqual([]);
    expect(plan.counts.disableInactive).toBe(1);
    expect(plan.activePeople).toBe(2);
  });

  it('infers nothing from absence in a changes source', async () => {
    const plan = await planRun([], ctx([person('L', op('L'))], [], { source: { ...hr, kind: 'changes' } }));
    expect(plan.leavers).toEqual([]);
  });

  it('sends a record recorded before delta once, and everyone on a full resend', async () => {
    const a = op('A');
    const plan = await planRun(
      [candidateOf('A', 2, a, 0), candidateOf('B', 3, op('B'), 1)],
      ctx([person('A', a, { hash: 'sha256-old' }), person('B', op('B'))], ['A', 'B'], { fullResend: 'full resend requested by an operator' }),
    );
    expect(plan.records.map((r) => [r.intent, r.note])).toEqual([
      ['update', 'last confirmed before hrsync compared records: sent once'],
      ['resend', 'full resend requested by an operator'],
    ]);
    expect(plan.counts).toMatchObject({ update: 1, resend: 1, unchanged: 0 });
  });

  it('resends the people whose drift boundary passed', async () => {
    const a = op('A');
    const long = await planRun([candidateOf('A', 2, a, 0)], ctx([person('A', a, { confirmedAt: NOW - 30 * DAY })], ['A'], { source: { ...hr, resendAfterDays: 7 } }));
    expect(long.records[0]).toMatchObject({ state: 'queued', intent: 'resend' });
    expect(long.counts.drift).toBe(1);
    const off = await planRun([candidateOf('A', 2, a, 0)], ctx([person('A', a, { confirmedAt: NOW - 30 * DAY })], ['A']));
    expect(off.records[0]?.state).toBe('unchanged');
  });

  it('leaves a person another source owns and lists to that source, with a warning', async () => {
    const a = op('A');
    const people = [person('A', op('A', { title: 'Contractor' }), { source: 'contractors' })];
    const plan = await planRun([candidateOf('A', 2, a, 0)], ctx(people, ['A'], {}, { contractors: ['A'] }));
    expect(plan.records[0]).toMatchObject({ state: 'unchanged', note: 'not sent: source contractors owns this person and its latest extract lists them too' });
    expect(plan.contested).toEqual([{ externalId: 'A', owner: 'contractors' }]);
    expect(plan.warnings[0]).toMatchObject({ rule: 'other-source', externalId: 'A', line: 2, source: 'contractors' });
    expect(plan.counts.otherSource).toBe(1);
  });

  it('takes over a person whose source no longer lists them', async () => {
    const plan = await planRun([candidateOf('A', 2, op('A'), 0)], ctx([person('A', op('A'), { source: 'contractors' })], ['A']));
    expect(plan.records[0]).toMatchObject({ state: 'queued', intent: 'update', note: 'taken over from source contractors, whose latest extract no longer lists them' });
    expect(plan.warnings[0]?.rule).toBe('taken-over');
  });

  it('never disables someone another source sent, and hands over an absent person the other source lists', async () => {
    const people = [person('C', op('C'), { source: 'contractors' }), person('H', op('H'), { alsoIn: 'contractors' }), person('G', op('G'), { alsoIn: 'contractors' })];
    const plan = await planRun([], ctx(people, [], {}, { contractors: ['H'] }));
    expect(plan.leavers.map((l) => l.externalId)).toEqual(['G']);
    expect(plan.handovers).toEqual([{ externalId: 'H', to: 'contractors' }]);
    expect(plan.activePeople).toBe(2);
  });

  it('warns the owner about a person another source also lists, and forgets the mark once it does not', async () => {
    const a = op('A');
    const b = op('B');
    const people = [person('A', a, { alsoIn: 'contractors' }), person('B', b, { alsoIn: 'contractors' })];
    const plan = await planRun([candidateOf('A', 2, a, 0), candidateOf('B', 3, b, 1)], ctx(people, ['A', 'B'], {}, { contractors: ['A'] }));
    expect(plan.warnings.map((w) => [w.rule, w.externalId])).toEqual([['other-source', 'A']]);
    expect(plan.uncontested).toEqual(['B']);
  });
});

describe('leaverOperation and sendOrder', () => {
  it('disables with the last confirmed complete record', () => {
    const last = op('L', { title: 'Analyst' });
    const { json, complete } = leaverOperation('L', last);
    expect(complete).toBe(true);
    expect(JSON.parse(json)).toEqual({ ...JSON.parse(last), data: { ...(JSON.parse(last) as { data: object }).data, active: false } });
    const bare = leaverOperation('L', undefined);
    expect(bare.complete).toBe(false);
    expect((JSON.parse(bare.json) as { data: unknown }).data).toMatchObject({ externalId: 'L', active: false });
  });

  it('puts disables first, then creates, updates and drift resends, each group managers before their reports', () => {
    const ordered = sendOrder([
      { externalId: 'D', intent: 'resend' },
      { externalId: 'R', managerId: 'M', intent: 'create' },
      { externalId: 'M', intent: 'update' },
      { externalId: 'L', intent: 'disable' },
      { externalId: 'Q', managerId: 'R', intent: 'create' },
      { externalId: 'N', intent: 'create' },
      { externalId: 'P', managerId: 'N', intent: 'create' },
      { externalId: 'U', managerId: 'N', intent: 'update' },
    ]);
    expect(ordered.map((o) => [o.externalId, o.group, o.depth])).toEqual([
      ['L', 0, 0],
      ['R', 1, 0],
      ['N', 1, 0],
      ['Q', 1, 1],
      ['P', 1, 1],
      ['M', 2, 0],
      ['U', 2, 0],
      ['D', 3, 0],
    ]);
  });
});

describe('planEach', () => {
  it('hands each record’s decision to the sink, in file order, as planRun keeps them, and leaves plan.records empty', async () => {
    const [a, b, c] = [op('A'), op('B'), op('C', { active: false })];
    const people = [person('A', a), person('B', op('B', { title: 'Intern' })), person('C', op('C')), person('O', op('O'), { source: 'other' }), person('L', op('L'))];
    const candidates = [candidateOf('A', 2, a, 0), candidateOf('B', 3, b, 1), candidateOf('C', 4, c, 2), candidateOf('N', 5, op('N'), 3), candidateOf('O', 6, op('O'), 4)];
    const context = ctx(people, ['A', 'B', 'C', 'N', 'O'], {}, { other: ['O'] });
    const expected = await planRun(candidates, context);
    const seen: unknown[] = [];
    const plan = await planEach(candidates, context, (cand, d) => seen.push({ ...cand, ...d }));
    expect(seen).toEqual(expected.records);
    expect(plan).toEqual({ ...expected, records: [] });
  });
});
