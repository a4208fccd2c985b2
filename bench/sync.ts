// `npm run bench:sync`: a direct sync of a 20,000-row extract against the simulator at the
// documented rate limit (40 requests in any 5 s), reported as records confirmed per second
// against the ceiling of 40 / 5 × 50 = 400 records/s. BENCH_SYNC_ROWS changes the size.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { writeWorkersCsv } from '../tools/generate/workers.js';
import { startSimulator } from '../tools/simulator/index.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const out = join(root, 'bench', 'out');
const rows = Number(process.env.BENCH_SYNC_ROWS ?? 20_000);
const RATE = { requests: 40, windowSeconds: 5 };
const ceiling = (RATE.requests / RATE.windowSeconds) * 50;

interface Measured {
  rows: number;
  requests: number;
  uploaded: number;
  resent: number;
  confirmed: number;
  skipped: number;
  failed: number;
  notConfirmed: number;
  firstUploadAt?: string;
  lastOutcomeAt?: string;
  wallSeconds: number;
  peakRssMb: number;
}

mkdirSync(out, { recursive: true });
const file = join(out, `workers-${rows}.csv`);
if (!existsSync(file)) {
  process.stdout.write(`generating ${rows} rows → ${file}\n`);
  await writeWorkersCsv(file, rows, { seed: 42 });
}

// A processing delay like a busy service's; logs visible at once (the client's poll interval covers the rest).
const sim = await startSimulator({ rateLimit: RATE, processingDelayMs: 500, pageSize: 1000 });
let measured: Measured;
try {
  const env = { ...process.env, ...sim.settings, HRSYNC_RATE_LIMIT_REQUESTS: String(RATE.requests), HRSYNC_RATE_LIMIT_WINDOW_SECONDS: String(RATE.windowSeconds) };
  const { stdout } = await run(process.execPath, [join(here, 'sync-measure.js'), file, join(root, 'samples', 'mapping.json')], { env, maxBuffer: 1 << 20 });
  measured = JSON.parse(stdout) as Measured;
} finally {
  await sim.close();
}
const stats = sim.stats();
const span = measured.firstUploadAt !== undefined && measured.lastOutcomeAt !== undefined ? (Date.parse(measured.lastOutcomeAt) - Date.parse(measured.firstUploadAt)) / 1000 : NaN;
const done = measured.confirmed + measured.skipped;
const perSecond = done / span;
const share = perSecond / ceiling;
const result = {
  machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`,
  when: new Date().toISOString(),
  rateLimit: RATE,
  ceilingRecordsPerSecond: ceiling,
  ...measured,
  secondsFirstUploadToLastConfirmation: Math.round(span * 10) / 10,
  confirmedPerSecond: Math.round(perSecond),
  shareOfCeiling: Math.round(share * 1000) / 1000,
  throttled: stats.throttled,
  simulatorRequests: stats.requests,
};
writeFileSync(join(out, 'sync-results.json'), `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(
  `${rows} rows: ${done} confirmed (${measured.confirmed} created/updated, ${measured.skipped} unchanged), ${measured.failed} failed, ${measured.notConfirmed} not confirmed; ` +
    `${measured.requests} requests (${measured.resent} records resent), ${stats.throttled} answered 429\n` +
    `first upload → last confirmation ${result.secondsFirstUploadToLastConfirmation} s: ${result.confirmedPerSecond} records/s = ${Math.round(share * 1000) / 10}% of the ${ceiling} records/s ceiling ` +
    `(wall ${Math.round(measured.wallSeconds * 10) / 10} s incl. reading the file; peak RSS ${measured.peakRssMb} MB)\n` +
    `${result.machine}; target ≥ 90% with zero 429s: ${share >= 0.9 && stats.throttled === 0 ? 'met' : 'MISSED'}\n`,
);
