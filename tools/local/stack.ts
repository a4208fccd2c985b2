// The whole app on one machine: Azurite in memory, the provisioning simulator, and the real
// function registrations from functions/ driven by the local host. `npm run local` and the
// pipeline benchmark both stand on this. Local tooling: never deployed.
import { BlobServiceClient } from '@azure/storage-blob';
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { definitions } from '../../functions/index.js';
import { resetPipelineRuntime } from '../../functions/runtime.js';
import { loadPipelineSettings } from '../../lib/config/pipeline.js';
import type { PipelineSettings } from '../../lib/config/pipeline.js';
import { RunLedger } from '../../lib/ledger/run-ledger.js';
import { ledgerTableNames } from '../../lib/ledger/tables.js';
import type { RecordState, RunRecord } from '../../lib/ledger/types.js';
import type { RunReport } from '../../lib/pipeline/report.js';
import { storageClients } from '../../lib/storage/clients.js';
import { startAzurite } from '../azurite/start.js';
import type { AzuriteInstance } from '../azurite/start.js';
import { createLocalHost } from '../host/local-host.js';
import type { HostLogger, LocalHost } from '../host/local-host.js';
import { startSimulator } from '../simulator/index.js';
import type { Simulator, SimulatorOptions } from '../simulator/index.js';

/**
 * Pipeline settings for a local run, used unless the environment sets them: reconcile every
 * 5 s instead of 5 min and resend after seconds, not minutes, so a run ends while one watches;
 * and a shallow operations queue, which Azurite needs to keep up.
 */
export const LOCAL_PIPELINE_DEFAULTS: Readonly<Record<string, string>> = {
  HRSYNC_RECONCILE_SCHEDULE: '*/5 * * * * *',
  HRSYNC_RETRY_BASE_SECONDS: '5',
  HRSYNC_CONFIRM_TIMEOUT_MINUTES: '2',
  // Azurite's queue store rebuilds its message indexes on every delete, so each delete costs in
  // proportion to the messages it holds (measured ~1.5 ms per receive and delete at 500 queued,
  // ~80 ms at 20,000): ingest keeps the queue shallow instead of dropping a whole extract into it.
  HRSYNC_QUEUE_BACKLOG: '500',
  // The simulator's log entries are visible as soon as they are written; with the production lag
  // every 5-second pass re-read the last 15 minutes of logs, i.e. a whole local run's.
  HRSYNC_LOG_LAG_MINUTES: '0',
};

export interface LocalStackOptions {
  /** Mapping document (JSON text) uploaded where HRSYNC_MAPPING_BLOB points. */
  mapping: string;
  /** A sources file, uploaded where HRSYNC_SOURCES_BLOB points, and the mappings it names beside it. */
  config?: { sources: Buffer; mappings: Array<{ name: string; content: Buffer }> };
  /** The environment to start from (process.env); simulator and storage settings always replace its own. */
  env?: NodeJS.ProcessEnv;
  simulator?: SimulatorOptions;
  /** Azurite's store (see tools/azurite): memory unless a benchmark asks for disk. */
  azuriteStore?: 'memory' | 'disk';
  /** Called when an Azurite service stops without being asked (someone killed it): nothing can go on without it. */
  onStorageExit?: (service: string, code: number | null, signal: NodeJS.Signals | null) => void;
  logger: HostLogger;
}

export interface RunProgress {
  run: RunRecord;
  counts: Record<RecordState, number>;
}

export interface LocalStack {
  azurite: AzuriteInstance;
  simulator: Simulator;
  host: LocalHost;
  settings: PipelineSettings;
  /** The app settings the functions run with. */
  env: Record<string, string>;
  ledger: RunLedger;
  /** Uploads an extract to the extracts container, as an HR system would. */
  drop(name: string, content: Buffer): Promise<void>;
  /** Reports written since the stack started, oldest first. */
  reports(): Promise<RunReport[]>;
  /** Runs not yet complete, with their records counted by state. */
  progress(): Promise<RunProgress[]>;
  stop(): Promise<void>;
}

/** The HRSYNC_* values of local.settings.example.json: what `func start` users begin with, and every setting a binding names. */
export function exampleSettings(path = 'local.settings.example.json'): Record<string, string> {
  const values = (JSON.parse(readFileSync(path, 'utf8')) as { Values: Record<string, string> }).Values;
  return Object.fromEntries(Object.entries(values).filter(([k]) => k.startsWith('HRSYNC_')));
}

/** Starts storage, the simulator and the host (not yet polling: call host.start()). */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const [azurite, simulator] = await Promise.all([
    startAzurite({ store: options.azuriteStore ?? 'memory', ...(options.onStorageExit === undefined ? {} : { onUnexpectedExit: options.onStorageExit }) }),
    startSimulator(options.simulator ?? {}),
  ]);
  try {
    const base = Object.fromEntries(Object.entries(options.env ?? process.env).filter((e): e is [string, string] => e[1] !== undefined));
    const env: Record<string, string> = { ...exampleSettings(), ...LOCAL_PIPELINE_DEFAULTS, ...base, ...simulator.settings, HRSYNC_STORAGE: azurite.connectionString };
    // The functions read process.env, as they do in Azure.
    for (const [k, v] of Object.entries(env)) process.env[k] = v;
    resetPipelineRuntime();
    const settings = loadPipelineSettings(env);

    const blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
    const config = blobs.getContainerClient(settings.mappingBlob.container);
    await config.createIfNotExists();
    await config.getBlockBlobClient(settings.mappingBlob.name).upload(options.mapping, Buffer.byteLength(options.mapping));
    if (options.config !== undefined) {
      const sources = blobs.getContainerClient(settings.sourcesBlob.container);
      await sources.createIfNotExists();
      await sources.getBlockBlobClient(settings.sourcesBlob.name).upload(options.config.sources, options.config.sources.length);
      const dir = posix.dirname(settings.sourcesBlob.name);
      for (const m of options.config.mappings) await sources.getBlockBlobClient(posix.normalize(posix.join(dir, m.name))).upload(m.content, m.content.length);
    }
    const extracts = blobs.getContainerClient(settings.extractsContainer);
    await extracts.createIfNotExists();
    const reportsContainer = blobs.getContainerClient(settings.reportsContainer);

    const ledger = new RunLedger(ledgerTableNames(settings.tablePrefix), storageClients(env).table);
    const host = createLocalHost({ definitions, env, hostJson: 'host.json', logger: options.logger });

    return {
      azurite,
      simulator,
      host,
      settings,
      env,
      ledger,
      async drop(name, content) {
        await extracts.getBlockBlobClient(name).upload(content, content.length);
      },
      async reports() {
        if (!(await reportsContainer.exists())) return [];
        const found: Array<{ at: number; report: RunReport }> = [];
        for await (const b of reportsContainer.listBlobsFlat()) {
          if (!b.name.endsWith('/report.json')) continue;
          const text = (await reportsContainer.getBlockBlobClient(b.name).downloadToBuffer()).toString('utf8');
          found.push({ at: b.properties.lastModified.getTime(), report: JSON.parse(text) as RunReport });
        }
        return found.sort((a, b) => a.at - b.at).map((f) => f.report);
      },
      async progress() {
        const open = await ledger.listOpenRuns();
        return Promise.all(open.map(async (run) => ({ run, counts: await ledger.countByState(run.runId) })));
      },
      async stop() {
        await host.stop();
        await Promise.all([azurite.stop(), simulator.close()]);
      },
    };
  } catch (err) {
    await Promise.all([azurite.stop(), simulator.close()]);
    throw err;
  }
}
