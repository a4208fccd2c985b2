import { describe, expect, it } from 'vitest';
import { candidateOf } from '../../../lib/delta/candidate.js';
import { releaseFromRejectedManagers } from '../../../lib/delta/managers.js';
import type { Candidate } from '../../../lib/delta/plan.js';
import { CandidateTable } from '../../../lib/delta/table.js';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

function op(externalId: string, manager?: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    method: 'POST',
    bulkId: externalId,
    path: '/Users',
    data: { externalId, active: true, ...(manager === undefined ? {} : { [ENT]: { manager: { value: manager }, department: 'R&D' } }), ...extra },
  });
}

// An OperationStore in memory.
function memoryStore(): { read(n: number): Promise<string>; add(json: string): number; all: string[] } {
  const all: string[] = [];
  return { all, read: async (n) => all[n] as string, add: (json) => all.push(json) - 1 };
}

const strip = ({ row: _row, ...c }: Candidate & { row: number }): Candidate => c;

describe('CandidateTable', () => {
  it('gives back each record as candidateOf reads it, in file order', () => {
    const rows: Array<[string, number, string]> = [
      ['A', 2, op('A')],
      ['B', 3, op('B', 'A')],
      ['C', 5, op('C', undefined, { active: false })],
      ['Zoë', 7, op('Zoë', 'Zoë')],
    ];
    const table = new CandidateTable();
    rows.forEach(([id, line, json], i) => expect(table.add(id, line, json, i)).toBe(i));
    expect(table.length).toBe(4);
    expect([...table.records()].map(strip)).toEqual(rows.map(([id, line, json], i) => candidateOf(id, line, json, i)));
    expect(table.get(1)).toMatchObject({ row: 1, externalId: 'B', managerId: 'A' });
    expect(() => table.get(4)).toThrow(RangeError);
  });

  it('keeps a hash not of recordHash form as it is', () => {
    const table = new CandidateTable();
    table.addCandidate({ externalId: 'A', line: 2, stored: 0, hash: 'sha256-old', active: true });
    expect(table.get(0).hash).toBe('sha256-old');
  });

  it('gives each record without its hash, and after dropHashes only that: hash, get and add then refuse', () => {
    const table = new CandidateTable();
    table.add('A', 2, op('A'), 0);
    table.add('B', 3, op('B', 'A'), 1);
    table.addCandidate({ externalId: 'C', line: 4, stored: 2, hash: 'sha256-old', active: false, withoutManager: 'A' });
    const hashes = [0, 1, 2].map((row) => table.hash(row));
    expect(hashes).toEqual([candidateOf('A', 2, op('A'), 0).hash, candidateOf('B', 3, op('B', 'A'), 1).hash, 'sha256-old']);
    const unhashed = [0, 1, 2].map((row) => table.unhashed(row));
    expect(unhashed).toEqual([0, 1, 2].map((row) => strip(table.get(row) as Candidate & { row: number })).map(({ hash: _h, ...c }, row) => ({ ...c, row })));
    expect(unhashed[2]).toEqual({ row: 2, externalId: 'C', line: 4, stored: 2, active: false, withoutManager: 'A' });
    table.dropHashes();
    expect([0, 1, 2].map((row) => table.unhashed(row))).toEqual(unhashed);
    expect(table.managerRow(1)).toBe(0);
    expect(() => table.hash(0)).toThrow(/no longer holds hashes/);
    expect(() => table.get(0)).toThrow(/no longer holds hashes/);
    expect(() => table.add('D', 5, op('D'), 3)).toThrow(/nothing can be added/);
    expect(table.has('A')).toBe(true);
    table.dropLookup();
    expect([0, 1, 2].map((row) => table.unhashed(row))).toEqual(unhashed);
    expect(() => table.has('A')).toThrow(/no longer finds ids/);
    expect(() => table.managerRow(1)).toThrow(/no longer finds records by id/);
    expect(() => table.addPresent('Q')).toThrow(/no longer finds ids/);
  });

  it('holds the ids of valid and rejected rows as present, not the managers they merely name', () => {
    const table = new CandidateTable(2);
    table.addPresent('R');
    table.add('A', 2, op('A', 'ELSEWHERE'), 0);
    expect(['A', 'R', 'ELSEWHERE', 'X'].map((id) => table.has(id))).toEqual([true, true, false, false]);
  });

  it('finds a manager named by a valid record, and none for a rejected or absent one', () => {
    const table = new CandidateTable();
    table.addPresent('R');
    table.add('B', 3, op('B', 'A'), 0);
    table.add('A', 2, op('A'), 1);
    table.add('C', 4, op('C', 'R'), 2);
    table.add('D', 5, op('D', 'GONE'), 3);
    expect([0, 1, 2, 3].map((row) => table.managerRow(row))).toEqual([1, -1, -1, -1]);
    expect(table.managerOf(3)).toBe('GONE');
    expect(table.unknownManagerRefs()).toEqual([{ externalId: 'D', line: 5, managerId: 'GONE' }]);
  });

  it('releases reports of a rejected manager as releaseFromRejectedManagers does, unless the directory has the manager', async () => {
    const rows: Array<[string, number, string]> = [
      ['A', 2, op('A', 'M')],
      ['B', 3, op('B', 'K')],
      ['C', 4, op('C', 'V')],
      ['V', 5, op('V')],
      ['D', 6, op('D', 'M')],
      ['S', 7, op('S', 'S')],
    ];
    const present = new Set(['M', 'K', ...rows.map(([id]) => id)]);
    const known = async (ids: readonly string[]): Promise<ReadonlySet<string>> => new Set(ids.filter((id) => id === 'K'));

    const objects = memoryStore();
    const candidates = rows.map(([id, line, json]) => candidateOf(id, line, json, objects.add(json)));
    const expected = await releaseFromRejectedManagers(candidates, present, known, objects);

    const compact = memoryStore();
    const table = new CandidateTable();
    table.addPresent('M');
    table.addPresent('K');
    for (const [id, line, json] of rows) table.add(id, line, json, compact.add(json));
    const dropped = await table.releaseFromRejectedManagers(known, compact);

    expect(dropped).toEqual(expected.dropped);
    expect([...table.records()].map(strip)).toEqual(expected.candidates);
    expect(compact.all).toEqual(objects.all);
    expect(table.managerOf(0)).toBeUndefined();
    expect(table.managerRow(0)).toBe(-1);
    expect(table.unknownManagerRefs()).toEqual([]);
  });

  it('keeps each record’s decision, notes shared', () => {
    const table = new CandidateTable();
    ['A', 'B', 'C'].forEach((id, i) => table.add(id, i + 2, op(id), i));
    expect(() => table.decision(0)).toThrow(/not been planned/);
    table.decide(0, { state: 'unchanged', note: 'same as last confirmed on 2026-12-04' });
    table.decide(1, { state: 'queued', intent: 'create', note: 'new', confirmedAt: 5 });
    table.decide(2, { state: 'queued', intent: 'disable', note: 'active: false in the extract' });
    expect([0, 1, 2].map((row) => table.decision(row))).toEqual([
      { state: 'unchanged', note: 'same as last confirmed on 2026-12-04' },
      { state: 'queued', intent: 'create', note: 'new' },
      { state: 'queued', intent: 'disable', note: 'active: false in the extract' },
    ]);
    expect(() => table.decide(0, { state: 'queued', note: 'no intent' })).toThrow();
  });

  it('holds more records than it reserved, and as many as it did', () => {
    const table = new CandidateTable(1);
    table.reserve(3);
    for (let i = 0; i < 3000; i++) table.add(`W${i}`, i + 2, op(`W${i}`, i === 0 ? undefined : `W${i >> 1}`), i);
    expect(table.length).toBe(3000);
    expect(table.get(2999)).toMatchObject({ externalId: 'W2999', line: 3001, stored: 2999, managerId: 'W1499' });
    expect(table.managerRow(2999)).toBe(1499);
  });
});
