import { describe, expect, it } from 'vitest';
import { WORKER_COLUMNS, generateWorkers } from '../../../tools/generate/workers.js';
import type { WorkerRow } from '../../../tools/generate/workers.js';
import { emailLocalPart } from '../../../tools/generate/names.js';

const rows: WorkerRow[] = [...generateWorkers(3000, 7)];
const byId = new Map(rows.map((r, i) => [r.WorkerID, i]));
const dmy = (s: string): number => {
  const m = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(s);
  if (m === null) throw new Error(`not dd/MM/yyyy: ${s}`);
  const t = Date.UTC(Number(m[3]), Number(m[2]) - 1, Number(m[1]));
  // Reject 31/02 and the like: Date.UTC rolls them over.
  expect(new Date(t).getUTCDate()).toBe(Number(m[1]));
  return t;
};

describe('generateWorkers', () => {
  it('gives the same rows for the same seed, other rows for another seed, and again on a second iteration', () => {
    const a = [...generateWorkers(300, 42)];
    const again = generateWorkers(300, 42);
    expect([...again]).toEqual(a);
    expect([...again]).toEqual(a);
    expect([...generateWorkers(300, 43)]).not.toEqual(a);
  });

  it('is lazy: the first row of a huge extract comes without generating the rest', () => {
    const first = generateWorkers(1e12)[Symbol.iterator]().next();
    expect(first.done).toBe(false);
    expect(first.value?.WorkerID).toBe([...generateWorkers(1)][0]?.WorkerID);
  });

  it('has exactly the 24 HR export columns, in order, on every row', () => {
    expect(WORKER_COLUMNS).toEqual([
      'WorkerID',
      'WorkerStatus',
      'WorkerType',
      'FirstName',
      'PreferredName',
      'LastName',
      'MiddleName',
      'Email',
      'PersonalEmail',
      'OfficePhone',
      'MobilePhone',
      'JobTitle',
      'JobCode',
      'Department',
      'CostCenter',
      'Division',
      'Company',
      'ManagerID',
      'Street',
      'City',
      'PostCode',
      'Country',
      'HireDate',
      'TerminationDate',
    ]);
    for (const r of rows) expect(Object.keys(r)).toEqual([...WORKER_COLUMNS]);
  });

  it('rejects a count that is not a non-negative integer, and yields nothing for 0', () => {
    expect(() => generateWorkers(-1)).toThrow(RangeError);
    expect(() => generateWorkers(1.5)).toThrow(RangeError);
    expect([...generateWorkers(0)]).toEqual([]);
  });

  it('gives unique, rising WorkerIDs like E000123', () => {
    expect(byId.size).toBe(rows.length);
    for (const r of rows) expect(r.WorkerID).toMatch(/^E\d{6}$/);
    const ids = rows.map((r) => Number(r.WorkerID.slice(1)));
    expect(ids.every((n, i) => i === 0 || n > (ids[i - 1] as number))).toBe(true);
  });

  it('gives unique ASCII work emails built from the names, numbered when a name repeats', () => {
    expect(new Set(rows.map((r) => r.Email)).size).toBe(rows.length);
    let numbered = 0;
    for (const r of rows) {
      expect(r.Email).toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+)*\d*@contoso\.com$/);
      const local = r.Email.slice(0, r.Email.indexOf('@'));
      const base = emailLocalPart(r.FirstName, r.LastName);
      expect(local === base || new RegExp(`^${base.replaceAll('.', '\\.')}\\d+$`).test(local)).toBe(true);
      if (local !== base) numbered++;
    }
    expect(numbered).toBeGreaterThan(0);
  });

  it('keeps personal emails on documentation domains, never the work address', () => {
    for (const r of rows) {
      expect(r.PersonalEmail).toMatch(/@example\.(com|net|org)$/);
      expect(r.PersonalEmail).not.toBe(r.Email);
    }
  });

  it('links every ManagerID to a worker of the file, with one top of the tree and no cycles', () => {
    const top = rows.filter((r) => r.ManagerID === '');
    expect(top).toHaveLength(1);
    for (const r of rows) {
      if (r.ManagerID === '') continue;
      expect(byId.has(r.ManagerID)).toBe(true);
      expect(r.ManagerID).not.toBe(r.WorkerID);
    }
    for (const r of rows) {
      let cur: WorkerRow | undefined = r;
      let hops = 0;
      while (cur !== undefined && cur.ManagerID !== '' && hops <= rows.length) {
        cur = rows[byId.get(cur.ManagerID) as number];
        hops++;
      }
      expect(cur?.WorkerID).toBe(top[0]?.WorkerID);
    }
  });

  it('lists some managers after their reports and some before', () => {
    const after = rows.filter((r, i) => r.ManagerID !== '' && (byId.get(r.ManagerID) as number) > i).length;
    const before = rows.filter((r, i) => r.ManagerID !== '' && (byId.get(r.ManagerID) as number) < i).length;
    expect(after).toBeGreaterThan(0);
    expect(before).toBeGreaterThan(after);
  });

  it('has managers who are active employees', () => {
    const managers = new Set(rows.map((r) => r.ManagerID).filter((m) => m !== ''));
    for (const id of managers) {
      const m = rows[byId.get(id) as number];
      expect([m?.WorkerStatus, m?.WorkerType]).toEqual(['Active', 'Employee']);
    }
  });

  it('mixes statuses and worker types in realistic shares', () => {
    const share = (k: keyof WorkerRow, v: string): number => rows.filter((r) => r[k] === v).length / rows.length;
    expect(share('WorkerStatus', 'Active')).toBeGreaterThan(0.88);
    expect(share('WorkerStatus', 'Active')).toBeLessThan(0.96);
    expect(share('WorkerStatus', 'Terminated')).toBeGreaterThan(0.02);
    expect(share('WorkerStatus', 'Leave')).toBeGreaterThan(0.01);
    expect(share('WorkerType', 'Employee')).toBeGreaterThan(0.75);
    expect(share('WorkerType', 'Contractor')).toBeGreaterThan(0.08);
    expect(share('WorkerType', 'Intern')).toBeGreaterThan(0.02);
  });

  it('gives a TerminationDate to leavers only, on or after the HireDate, both dd/MM/yyyy', () => {
    for (const r of rows) {
      const hire = dmy(r.HireDate);
      if (r.WorkerStatus === 'Terminated') expect(dmy(r.TerminationDate)).toBeGreaterThan(hire);
      else expect(r.TerminationDate).toBe('');
    }
  });

  it('carries the awkward spellings: diacritics, apostrophes, hyphens, particles and quoted commas', () => {
    const names = rows.flatMap((r) => [r.FirstName, r.LastName]);
    for (const n of ['Zoë', 'Łukasz', 'Ørsted', 'Núñez', 'François', 'Müller', 'Søren', 'José', 'Dvořák', "O'Brien", "D'Angelo"]) {
      expect(names).toContain(n);
    }
    expect(names.some((n) => n.includes('-'))).toBe(true);
    expect(names.some((n) => n.includes(' '))).toBe(true);
    expect(rows.some((r) => r.Street.includes(','))).toBe(true);
    expect(rows.some((r) => r.JobTitle.includes(','))).toBe(true);
    expect(rows.some((r) => r.Company.includes(','))).toBe(true);
  });

  it('leaves PreferredName, MiddleName and phones empty for some workers only', () => {
    for (const c of ['PreferredName', 'MiddleName', 'OfficePhone', 'MobilePhone'] as const) {
      const empty = rows.filter((r) => r[c] === '').length;
      expect(empty).toBeGreaterThan(0);
      expect(empty).toBeLessThan(rows.length);
    }
    for (const r of rows) {
      for (const p of [r.OfficePhone, r.MobilePhone]) if (p !== '') expect(p).toMatch(/^\+\d[\d ]{7,16}\d$/);
    }
  });

  it('uses the six country names, cost centres like CC1234 and the same job code for the same title', () => {
    const countries = new Set(rows.map((r) => r.Country));
    expect([...countries].sort()).toEqual(['France', 'Germany', 'Netherlands', 'Spain', 'United Kingdom', 'United States']);
    const codes = new Map<string, string>();
    for (const r of rows) {
      expect(r.CostCenter).toMatch(/^CC\d{4}$/);
      expect(r.JobCode).toMatch(/^J\d{4}$/);
      expect(codes.get(r.JobTitle) ?? r.JobCode).toBe(r.JobCode);
      codes.set(r.JobTitle, r.JobCode);
    }
  });
});
