// hrsync approve / discard / resend against the pipeline's storage on Azurite: a held run sent as
// planned (disables first) or ended unsent, and a source's next run asked to send everyone.
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueClient } from '@azure/storage-queue';
import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RunLedger } from '../../lib/ledger/run-ledger.js';
import { ledgerTableNames } from '../../lib/ledger/tables.js';
import type { NewRecord } from '../../lib/ledger/types.js';
import { decodeOperations } from '../../lib/pipeline/messages.js';
import type { AzuriteInstance } from '../../tools/azurite/start.js';
import { startAzurite } from '../../tools/azurite/start.js';
import { runCli } from './run-cli.js';

let azurite: AzuriteInstance;
const saved: Record<string, string | undefined> = {};
let n = 0;
let ledger: RunLedger;

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
  n++;
  setEnv({ HRSYNC_TABLE_PREFIX: `dec${n}`, HRSYNC_OPERATIONS_QUEUE: `ops-dec-${n}`, HRSYNC_REPORTS_CONTAINER: `reports-dec-${n}` });
  ledger = new RunLedger(ledgerTableNames(`dec${n}`), (name) => TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true }));
});

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const op = (id: string, manager?: string, active = true): string =>
  JSON.stringify({ method: 'POST', bulkId: id, path: '/Users', data: { externalId: id, active, ...(manager === undefined ? {} : { [ENT]: { manager: { value: manager } } }) } });
const held = (id: string, line: number, intent: NewRecord['intent'], manager?: string): NewRecord => ({
  externalId: id,
  line,
  payload: op(id, manager, intent !== 'disable'),
  payloadHash: `h${id}`,
  state: 'held',
  intent,
  source: 'hr',
  ...(manager === undefined ? {} : { managerId: manager }),
});

/** A run of source hr the guard held: a report before its manager, a leaver, an unchanged record. */
async function seedHeld(runId: string): Promise<void> {
  await ledger.beginRun({ runId, file: 'hr-extracts/hr/night.csv', etag: '"0x1"', startedAt: '2026-12-05T01:00:00.000Z', source: 'hr', kind: 'full' });
  await ledger.addRecords(runId, [
    held('R', 2, 'create', 'M'),
    held('M', 3, 'create'),
    { ...held('L', 0, 'disable'), note: 'absent from the extract' },
    { externalId: 'U', line: 4, payload: '', payloadHash: 'hU', state: 'unchanged', source: 'hr' },
  ]);
  await ledger.finishIngest(runId, {
    rows: 3,
    valid: 3,
    rejected: 0,
    at: '2026-12-05T01:00:05.000Z',
    held: [{ threshold: 'maxDisables', limit: 0, actual: 1, message: '1 disables, more than the 0 allowed' }],
    plan: {
      create: 1,
      update: 1,
      resend: 0,
      drift: 0,
      disableAbsent: 1,
      disableInactive: 0,
      unchanged: 1,
      otherSource: 0,
      incompleteDisables: 0,
      warnings: [],
      warningsTotal: 0,
      mappingFingerprint: 'c1-m',
    },
  });
  await ledger.setSourceState('hr', { heldRunId: runId });
}

describe('hrsync approve, discard and resend', () => {
  it('approve sends a held run as planned: disables first, managers before reports; the source moves on', async () => {
    await seedHeld('20261205-held1');
    const status = await runCli('status', '20261205-held1');
    expect(status.code).toBe(1);
    expect(status.out).toContain('held      maxDisables: 1 disables, more than the 0 allowed');
    expect(status.out).toContain('hrsync approve 20261205-held1');

    const r = await runCli('approve', '20261205-held1', '--by', 'ops-oncall');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('3 records queued for upload, disables first');
    const queue = new QueueClient(azurite.connectionString, `ops-dec-${n}`);
    const peeked = (await queue.receiveMessages({ numberOfMessages: 32 })).receivedMessageItems;
    expect(peeked.flatMap((m) => decodeOperations(Buffer.from(m.messageText, 'base64').toString('utf8')).map((o) => o.externalId))).toEqual(['L', 'M', 'R']);
    expect(await ledger.getRun('20261205-held1')).toMatchObject({ state: 'ingested', decision: { kind: 'approved', by: 'ops-oncall' } });
    expect(await ledger.countByState('20261205-held1')).toMatchObject({ queued: 3, unchanged: 1, held: 0 });
    expect(await ledger.getSourceState('hr')).toMatchObject({ lastRunId: '20261205-held1', lastRows: 3, kind: 'full', mappingFingerprint: 'c1-m' });
    expect((await ledger.getSourceState('hr'))?.heldRunId).toBeUndefined();

    const again = await runCli('approve', '20261205-held1');
    expect(again.code).toBe(2);
    expect(again.err).toContain('run 20261205-held1 is ingested (approved at');
  });

  it('discard ends a held run unsent and writes its final report', async () => {
    await seedHeld('20261205-held2');
    const r = await runCli('discard', '20261205-held2', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ state: 'discarded', counts: { held: 3, unchanged: 1, open: 0 }, decision: { kind: 'discarded' } });
    const blob = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(`reports-dec-${n}`).getBlockBlobClient('20261205-held2/report.json');
    expect(JSON.parse((await blob.downloadToBuffer()).toString())).toMatchObject({ state: 'discarded' });
    expect((await ledger.getSourceState('hr'))?.heldRunId).toBeUndefined();
    const list = await runCli('status');
    expect(list.out).toMatch(/20261205-held2 {2}discarded/);
  });

  it("resend asks a source's next run to send everyone; unknown runs and bad names are one sentence, exit 2", async () => {
    const r = await runCli('resend', 'hr');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/the next run of source hr sends everyone/);
    expect((await ledger.getSourceState('hr'))?.resendRequestedAt).toMatch(/^\d{4}-/);
    expect((await runCli('resend', 'h r')).err).toContain('is not a source name');
    const missing = await runCli('approve', 'nope');
    expect(missing.code).toBe(2);
    expect(missing.err).toBe('hrsync: no run nope in the ledger; "hrsync status" lists the runs\n');
  });
});
