// `hrsync status [runId]` (and --html) and `hrsync replay --poison` against the pipeline's storage on Azurite,
// through the same ledger and queue code the functions use.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueClient } from '@azure/storage-queue';
import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LifecycleEvent } from '../../lib/core/lifecycle.js';
import { RunLedger } from '../../lib/ledger/run-ledger.js';
import { ledgerTableNames } from '../../lib/ledger/tables.js';
import { azureQueue } from '../../lib/pipeline/azure-queue.js';
import { decodeMessage, encodeMessage } from '../../lib/pipeline/messages.js';
import type { AzuriteInstance } from '../../tools/azurite/start.js';
import { startAzurite } from '../../tools/azurite/start.js';
import { runCli } from './run-cli.js';

let azurite: AzuriteInstance;
const saved: Record<string, string | undefined> = {};
let n = 0;
let ledger: RunLedger;
let queueName: string;

function setEnv(values: Record<string, string>): void {
  for (const [k, v] of Object.entries(values)) {
    if (!(k in saved)) saved[k] = process.env[k];
    process.env[k] = v;
  }
}

beforeAll(async () => {
  azurite = await startAzurite();
  setEnv({ HRSYNC_STORAGE: azurite.connectionString });
}, 60_000);

afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await azurite.stop();
});

beforeEach(() => {
  // Fresh tables and queues per test, named by the settings the commands read.
  n++;
  queueName = `ops-cli-${n}`;
  setEnv({ HRSYNC_TABLE_PREFIX: `cli${n}`, HRSYNC_OPERATIONS_QUEUE: queueName });
  ledger = new RunLedger(ledgerTableNames(`cli${n}`), (name) => TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true }));
});

const RUN = '20261123-0123456789abcdef0123';
const op = (id: string): string => JSON.stringify({ method: 'POST', bulkId: id, path: '/Users', data: { externalId: id } });

/** A run of five records: two confirmed, one dead-lettered by poison, one still submitted, one queued; one rejected row. */
async function seedRun(): Promise<void> {
  await ledger.beginRun({ runId: RUN, file: 'hr-extracts/workers.csv', etag: '"0x1"', startedAt: '2026-11-23T01:00:00.000Z', source: 'default', kind: 'full' });
  await ledger.addRecords(
    RUN,
    ['E1', 'E2', 'E3', 'E4', 'E5'].map((id, i) => ({ externalId: id, line: i + 2, payload: op(id), payloadHash: `h${id}` })),
  );
  await ledger.markEnqueued(RUN, ['E1', 'E2', 'E3', 'E4', 'E5']);
  await ledger.addRejected(RUN, [{ line: 7, externalId: 'E6', column: 'Email', rule: 'email', message: 'Email is not an email address' }]);
  await ledger.finishIngest(RUN, { rows: 6, valid: 5, rejected: 1, at: '2026-11-23T01:00:05.000Z' });
  await ledger.markSubmitted(RUN, ['E1', 'E2', 'E4'], { requestId: 'req-1', at: '2026-11-23T01:00:06.000Z' });
  const ok: LifecycleEvent = {
    type: 'logged',
    outcome: { status: 'success', action: 'create', at: Date.parse('2026-11-23T01:01:00.000Z') },
    now: Date.parse('2026-11-23T01:01:00.000Z'),
  };
  await ledger.transition(RUN, 'E1', ok);
  await ledger.transition(RUN, 'E2', ok);
  await ledger.noteFailure(RUN, ['E3'], { errorCode: 'Forbidden', reason: 'missing SynchronizationData-User.Upload' });
  await ledger.transition(RUN, 'E3', {
    type: 'poisoned',
    at: Date.parse('2026-11-23T01:02:00.000Z'),
    code: 'Forbidden',
    reason: 'upload failed on every try and the message was moved to the poison queue: missing SynchronizationData-User.Upload',
  });
}

describe('hrsync status (the pipeline ledger)', () => {
  it('lists the latest runs with their counts, newest first', async () => {
    await seedRun();
    await ledger.beginRun({ runId: '20261122-aaaa', file: 'hr-extracts/older.csv', etag: '"0x0"', startedAt: '2026-11-22T01:00:00.000Z', source: 'default', kind: 'full' });
    const r = await runCli('status');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('2 latest runs, newest first');
    expect(r.out.indexOf(RUN)).toBeLessThan(r.out.indexOf('20261122-aaaa'));
    expect(r.out).toContain('rows 6, rejected 1: confirmed 2, dead-lettered 1, open 2');
    const json = JSON.parse((await runCli('status', '--json', '--limit', '1')).out);
    expect(json.runs).toHaveLength(1);
    expect(json.runs[0]).toMatchObject({ run: { runId: RUN, state: 'ingested' }, counts: { confirmed: 2, submitted: 1, queued: 1, 'dead-lettered': 1 } });
  });

  it('shows one run: state, counts, dead-lettered records and rejected rows with their reasons; exit 1 for its problems', async () => {
    await seedRun();
    const r = await runCli('status', RUN);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`run ${RUN}: ingested, 2 records still open`);
    expect(r.out).toContain('created 2, updated 0, disabled 0, unchanged 0, skipped 0, dead-lettered 1, held 0, submitted 1, queued 1');
    expect(r.out).toMatch(/line 4 E3: Forbidden after 0 attempts: upload failed .*SynchronizationData-User\.Upload/);
    expect(r.out).toContain('line 7 column Email E6: email: Email is not an email address');
    const json = JSON.parse((await runCli('status', RUN, '--json')).out);
    expect(json).toMatchObject({ rejectedTotal: 1, deadLetteredTotal: 1, counts: { confirmed: 2 } });
  });

  it("writes a run's report as one HTML page with --html <file>, or prints it, from the ledger as it stands; exit 1 for its problems", async () => {
    await seedRun();
    await ledger.noteRequest(RUN, { requestId: 'req-0', at: '2026-11-23T01:00:05.500Z', operations: 3, status: 'throttled' });
    await ledger.noteRequest(RUN, { requestId: 'req-1', at: '2026-11-23T01:00:06.000Z', operations: 3, status: 'accepted' });
    const dir = await mkdtemp(join(tmpdir(), 'hrsync-status-html-'));
    try {
      const file = join(dir, 'run.html');
      const r = await runCli('status', RUN, '--html', file);
      expect(r.err).toBe('');
      expect(r.code).toBe(1);
      expect(r.out).toBe(`${file}: the report of run ${RUN} (ingested) as one HTML page; open it in a browser\n`);
      const page = await readFile(file, 'utf8');
      expect(page).toContain(`<title>hrsync run ${RUN}: in progress: 2 records still open</title>`);
      expect(page).toContain('<section class="rule" data-rule="email">');
      expect(page).toContain('<td class="num">7</td><td class="id">E6</td><td>Email</td><td class="code"></td><td>Email is not an email address</td>');
      expect(page).toMatch(/<td class="num">4<\/td><td class="id">E3<\/td><td class="num">0<\/td><td class="code">Forbidden<\/td><td>upload failed on every try/);
      expect(page).toContain('2 bulkUpload calls: 1 accepted, carrying 3 operations; 1 not accepted (throttled 1)');
      expect(page).toContain('data-key="created" data-count="2"');
      expect((await runCli('status', RUN, '--html')).out).toBe(page);

      const noRun = await runCli('status', '--html', file);
      expect([noRun.code, noRun.err]).toEqual([2, expect.stringContaining('--html needs a run id')]);
      expect((await runCli('status', RUN, '--html', '--json')).err).toContain('give --html or --json, not both');
      const badPath = await runCli('status', RUN, '--html', join(dir, 'nowhere', 'run.html'));
      expect([badPath.code, badPath.err]).toEqual([2, expect.stringContaining('its folder does not exist')]);
      expect((await runCli('status', '20991231-nosuchrun', '--html')).err).toContain('no run 20991231-nosuchrun');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('shows an unusable run with its reason and next step, in the list and alone; exit 1 (it needs a person)', async () => {
    const runId = '20261124-unusable0123456789';
    const why =
      'hrsync-config/mapping.json: attributes.emails[0].value: column "E-mail" (attributes.emails[0].value; did you mean "Email"?) is not in the header of hr-extracts/workers.csv';
    await ledger.beginRun({ runId, file: 'hr-extracts/workers.csv', etag: '"0x2"', startedAt: '2026-11-24T01:00:00.000Z', source: 'default', kind: 'full' });
    await ledger.finishIngest(runId, { rows: 0, valid: 0, rejected: 0, at: '2026-11-24T01:00:01.000Z', unusable: { rule: 'mapping', message: why } });
    const one = await runCli('status', runId);
    expect(one.code).toBe(1);
    expect(one.out).toContain(`run ${runId}: unusable (nothing read or sent)`);
    expect(one.out).toContain(`  unusable  mapping: ${why}`);
    expect(one.out).toMatch(/→ Fix the mapping \(or the export, if a column was renamed\)/);
    expect(one.out).toContain(`report: <reports container>/${runId}/report.html, report.json and problems.csv`);
    const list = await runCli('status');
    expect(list.code).toBe(1);
    expect(list.out).toContain(`      unusable: ${why}`);
    expect(JSON.parse((await runCli('status', runId, '--json')).out)).toMatchObject({ run: { state: 'unusable', unusable: { rule: 'mapping', message: why } } });
  });

  it('names an unknown run and the way to list runs, exit 2; a run id with --since is refused', async () => {
    const r = await runCli('status', 'nope');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no run nope in the ledger tables cli\d+\*; run "hrsync status" to list the runs/);
    const both = await runCli('status', RUN, '--since', '1h');
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/a run id or --since, not both/);
  });

  it('lists extracts the host poisoned, exit 1', async () => {
    const blobPoison = new QueueClient(azurite.connectionString, 'webjobs-blobtrigger-poison');
    await blobPoison.createIfNotExists();
    await blobPoison.sendMessage(
      Buffer.from(
        JSON.stringify({ Type: 'BlobTrigger', FunctionId: 'Host.Functions.ingest', BlobType: 'BlockBlob', ContainerName: 'hr-extracts', BlobName: 'bad.csv', ETag: '"0x9"' }),
      ).toString('base64'),
    );
    try {
      const r = await runCli('status');
      expect(r.code).toBe(1);
      expect(r.out).toContain('1 extract failed ingest on every try (webjobs-blobtrigger-poison)');
      expect(r.out).toContain('hr-extracts/bad.csv');
    } finally {
      await blobPoison.delete();
    }
  });

  it('says which setting is missing when there is no storage connection', async () => {
    const storage = process.env.HRSYNC_STORAGE;
    delete process.env.HRSYNC_STORAGE;
    try {
      const r = await runCli('status', RUN);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/HRSYNC_STORAGE is required/);
    } finally {
      process.env.HRSYNC_STORAGE = storage;
    }
  });
});

describe('hrsync replay --poison', () => {
  async function poisonWith(texts: string[]): Promise<QueueClient> {
    const poison = new QueueClient(azurite.connectionString, `${queueName}-poison`);
    await poison.createIfNotExists();
    const q = azureQueue(poison);
    for (const t of texts) await q.send(t);
    return poison;
  }

  async function bodies(name: string): Promise<string[]> {
    const q = azureQueue(new QueueClient(azurite.connectionString, name));
    const got = await q.receive(32, 1);
    return got.map((m) => m.text);
  }

  it("moves a dead-lettered record's message back, reopens it, deletes stale copies and leaves what is not ours", async () => {
    await seedRun();
    await ledger.completeRun(RUN, '2026-11-23T02:00:00.000Z'); // not final really, but the report was written: replay must reopen it
    await poisonWith([
      encodeMessage({ v: 1, runId: RUN, externalId: 'E3', line: 4, attempt: 1, op: op('E3') }),
      encodeMessage({ v: 1, runId: RUN, externalId: 'E1', line: 2, attempt: 1, op: op('E1') }), // confirmed since: stale
      'not json at all',
    ]);

    const dry = await runCli('replay', '--poison', '--dry-run');
    expect(dry.out).toContain('read 3 messages; would move 1 back');
    expect((await ledger.getRecords(RUN, ['E3'])).get('E3')?.state).toBe('dead-lettered');

    const r = await runCli('replay', '--poison');
    expect(r.out).toContain(`read 3 messages; moved 1 back to ${queueName}`);
    expect(r.out).toContain(`run ${RUN}: 1 record`);
    expect(r.out).toContain('1 already confirmed, skipped or sent again: deleted');
    expect(r.out).toContain('1 are not hrsync operation messages: left in place');
    expect(r.code).toBe(1);

    expect((await ledger.getRecords(RUN, ['E3'])).get('E3')).toMatchObject({ state: 'queued', enqueued: true });
    expect((await ledger.getRun(RUN))?.state).toBe('ingested');
    const sent = (await bodies(queueName)).map((t) => decodeMessage(t));
    expect(sent).toEqual([expect.objectContaining({ runId: RUN, externalId: 'E3', attempt: 1, op: op('E3') })]);
    expect(await bodies(`${queueName}-poison`)).toEqual(['not json at all']);
  });

  it('replays only the run asked for', async () => {
    await seedRun();
    await poisonWith([
      encodeMessage({ v: 1, runId: RUN, externalId: 'E3', line: 4, attempt: 1, op: op('E3') }),
      encodeMessage({ v: 1, runId: 'other-run', externalId: 'X1', line: 2, attempt: 1, op: op('X1') }),
    ]);
    const r = JSON.parse((await runCli('replay', '--poison', '--run', 'other-run', '--json')).out);
    expect(r).toMatchObject({ read: 2, counts: { moved: 0, 'other-run': 1, 'unknown-record': 1 } });
    expect((await ledger.getRecords(RUN, ['E3'])).get('E3')?.state).toBe('dead-lettered');
    expect(await bodies(`${queueName}-poison`)).toHaveLength(2);
  });

  it('asks for --poison, and reports an empty queue as nothing to do', async () => {
    expect((await runCli('replay')).code).toBe(2);
    const r = await runCli('replay', '--poison');
    expect(r.code).toBe(0);
    expect(r.out).toContain('read 0 messages; moved 0 back');
  });
});
