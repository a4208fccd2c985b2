// The service's failure reasons can quote the person: the pipeline's ledger, report, CSV and logs
// keep the error code and a reason with the person's UPN, emails and names masked, including
// names only the record holds (the log entry here carries no display name).
import { Readable } from 'node:stream';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMappingFile } from '../../../lib/mapping/load.js';
import type { Mapping } from '../../../lib/mapping/types.js';
import { ingestExtract } from '../../../lib/pipeline/ingest.js';
import type { IngestDeps } from '../../../lib/pipeline/ingest.js';
import type { ReconcileDeps, UploadDeps } from '../../../lib/pipeline/ports.js';
import { DEFAULT_RECONCILE_OPTIONS, reconcile } from '../../../lib/pipeline/reconcile.js';
import type { RunReport } from '../../../lib/pipeline/report.js';
import { uploadOperations } from '../../../lib/pipeline/upload.js';
import { defaultSources } from '../../../lib/sources/sources.js';
import type { Simulator } from '../../../tools/simulator/index.js';
import { startSimulator } from '../../../tools/simulator/index.js';
import { HEADER, MAPPING } from '../../cli/fixtures.js';
import { captureLogger } from '../provisioning/fakes.js';
import { setIdentityEndpoint, simClient } from '../provisioning/simulator-client.js';
import { MemoryLedger, MemoryQueue, MemoryReports } from './memory.js';

const OPTIONS = { ...DEFAULT_RECONCILE_OPTIONS, retryBaseSeconds: 0, logLagMinutes: 1, confirmTimeoutMinutes: 60 };
const EXTRACT = [HEADER, 'E1,Active,Zoë,Ørsted,zoe.orsted@contoso.com,,01/02/2020', 'E2,Active,Seán,Byrne,sean.byrne@contoso.com,E1,15/06/2021'].join('\n');
const REASON = "The userPrincipalName 'zoe.orsted@contoso.com' for Zoë Ørsted (mail zoe.orsted@contoso.com) is already used by ØRSTED, Zoë.";

let sim: Simulator;
let restore: () => void;
let mapping: Mapping;
beforeAll(async () => {
  sim = await startSimulator({ processingDelayMs: 5 });
  restore = setIdentityEndpoint(sim);
  const dir = mkdtempSync(join(tmpdir(), 'hrsync-mask-'));
  writeFileSync(join(dir, 'mapping.json'), JSON.stringify(MAPPING));
  mapping = await loadMappingFile(join(dir, 'mapping.json'));
});
afterAll(async () => {
  restore();
  await sim.close();
});

describe('failure reasons in the pipeline', () => {
  it('keep the code and lose the person in the report, its CSV, its HTML page and the logs', async () => {
    sim.setPermissions(['SynchronizationData-User.Upload', 'AuditLog.Read.All']);
    sim.setFaults({ recordRules: [{ match: 'E1', errorCode: 'AzureActiveDirectoryConflictingUserPrincipalName', reason: REASON }] });
    const ledger = new MemoryLedger();
    const queue = new MemoryQueue(() => Date.now());
    const reports = new MemoryReports();
    const logger = captureLogger();
    const client = simClient(sim).client;
    const base = { ledger, queue, logger, clock: { now: () => new Date() } };
    const ingestDeps: IngestDeps = { ...base, reports, loadSources: async () => defaultSources('mapping.json'), loadMapping: async () => mapping };
    const uploadDeps: UploadDeps = { ...base, client };
    const reconcileDeps: ReconcileDeps = { ...base, client, poison: new MemoryQueue(() => Date.now()), reports };

    const input = { container: 'hr-extracts', name: 'w.csv', etag: '"0x1"', lastModified: new Date(), content: Readable.from([Buffer.from(EXTRACT)]) };
    const { runId } = await ingestExtract(input, ingestDeps);
    for (let i = 0; i < 50 && (await ledger.listOpenRuns()).length > 0; i++) {
      for (let [m] = await queue.receive(1, 30); m !== undefined; [m] = await queue.receive(1, 30)) {
        await uploadOperations(m.text, uploadDeps);
        await queue.delete(m);
      }
      await new Promise((r) => setTimeout(r, 40));
      await reconcile(reconcileDeps, OPTIONS);
    }

    const report = JSON.parse(reports.blobs.get(`${runId}/report.json`)?.content ?? 'null') as RunReport;
    const failed = report.deadLettered.find((d) => d.externalId === 'E1');
    expect(failed?.errorCode).toBe('AzureActiveDirectoryConflictingUserPrincipalName');
    expect(failed?.reason).toBe("The userPrincipalName '***@contoso.com' for *** *** (mail ***@contoso.com) is already used by ***, ***.");
    const csv = reports.blobs.get(`${runId}/problems.csv`)?.content ?? '';
    expect(csv).toContain('***@contoso.com');
    const page = reports.blobs.get(`${runId}/report.html`)?.content ?? '';
    expect(page).toContain(
      '<td class="code">AzureActiveDirectoryConflictingUserPrincipalName</td><td>The userPrincipalName &#39;***@contoso.com&#39; for *** *** (mail ***@contoso.com) is already used by ***, ***.</td>',
    );
    const everything = `${JSON.stringify(report)}\n${csv}\n${page}\n${JSON.stringify(logger.lines)}`;
    for (const personal of ['zoe.orsted', 'Zoë', 'Ørsted', 'ØRSTED']) expect(everything).not.toContain(personal);
  }, 30_000);
});
