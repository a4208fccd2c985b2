// Input that cannot be used — an empty, binary or broken file, a mapping naming a column the file
// lacks, a mapping or sources file that does not load — ends its run at once as `unusable`, with a
// report saying why in one sentence; it is never thrown for the host to retry (and poison). What
// is not the input's fault (storage down) still throws. On the in-memory ledger and on Table storage.
import { Readable } from 'node:stream';
import { readFile } from 'node:fs/promises';
import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunLedger } from '../../../lib/ledger/run-ledger.js';
import { ledgerTableNames } from '../../../lib/ledger/tables.js';
import { MappingError } from '../../../lib/mapping/errors.js';
import { loadMapping, loadMappingFile, parseMappingJson } from '../../../lib/mapping/load.js';
import type { Mapping } from '../../../lib/mapping/types.js';
import { ingestExtract } from '../../../lib/pipeline/ingest.js';
import type { IngestDeps } from '../../../lib/pipeline/ingest.js';
import type { PipelineLedger } from '../../../lib/pipeline/ports.js';
import type { RunReport } from '../../../lib/pipeline/report.js';
import { reportText } from '../../../lib/pipeline/report-text.js';
import { runStatus } from '../../../lib/pipeline/run-status.js';
import { SourcesError, defaultSources } from '../../../lib/sources/sources.js';
import type { SourcesConfig } from '../../../lib/sources/sources.js';
import { startAzurite } from '../../../tools/azurite/start.js';
import type { AzuriteInstance } from '../../../tools/azurite/start.js';
import { captureLogger } from '../provisioning/fakes.js';
import { MemoryLedger, MemoryQueue, MemoryReports } from './memory.js';

let azurite: AzuriteInstance;
let mapping: Mapping;
let misnamed: Mapping;
let sample: Buffer;
beforeAll(async () => {
  azurite = await startAzurite();
  mapping = await loadMappingFile('samples/mapping.json');
  // The mapping asks for "E-mail", a column the file lacks (it has "Email").
  const text = (await readFile('samples/mapping.json', 'utf8')).replace('"value": "Email"', '"value": "E-mail"');
  misnamed = loadMapping(parseMappingJson(text, 'hrsync-config/mapping.json'), 'hrsync-config/mapping.json');
  sample = await readFile('samples/workers.csv');
}, 60_000);
afterAll(async () => {
  await azurite.stop();
});

let tables = 0;
const LEDGERS: Array<[string, () => PipelineLedger]> = [
  ['memory', () => new MemoryLedger()],
  [
    'Table storage',
    () =>
      new RunLedger(ledgerTableNames(`u${++tables}x${Date.now() % 100000}`), (name) =>
        TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true }),
      ),
  ],
];

function world(ledger: PipelineLedger, over: Partial<IngestDeps> = {}) {
  const queue = new MemoryQueue(() => Date.now());
  const reports = new MemoryReports();
  const logger = captureLogger();
  const deps: IngestDeps = {
    ledger,
    queue,
    reports,
    logger,
    clock: { now: () => new Date('2026-12-05T01:00:00Z') },
    loadSources: async (): Promise<SourcesConfig> => defaultSources('mapping.json'),
    loadMapping: async () => mapping,
    ...over,
  };
  return { ledger, queue, reports, logger, deps };
}

function drop(name: string, content: Buffer | string, etag = '"0x1"') {
  return { container: 'hr-extracts', name, etag, lastModified: new Date('2026-12-05T00:00:00Z'), content: Readable.from([Buffer.from(content)]) };
}

function reportOf(w: ReturnType<typeof world>, runId: string): RunReport {
  const blob = w.reports.blobs.get(`${runId}/report.json`);
  expect(blob, `no report for ${runId}`).toBeDefined();
  return JSON.parse(blob?.content ?? '{}') as RunReport;
}

describe.each(LEDGERS)('unusable input on the %s ledger', (_name, makeLedger) => {
  it('a mapping naming a column the file lacks ends the run unusable, with the "did you mean" hint, instead of throwing', async () => {
    const w = world(makeLedger(), { loadMapping: async () => misnamed });
    const result = await ingestExtract(drop('workers.csv', sample), w.deps);
    expect(result).toMatchObject({ ingested: true, held: false, rows: 0, enqueued: 0, unusable: { rule: 'mapping' } });
    expect(result.unusable?.message).toMatch(/column "E-mail" \(attributes\.emails\[0\]\.value; did you mean "Email"\?\) is not in the header of hr-extracts\/workers\.csv/);
    expect(w.queue.messages).toEqual([]);

    const run = await w.ledger.getRun(result.runId);
    expect(run).toMatchObject({ state: 'unusable', unusable: { rule: 'mapping', message: result.unusable?.message }, endedAt: '2026-12-05T01:00:00.000Z' });
    // Final: reconcile never looks at it again, so nothing waits for it.
    expect((await w.ledger.listOpenRuns()).map((r) => r.runId)).toEqual([]);

    const report = reportOf(w, result.runId);
    expect(report).toMatchObject({
      state: 'unusable',
      rows: 0,
      unusable: { rule: 'mapping', message: result.unusable?.message },
      rejected: [],
      counts: { valid: 0, rejected: 0, records: 0 },
    });
    expect(report.nextSteps[0]).toMatch(/^Fix the mapping \(or the export, if a column was renamed\)/);
    const csv = w.reports.blobs.get(`${result.runId}/problems.csv`)?.content ?? '';
    expect(csv).toContain(',unusable,mapping,,');
    expect(reportText(report).slice(0, 2)).toEqual([
      `Run ${result.runId} (hr-extracts/workers.csv, source default, full) UNUSABLE: nothing was read or sent`,
      `  mapping: ${result.unusable?.message}`,
    ]);
    // For the alert: the rule, never the message.
    const logged = w.logger.lines.find((l) => l.message === 'Extract could not be used; see the run report');
    expect(logged).toMatchObject({ level: 'error', fields: { runId: result.runId, rule: 'mapping' } });

    // hrsync status <runId> reads the same from the ledger.
    const status = await runStatus(w.ledger, result.runId);
    expect(status?.run.state).toBe('unusable');
    expect(status?.nextSteps[0]).toBe(report.nextSteps[0]);

    // The host delivering the blob again changes nothing and throws nothing.
    const again = await ingestExtract(drop('workers.csv', sample), w.deps);
    expect(again).toMatchObject({ runId: result.runId, ingested: false });
  });

  it.each([
    ['empty', Buffer.alloc(0), /the file is empty/],
    ['binary (a zip named .csv)', Buffer.concat([Buffer.from('PK\u0003\u0004\u0014\u0000\u0006\u0000', 'latin1'), Buffer.alloc(200, 0)]), /./],
    ['JSON that is not an array', Buffer.from('{"WorkerID": "E1"}'), /./],
  ])('an extract that is %s ends the run unusable (rule extract), read by nothing', async (_what, content, why) => {
    const w = world(makeLedger());
    const name = _what.startsWith('JSON') ? 'workers.json' : 'workers.csv';
    const result = await ingestExtract(drop(name, content), w.deps);
    expect(result.unusable?.rule).toBe('extract');
    expect(result.unusable?.message).toMatch(why);
    expect(result.unusable?.message.startsWith(`hr-extracts/${name}`)).toBe(true);
    expect(reportOf(w, result.runId)).toMatchObject({ state: 'unusable', unusable: { rule: 'extract' } });
    expect((await w.ledger.getRun(result.runId))?.state).toBe('unusable');
  });

  it('a file that breaks half-way is unusable as a whole: no row of it is sent or reported as rejected', async () => {
    const w = world(makeLedger());
    const lines = sample.toString('utf8').split('\r\n');
    const broken = [...lines.slice(0, 60), `E999999,Active,Employee,"unclosed,${'x'.repeat(50)}`, ...lines.slice(60, 70)].join('\r\n');
    const result = await ingestExtract(drop('workers.csv', broken), w.deps);
    expect(result.unusable?.rule).toBe('extract');
    expect(result.unusable?.message).toMatch(/^hr-extracts\/workers\.csv:\d+/);
    expect(w.queue.messages).toEqual([]);
    expect(reportOf(w, result.runId)).toMatchObject({ state: 'unusable', rows: 0, rejected: [], counts: { records: 0 } });
  });

  it('a mapping or a sources file that does not load ends the run unusable (rules mapping, sources)', async () => {
    let w = world(makeLedger(), {
      loadMapping: async () => {
        throw new MappingError('hrsync-config/mapping.json', '', 'line 3: unexpected "}"');
      },
    });
    let result = await ingestExtract(drop('workers.csv', sample), w.deps);
    expect(result.unusable).toEqual({ rule: 'mapping', message: 'hrsync-config/mapping.json: line 3: unexpected "}"' });
    expect(reportOf(w, result.runId).state).toBe('unusable');

    w = world(makeLedger(), {
      loadSources: async () => {
        throw new SourcesError('hrsync-config/sources.json', 'sources.hr.kind', 'must be "full" or "changes"');
      },
    });
    result = await ingestExtract(drop('hr/workers.csv', sample), w.deps);
    expect(result.unusable?.rule).toBe('sources');
    expect(reportOf(w, result.runId)).toMatchObject({ state: 'unusable', source: 'hr', unusable: { rule: 'sources' } });
    expect(reportOf(w, result.runId).nextSteps[0]).toMatch(/^Fix the sources file/);
  });

  it('storage down is not unusable input: it throws, for the host to retry', async () => {
    const down = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:10000'), { code: 'ECONNREFUSED' });
    let w = world(makeLedger(), {
      loadMapping: async () => {
        throw down;
      },
    });
    await expect(ingestExtract(drop('workers.csv', sample), w.deps)).rejects.toBe(down);
    w = world(makeLedger(), {
      loadSources: async () => {
        throw down;
      },
    });
    await expect(ingestExtract(drop('workers.csv', sample), w.deps)).rejects.toBe(down);
  });

  it('an unusable extract does not supersede the held run of its source', async () => {
    const w = world(makeLedger());
    const held = await ingestExtract(drop('broken.csv', await readFile('samples/broken.csv')), w.deps);
    expect(held.held).toBe(true);
    const result = await ingestExtract(drop('empty.csv', ''), w.deps);
    expect(result.unusable?.rule).toBe('extract');
    expect((await w.ledger.getRun(held.runId))?.state).toBe('held');
    expect((await w.ledger.getSourceState('default'))?.heldRunId).toBe(held.runId);
  });
});
