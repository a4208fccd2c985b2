// broken.csv: a small extract with one or two rows of each defect hrsync must report,
// between good rows that must still go through. Line numbers are computed while the
// file is built, so samples/README.md can be checked against them.
import { csvLine } from './csv.js';
import { jobCode } from './jobs.js';
import { WORKER_COLUMNS } from './workers.js';
import type { WorkerRow } from './workers.js';

export interface BrokenLine {
  /** 1-based physical line where the row starts (the header is line 1). */
  line: number;
  workerId: string;
  /** The rule code hrsync reports, or undefined for a row that must be accepted. */
  rule?: string;
  problem: string;
}

type Entry =
  | { kind: 'row'; row: WorkerRow; rule?: string; problem: string }
  // Text written as is, to break the structure the CSV writer would otherwise protect.
  | { kind: 'raw'; workerId: string; text: string; rule: string; problem: string }
  | { kind: 'bytes'; workerId: string; bytes: Buffer; rule: string; problem: string };

const TEMPLATE: WorkerRow = {
  WorkerID: '',
  WorkerStatus: 'Active',
  WorkerType: 'Employee',
  FirstName: '',
  PreferredName: '',
  LastName: '',
  MiddleName: '',
  Email: '',
  PersonalEmail: '',
  OfficePhone: '+44 20 7946 0101',
  MobilePhone: '+447700900101',
  JobTitle: 'Accountant',
  JobCode: '',
  Department: 'Finance',
  CostCenter: 'CC1100',
  Division: 'Corporate',
  Company: 'Contoso Ltd',
  ManagerID: 'E000515',
  Street: '10 High Street',
  City: 'London',
  PostCode: 'EC1A 1BB',
  Country: 'United Kingdom',
  HireDate: '01/09/2020',
  TerminationDate: '',
};

function worker(fields: Partial<WorkerRow>): WorkerRow {
  const row = { ...TEMPLATE, ...fields };
  return { ...row, JobCode: jobCode(row.JobTitle) };
}
const line = (row: WorkerRow): string => csvLine(WORKER_COLUMNS.map((c) => row[c]));

function entries(): Entry[] {
  const ragged = worker({
    WorkerID: 'E000507',
    FirstName: 'Amelia',
    LastName: 'Jones',
    Email: 'amelia.jones@contoso.com',
    PersonalEmail: 'amelia.jones77@example.org',
    Street: 'Flat 3, 5 Mill Lane',
  });
  const short = worker({ WorkerID: 'E000513', FirstName: 'George', LastName: 'Taylor', Email: 'george.taylor@contoso.com', PersonalEmail: 'g.taylor@example.net' });
  const latin1 = worker({
    WorkerID: 'E000510',
    FirstName: 'Jürgen',
    LastName: 'Müller',
    Email: 'jurgen.muller@contoso.com',
    PersonalEmail: 'jmuller@example.com',
    OfficePhone: '+49 89 2019 4711',
    MobilePhone: '+4915112345678',
    Company: 'Contoso Deutschland GmbH',
    Street: 'Hauptstraße 12',
    City: 'München',
    PostCode: '80331',
    Country: 'Germany',
    CostCenter: 'CC1102',
  });
  return [
    {
      kind: 'row',
      problem: 'top-level manager (no ManagerID)',
      row: worker({
        WorkerID: 'E000501',
        FirstName: 'Hélène',
        LastName: 'Lefèvre',
        Email: 'helene.lefevre@contoso.com',
        PersonalEmail: 'helene.lefevre61@example.net',
        JobTitle: 'Chief Financial Officer',
        Department: 'Executive Office',
        ManagerID: '',
        OfficePhone: '+33 1 99 00 12 34',
        MobilePhone: '+33639981234',
        Company: 'Contoso France SAS',
        Street: '12 rue de la Paix',
        City: 'Paris',
        PostCode: '75002',
        Country: 'France',
        CostCenter: 'CC1003',
        HireDate: '14/02/2011',
      }),
    },
    {
      kind: 'row',
      problem: 'Street spans two lines inside quotes, so later rows start one line further down',
      row: worker({
        WorkerID: 'E000502',
        FirstName: 'Seán',
        LastName: "O'Brien",
        Email: 'sean.obrien@contoso.com',
        PersonalEmail: 'sean.obrien@example.com',
        Street: 'Riverside House\n10 High Street',
      }),
    },
    {
      kind: 'row',
      rule: 'duplicate-externalId',
      problem: 'WorkerID E000504 also on a later row; both rows are rejected',
      row: worker({ WorkerID: 'E000504', FirstName: 'Olivia', LastName: 'Evans', Email: 'olivia.evans@contoso.com', PersonalEmail: 'olivia.evans@example.org' }),
    },
    {
      kind: 'row',
      rule: 'externalId-required',
      problem: 'WorkerID is empty',
      row: worker({ WorkerID: '', FirstName: 'Noah', LastName: 'Wilson', Email: 'noah.wilson@contoso.com', PersonalEmail: 'noahwilson@example.net' }),
    },
    {
      kind: 'row',
      rule: 'email-format',
      problem: 'Email has no @ (emails[0].value)',
      row: worker({ WorkerID: 'E000505', FirstName: 'Oliver', LastName: 'Brown', Email: 'oliver.brown.contoso.com', PersonalEmail: 'oliver.brown@example.com' }),
    },
    {
      kind: 'row',
      rule: 'date-format',
      problem: 'HireDate 2021-03-15 is not dd/MM/yyyy',
      row: worker({
        WorkerID: 'E000506',
        FirstName: 'Sophie',
        LastName: 'Dubois',
        Email: 'sophie.dubois@contoso.com',
        PersonalEmail: 'sophie.dubois@example.net',
        HireDate: '2021-03-15',
      }),
    },
    { kind: 'raw', workerId: 'E000507', rule: 'ragged-row', problem: '25 fields: the comma in Street was not quoted', text: WORKER_COLUMNS.map((c) => ragged[c]).join(',') },
    {
      kind: 'row',
      problem: 'leaver (Terminated, active false) with a TerminationDate',
      row: worker({
        WorkerID: 'E000508',
        WorkerStatus: 'Terminated',
        FirstName: 'Zoë',
        LastName: 'Ørsted',
        Email: 'zoe.orsted@contoso.com',
        PersonalEmail: 'zoe.orsted90@example.com',
        HireDate: '03/01/2019',
        TerminationDate: '30/04/2025',
      }),
    },
    {
      kind: 'row',
      rule: 'userName-format',
      problem: 'names fold to nothing in ASCII, so userName has nothing before the @',
      row: worker({ WorkerID: 'E000509', FirstName: '芳', LastName: '王', Email: 'fang.wang@contoso.com', PersonalEmail: 'wang.fang@example.org' }),
    },
    {
      kind: 'row',
      rule: 'duplicate-externalId',
      problem: 'WorkerID E000504 again, for a different person',
      row: worker({ WorkerID: 'E000504', FirstName: 'Liam', LastName: 'Roberts', Email: 'liam.roberts@contoso.com', PersonalEmail: 'liam.roberts@example.com' }),
    },
    // "Müller" pasted from a Windows-1252 system: ü is the lone byte 0xFC, which is not UTF-8.
    {
      kind: 'bytes',
      workerId: 'E000510',
      rule: 'invalid-encoding',
      problem: 'LastName holds the Windows-1252 byte 0xFC (ü), not UTF-8',
      bytes: Buffer.concat(
        line(latin1)
          .split('Müller')
          .flatMap((part, i) => (i === 0 ? [Buffer.from(part, 'utf8')] : [Buffer.from('M\xfcller', 'latin1'), Buffer.from(part, 'utf8')])),
      ),
    },
    {
      kind: 'row',
      rule: 'date-format',
      problem: 'HireDate 31/02/2020 is not a real day',
      row: worker({
        WorkerID: 'E000512',
        FirstName: 'Íñigo',
        LastName: 'Núñez',
        Email: 'inigo.nunez@contoso.com',
        PersonalEmail: 'inigo.nunez@example.net',
        HireDate: '31/02/2020',
        OfficePhone: '+34 91 555 12 34',
        MobilePhone: '+34600123456',
        Company: 'Contoso Iberia, S.L.',
        Street: 'Calle Mayor 12, 3º B',
        City: 'Madrid',
        PostCode: '28013',
        Country: 'Spain',
        CostCenter: 'CC1105',
      }),
    },
    {
      kind: 'raw',
      workerId: 'E000513',
      rule: 'ragged-row',
      problem: '20 fields: the row was cut short after ManagerID',
      text: WORKER_COLUMNS.slice(0, 20)
        .map((c) => short[c])
        .join(','),
    },
    {
      kind: 'row',
      problem: 'title with a comma, manager on a later line',
      row: worker({
        WorkerID: 'E000514',
        FirstName: 'Łukasz',
        PreferredName: 'Luke',
        LastName: "D'Angelo",
        Email: 'lukasz.dangelo@contoso.com',
        PersonalEmail: 'l.dangelo@example.org',
        JobTitle: 'Specialist, Accounts Payable',
        Street: 'Flat 2, 10 High Street',
      }),
    },
    {
      kind: 'row',
      problem: 'manager of most rows, listed after them',
      row: worker({
        WorkerID: 'E000515',
        FirstName: 'François',
        LastName: 'Dvořák',
        MiddleName: 'Marie',
        Email: 'francois.dvorak@contoso.com',
        PersonalEmail: 'francois.dvorak@example.com',
        JobTitle: 'Manager, Payroll',
        ManagerID: 'E000501',
        HireDate: '22/07/2015',
      }),
    },
    {
      kind: 'row',
      problem: 'on leave (still active)',
      row: worker({
        WorkerID: 'E000516',
        WorkerStatus: 'Leave',
        FirstName: 'Søren',
        LastName: 'Weiß',
        Email: 'soren.weiss@contoso.com',
        PersonalEmail: 'soren.weiss@example.net',
        OfficePhone: '',
        MobilePhone: '',
      }),
    },
  ];
}

/** The bytes of broken.csv (UTF-8 with BOM, CRLF, one row deliberately not UTF-8) and what each line should produce. */
export function buildBrokenCsv(): { bytes: Buffer; lines: BrokenLine[] } {
  const eol = '\r\n';
  const parts: Buffer[] = [Buffer.from(`\uFEFF${csvLine(WORKER_COLUMNS)}${eol}`, 'utf8')];
  const lines: BrokenLine[] = [];
  let next = 2;
  for (const e of entries()) {
    const bytes = e.kind === 'bytes' ? e.bytes : Buffer.from(e.kind === 'row' ? line(e.row) : e.text, 'utf8');
    const workerId = e.kind === 'row' ? e.row.WorkerID : e.workerId;
    lines.push({ line: next, workerId, ...(e.rule === undefined ? {} : { rule: e.rule }), problem: e.problem });
    parts.push(bytes, Buffer.from(eol, 'utf8'));
    next += 1 + bytes.filter((b) => b === 0x0a).length;
  }
  return { bytes: Buffer.concat(parts), lines };
}
