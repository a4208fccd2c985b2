// Mistakes a person makes on the command line get a sentence saying what to change, never
// "unexpected error:" with a system message.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../../tools/simulator/index.js';
import type { Simulator } from '../../tools/simulator/index.js';
import { setIdentityEndpoint } from '../lib/provisioning/simulator-client.js';
import { runCli } from './run-cli.js';
import { HEADER, MAPPING, workspace } from './fixtures.js';

const ROW = 'E1,Active,Zoë,Ørsted,zoe.orsted@contoso.com,,01/02/2020';
// The samples' mapping says CSV in its source section, as a mapping written for the HR export would.
const CSV_MAPPING = JSON.stringify({ ...MAPPING, source: { format: 'csv' } });
const RECORDS = JSON.stringify([{ WorkerID: 'E1', Status: 'Active', First: 'Zoë', Last: 'Ørsted', Email: 'zoe.orsted@contoso.com', ManagerID: null, Hired: '01/02/2020' }]);

describe('paths that are not files', () => {
  it('a folder given as the extract is named as a folder', async () => {
    const at = workspace({ 'm.json': CSV_MAPPING, 'w.csv': `${HEADER}\n${ROW}\n` });
    const folder = at('');
    for (const command of ['validate', 'preview']) {
      const r = await runCli(command, folder, '--mapping', at('m.json'));
      expect(r.code).toBe(2);
      expect(r.err).not.toContain('unexpected error');
      expect(r.err).toContain(`the extract ${JSON.stringify(folder)} is a folder, not a file`);
    }
  });

  it('a folder given as the mapping is named as a folder', async () => {
    const at = workspace({ 'w.csv': `${HEADER}\n${ROW}\n` });
    const r = await runCli('validate', at('w.csv'), '--mapping', at(''));
    expect(r.code).toBe(2);
    expect(r.err).toContain('the mapping file');
    expect(r.err).toContain('is a folder, not a file');
  });

  it('a folder given to mapping import is named as a folder', async () => {
    const at = workspace({ 'w.csv': `${HEADER}\n${ROW}\n` });
    const r = await runCli('mapping', 'import', at(''));
    expect(r.code).toBe(2);
    expect(r.err).toContain('is a folder, not a file');
  });

  it('hrsync sync names a missing --mapping before any Graph setting', async () => {
    const at = workspace({ 'w.csv': `${HEADER}\n${ROW}\n` });
    const r = await runCli('sync', at('w.csv'));
    expect(r.code).toBe(2);
    expect(r.err).toContain('--mapping <file> is required');
    expect(r.err).not.toContain('HRSYNC_');
  });

  it('a missing argument or option is named', async () => {
    const at = workspace({ 'm.json': CSV_MAPPING });
    const noExtract = await runCli('validate', '--mapping', at('m.json'));
    expect(noExtract.code).toBe(2);
    expect(noExtract.err).toContain("missing required argument 'extract'");
    const noMapping = await runCli('validate', at('m.json'));
    expect(noMapping.code).toBe(2);
    expect(noMapping.err).toContain("'-m, --mapping <file>' not specified");
  });
});

describe('the file name decides the format, unless --format says otherwise', () => {
  it('a .json extract is read as JSON although the mapping says csv', async () => {
    const at = workspace({ 'm.json': CSV_MAPPING, 'w.json': RECORDS });
    const r = await runCli('validate', at('w.json'), '--mapping', at('m.json'));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('1 row: 1 valid, 0 rejected (JSON, utf-8)');
  });

  it('--format wins over the name', async () => {
    const at = workspace({ 'm.json': CSV_MAPPING, 'w.json': `${HEADER}\n${ROW}\n` });
    const r = await runCli('validate', at('w.json'), '--mapping', at('m.json'), '--format', 'csv');
    expect(r.code).toBe(0);
    expect(r.out).toContain('1 row: 1 valid, 0 rejected (CSV');
  });

  it('the mapping decides for a name that says nothing', async () => {
    const at = workspace({ 'm.json': JSON.stringify({ ...MAPPING, source: { format: 'json' } }), 'w.dat': RECORDS });
    const r = await runCli('validate', at('w.dat'), '--mapping', at('m.json'));
    expect(r.code).toBe(0);
    expect(r.out).toContain('(JSON, utf-8)');
  });

  it("the samples validate in both formats with the samples' mapping", async () => {
    for (const file of ['samples/workers.csv', 'samples/workers.json']) {
      const r = await runCli('validate', file, '--mapping', 'samples/mapping.json');
      expect(r.code, r.err).toBe(0);
      expect(r.out).toContain('400 rows: 400 valid, 0 rejected');
    }
  });

  it('a JSON object where an array is expected says so, whatever the mapping says', async () => {
    const at = workspace({ 'm.json': CSV_MAPPING, 'w.json': RECORDS.slice(1, -1), 'w.csv': RECORDS.slice(1, -1) });
    const json = await runCli('validate', at('w.json'), '--mapping', at('m.json'));
    expect(json.code).toBe(2);
    expect(json.err).toContain('holds a JSON object where an array of records is expected');
    const csv = await runCli('validate', at('w.csv'), '--mapping', at('m.json'));
    expect(csv.code).toBe(2);
    expect(csv.err).toContain('is read as CSV but holds a JSON object');
    expect(`${json.err}${csv.err}`).not.toContain('unexpected error');
  });
});

describe('a file without rows', () => {
  it('a header-only CSV says it holds no rows', async () => {
    const at = workspace({ 'm.json': CSV_MAPPING, 'w.csv': `${HEADER}\r\n` });
    const r = await runCli('validate', at('w.csv'), '--mapping', at('m.json'));
    expect(r.code).toBe(0);
    expect(r.out).toContain(`${at('w.csv')}: no rows: the file holds a header and nothing else`);
    expect(r.out).not.toContain('0 valid');
    const preview = await runCli('preview', at('w.csv'), '--mapping', at('m.json'));
    expect(preview.err).toContain('no rows: the file holds a header and nothing else');
  });

  it('an empty JSON array says it holds no records, and not that no row had the mapped fields', async () => {
    const at = workspace({ 'm.json': CSV_MAPPING, 'w.json': '[]' });
    const r = await runCli('validate', at('w.json'), '--mapping', at('m.json'));
    expect(r.code).toBe(0);
    expect(r.out).toContain('no rows: the file holds no records');
    expect(r.out).not.toContain('no row had the mapped');
  });
});

describe('addresses that do not answer', () => {
  let sim: Simulator;
  let restoreIdentity: () => void;
  const saved: Record<string, string | undefined> = {};
  const setEnv = (name: string, value: string | undefined): void => {
    if (!(name in saved)) saved[name] = process.env[name];
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  };

  beforeAll(async () => {
    sim = await startSimulator({ processingDelayMs: 10 });
    restoreIdentity = setIdentityEndpoint(sim);
    for (const [name, value] of Object.entries(sim.settings)) if (name.startsWith('HRSYNC_')) setEnv(name, value);
    setEnv('HRSYNC_MAX_RETRIES', '0');
  });

  afterAll(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    restoreIdentity();
    await sim.close();
  });

  it('a Graph URL nothing listens at names HRSYNC_GRAPH_URL and the address', async () => {
    const port = await closedPort();
    const r = await runCli('job', '--graph-url', `https://127.0.0.1:${port}/v1.0`);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      `hrsync: Could not connect to Graph at https://127.0.0.1:${port} (HRSYNC_GRAPH_URL): the connection was refused (nothing listens at that address and port) (ECONNREFUSED)\n`,
    );
  });

  it('a Graph URL fetch cannot use is named, not "unexpected error: fetch failed"', async () => {
    const r = await runCli('status', '--since', '1h', '--graph-url', 'https://127.0.0.1:1/v1.0');
    expect(r.code).toBe(2);
    expect(r.err).not.toContain('unexpected error');
    expect(r.err).toContain('Could not connect to Graph at https://127.0.0.1:1 (HRSYNC_GRAPH_URL): bad port');
  });

  it("hrsync sync keeps the service's code and masks the person in its reason, with names only the record holds", async () => {
    const reason = "The userPrincipalName 'zoe.orsted@contoso.com' for Zoë Ørsted is already used.";
    sim.setFaults({ recordRules: [{ match: 'E1', errorCode: 'AzureActiveDirectoryConflictingUserPrincipalName', reason }] });
    try {
      const at = workspace({ 'm.json': CSV_MAPPING, 'w.csv': `${HEADER}\n${ROW}\n` });
      const flags = ['--poll-interval', '100ms', '--retry-delay', '50ms', '--timeout', '30s'];
      const r = await runCli('sync', at('w.csv'), '--mapping', at('m.json'), ...flags, '--verbose');
      expect(r.code).toBe(1);
      expect(r.out).toContain("E1: AzureActiveDirectoryConflictingUserPrincipalName (permanent) The userPrincipalName '***@contoso.com' for *** *** is already used.");
      const json = await runCli('sync', at('w.csv'), '--mapping', at('m.json'), ...flags, '--json');
      const failed = (JSON.parse(json.out) as { sync: { failed: { reason: string }[] } }).sync.failed;
      expect(failed.map((f) => f.reason)).toEqual(["The userPrincipalName '***@contoso.com' for *** *** is already used."]);
      for (const personal of ['zoe.orsted', 'Zoë', 'Ørsted']) expect(`${r.out}${r.err}${json.out}`).not.toContain(personal);
    } finally {
      sim.setFaults({});
    }
  }, 60_000);

  it('a storage endpoint nothing listens at names HRSYNC_STORAGE and the address', async () => {
    const port = await closedPort();
    const endpoint = `http://127.0.0.1:${port}/devstoreaccount1`;
    setEnv(
      'HRSYNC_STORAGE',
      `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${AZURITE_KEY};BlobEndpoint=${endpoint};QueueEndpoint=${endpoint};TableEndpoint=${endpoint};`,
    );
    try {
      const r = await runCli('status');
      expect(r.code).toBe(2);
      expect(r.err).not.toContain('unexpected error');
      expect(r.err).toContain(`Could not connect to storage at http://127.0.0.1:${port} (HRSYNC_STORAGE, or --storage-account): the connection was refused`);
      expect(r.err).not.toContain(AZURITE_KEY);
    } finally {
      setEnv('HRSYNC_STORAGE', undefined);
    }
  }, 60_000);
});

// Azurite's published development key: no secret.
const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('values the mapping cannot use', () => {
  const LOOKUP_MAPPING = JSON.stringify({
    ...MAPPING,
    lookups: { departments: { Sales: 'Sales & Marketing' } },
    attributes: {
      ...MAPPING.attributes,
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': {
        ...MAPPING.attributes['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
        department: { $expr: "lookup('departments', Dept)" },
      },
    },
  });

  it('a value missing from a lookup table is a warning naming the table and the column, and the row still goes', async () => {
    const at = workspace({
      'm.json': LOOKUP_MAPPING,
      'w.csv': [
        `${HEADER},Dept`,
        `${ROW},Sales`,
        'E2,Active,Seán,Byrne,sean.byrne@contoso.com,E1,15/06/2021,Marketing',
        'E3,Active,Ana,Núñez,ana.nunez@contoso.com,E1,15/06/2021,Legal',
      ].join('\n'),
    });
    const r = await runCli('validate', at('w.csv'), '--mapping', at('m.json'));
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      `${at('w.csv')}:3: warning [lookup-miss] the value of column "Dept" is not in lookup table 'departments', so urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department is left out`,
    );
    expect(r.out).toContain('3 rows: 3 valid, 0 rejected');
    expect(r.out).toMatch(/warning \[lookup-miss\] urn:ietf:params:scim:schemas:extension:enterprise:2\.0:User:department: 2 rows \(first on line 3\)/);
    expect(r.out).not.toContain('Marketing');
  });

  it('a lookup with a default says nothing', async () => {
    const withDefault = LOOKUP_MAPPING.replace("lookup('departments', Dept)", "lookup('departments', Dept, 'Other')");
    const at = workspace({ 'm.json': withDefault, 'w.csv': [`${HEADER},Dept`, `${ROW},Marketing`].join('\n') });
    const r = await runCli('validate', at('w.csv'), '--mapping', at('m.json'));
    expect(r.out).not.toContain('lookup-miss');
  });
});

describe('values Entra would refuse', () => {
  it('a value longer than its Entra property is rejected naming the attribute and the limit', async () => {
    const at = workspace({ 'm.json': CSV_MAPPING, 'w.csv': [HEADER, ROW, `E2,Active,${'A'.repeat(65)},Byrne,sean.byrne@contoso.com,E1,15/06/2021`].join('\n') });
    const r = await runCli('validate', at('w.csv'), '--mapping', at('m.json'));
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      `${at('w.csv')}:3: error [too-long] name.givenName is longer than 64 characters, the most Entra's givenName holds (column "First", attribute name.givenName, externalId E2)`,
    );
    expect(r.out).not.toContain('A'.repeat(65));
  });

  it('a very long externalId is shortened in messages', async () => {
    const id = `E${'9'.repeat(199)}`;
    const at = workspace({ 'm.json': CSV_MAPPING, 'w.csv': [HEADER, `${id},Active,Zoë,Ørsted,zoe.orsted@contoso.com,,01/02/2020`].join('\n') });
    const r = await runCli('validate', at('w.csv'), '--mapping', at('m.json'));
    expect(r.out).toContain('[externalId-length]');
    expect(r.out).toContain(`externalId ${id.slice(0, 24)}…${id.slice(-8)} (200 characters)`);
    expect(r.out).not.toContain(id);
  });
});
