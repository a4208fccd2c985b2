// One direct sync in a fresh process against a simulator started by bench/sync.ts:
//   NODE_EXTRA_CA_CERTS=<ca> HRSYNC_…=<simulator settings> node dist/bench/sync-measure.js <extract> <mapping>
// Prints one JSON line with the sync's timings and counts.
import { loadProvisioningSettings } from '../lib/config/settings.js';
import { openExtractFile } from '../lib/extract/index.js';
import { loadMappingFile } from '../lib/mapping/load.js';
import { createProvisioningClient } from '../lib/provisioning/client.js';
import { DEFAULT_SYNC_OPTIONS, syncExtract } from '../lib/sync/sync.js';

const [file, mappingPath] = process.argv.slice(2);
if (file === undefined || mappingPath === undefined) throw new Error('usage: sync-measure.js <extract> <mapping>');

const settings = loadProvisioningSettings(process.env);
const client = createProvisioningClient(settings);
const started = performance.now();
const report = await syncExtract(
  await openExtractFile(file),
  await loadMappingFile(mappingPath),
  { client },
  {
    ...DEFAULT_SYNC_OPTIONS,
    // The simulator makes entries visible at once; a real tenant needs the defaults (30 s, 15 min).
    pollIntervalMs: 1000,
    logLagMs: 10_000,
    logPageSize: 1000,
    retryDelayMs: 1000,
    maxRetryDelayMs: 5000,
    timeoutMs: 120_000,
    inFlight: Math.max(2, settings.pacing.concurrency * 2),
  },
  { onProblem: () => undefined },
);
const wallSeconds = (performance.now() - started) / 1000;
process.stdout.write(
  `${JSON.stringify({
    rows: report.scan.rows,
    requests: report.requests,
    uploaded: report.uploaded,
    resent: report.resent,
    confirmed: report.confirmed,
    skipped: report.skipped,
    failed: report.failed.length,
    notConfirmed: report.notConfirmed.length,
    firstUploadAt: report.firstUploadAt,
    lastOutcomeAt: report.lastOutcomeAt,
    wallSeconds,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  })}\n`,
);
