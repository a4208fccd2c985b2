import { describe, expect, it } from 'vitest';
import { batchSpool, scanExtract } from '../../../lib/convert/convert.js';
import { DiscardSpool, TempFileSpool } from '../../../lib/convert/spool.js';
import { parseBatch } from '../../../lib/scim/bulk.js';
import type { Problem } from '../../../lib/scim/problem.js';
import { fakeExtract, fakeMapping, row } from './fakes.js';

async function run(rows: Parameters<typeof fakeExtract>[0], limit?: number) {
  const problems: Problem[] = [];
  const spool = new TempFileSpool();
  const scan = await scanExtract(fakeExtract(rows), fakeMapping(), { spool, limit, onProblem: (p) => problems.push(p) });
  const sent: string[] = [];
  for await (const b of batchSpool(spool, scan.withdrawn)) sent.push(...parseBatch(b).Operations.map((o) => o.data.externalId));
  await spool.dispose();
  return { scan, problems, sent };
}

describe('scanExtract', () => {
  it('passes good rows and reports bad ones with file, line, column and rule', async () => {
    const { scan, problems, sent } = await run([
      row(2, 'E1'),
      row(3, 'E2', 'not-an-email'),
      row(4, 'E3', undefined, 'Active', 'bad'),
      { line: 5, fields: ['E4'], defect: { rule: 'ragged-row', message: 'line 5 has 1 field but the header has 4' } },
      row(6, 'E5'),
    ]);
    expect(sent).toEqual(['E1', 'E5']);
    expect(scan).toMatchObject({ rows: 5, valid: 2, rejected: 3, errors: 3, duplicateIds: 0, truncated: false });
    expect(problems).toEqual([
      expect.objectContaining({ file: 'workers.csv', line: 3, externalId: 'E2', column: 'Email', attribute: 'emails[0].value', rule: 'email-format' }),
      expect.objectContaining({ line: 4, externalId: 'E3', column: 'HireDate', rule: 'date-format' }),
      expect.objectContaining({ line: 5, rule: 'ragged-row' }),
    ]);
  });

  it('rejects both rows of a duplicate externalId, even when the first was already spooled', async () => {
    const { scan, problems, sent } = await run([row(2, 'E1'), row(3, 'E2'), row(4, 'E1'), row(5, 'E3'), row(6, 'E1')]);
    expect(sent).toEqual(['E2', 'E3']);
    expect(scan).toMatchObject({ rows: 5, valid: 2, rejected: 3, duplicateIds: 1 });
    const dups = problems.filter((p) => p.rule === 'duplicate-externalId');
    expect(dups.map((p) => p.line).sort()).toEqual([2, 4, 6]);
    expect(dups.find((p) => p.line === 2)?.message).toContain('lines 4, 6');
    expect(dups.find((p) => p.line === 6)?.message).toContain('line 2');
    expect(dups.every((p) => p.column === 'WorkerID')).toBe(true);
  });

  it('counts a duplicate whose first row was already rejected only once', async () => {
    const { scan, sent } = await run([row(2, 'E1', 'broken'), row(3, 'E1'), row(4, 'E2')]);
    expect(sent).toEqual(['E2']);
    expect(scan).toMatchObject({ rows: 3, valid: 1, rejected: 2 });
  });

  it('stops at the row limit and says so', async () => {
    const { scan, sent } = await run([row(2, 'E1'), row(3, 'E2'), row(4, 'E3')], 2);
    expect(sent).toEqual(['E1', 'E2']);
    expect(scan).toMatchObject({ rows: 2, truncated: true });
  });

  it('reports each kind of warning once and counts the rest', async () => {
    const problems: Problem[] = [];
    const mapping = fakeMapping();
    const base = mapping.bind(undefined, 'x');
    mapping.bind = () => ({
      ...base,
      map: (f) => {
        const r = base.map(f);
        r.user.phoneNumbers = [{ type: 'mobile', value: '1' }];
        return r;
      },
    });
    const scan = await scanExtract(fakeExtract([row(2, 'E1'), row(3, 'E2'), row(4, 'E3')]), mapping, { spool: new DiscardSpool(), onProblem: (p) => problems.push(p) });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ severity: 'warning', rule: 'non-work-type', line: 2 });
    expect(scan.warnings).toEqual([expect.objectContaining({ rule: 'non-work-type', count: 3 })]);
    expect(scan).toMatchObject({ valid: 3, rejected: 0, errors: 0 });
  });
});

describe('TempFileSpool', () => {
  it('spills to a file past its memory budget and reads back in order, then cleans up', async () => {
    const spool = new TempFileSpool(2000);
    const ids = Array.from({ length: 500 }, (_, i) => `E\t${i}\n`);
    for (const [i, externalId] of ids.entries()) await spool.write({ externalId, line: i + 2, json: JSON.stringify({ id: externalId, note: 'a\tb' }) });
    const back: { externalId: string; line: number; json: string }[] = [];
    for await (const op of spool.read()) back.push(op);
    expect(back.map((o) => o.externalId)).toEqual(ids);
    expect(back[499]).toEqual({ externalId: ids[499], line: 501, json: JSON.stringify({ id: ids[499], note: 'a\tb' }) });
    await spool.dispose();
  });
});
