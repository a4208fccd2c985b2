// `npm run bench`: the extract → validated BulkRequest path against raw csv-parse on the
// same 24-column files, each measured in its own process. Sizes: BENCH_ROWS=100000,1000000.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { writeWorkersCsv } from '../tools/generate/workers.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const out = join(root, 'bench', 'out');
const sizes = (process.env.BENCH_ROWS ?? '100000,1000000').split(',').map(Number);

interface Measurement {
  mode: string;
  rows: number;
  requests: number;
  seconds: number;
  rowsPerSecond: number;
  cpuSeconds: number;
  /** The calling thread's CPU seconds alone (Linux). */
  readingThreadCpuSeconds?: number;
  /** CPUs busy on average over `seconds`. */
  busyCpus: number;
  peakRssMb: number;
  rejected?: number;
}

async function measure(mode: 'raw' | 'pipeline', file: string): Promise<Measurement> {
  const { stdout } = await run(process.execPath, [join(here, 'measure.js'), mode, file, join(root, 'samples', 'mapping.json')], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout) as Measurement;
}

mkdirSync(out, { recursive: true });
const results: { rows: number; fileMb: number; raw: Measurement; pipeline: Measurement; ratio: number }[] = [];
for (const n of sizes) {
  const file = join(out, `workers-${n}.csv`);
  if (!existsSync(file)) {
    process.stdout.write(`generating ${n} rows → ${file}\n`);
    await writeWorkersCsv(file, n, { seed: 42 });
  }
  const fileMb = Math.round(statSync(file).size / 1e5) / 10;
  // Raw first then pipeline, in one run, so the ratio compares like with like on a noisy machine.
  const rawM = await measure('raw', file);
  const pipeM = await measure('pipeline', file);
  const ratio = Math.round((pipeM.rowsPerSecond / rawM.rowsPerSecond) * 100) / 100;
  results.push({ rows: n, fileMb, raw: rawM, pipeline: pipeM, ratio });
  process.stdout.write(
    `${n} rows (${fileMb} MB): raw csv-parse ${rawM.rowsPerSecond} rows/s (${rawM.cpuSeconds} s CPU), peak ${rawM.peakRssMb} MB | ` +
      `whole path ${pipeM.rowsPerSecond} rows/s (${pipeM.seconds} s, ${pipeM.cpuSeconds} s CPU${threads(pipeM)}), ${pipeM.requests} requests, peak ${pipeM.peakRssMb} MB | ratio ${ratio}\n`,
  );
}

// Where the whole path's CPU went: the reading thread, the rest (the scan worker, V8's garbage
// collection and compiler threads), and how many CPUs were busy on average over the run.
function threads(m: Measurement): string {
  const busy = `, ${m.busyCpus.toFixed(1)} CPUs busy on average`;
  if (m.readingThreadCpuSeconds === undefined) return busy;
  return `: reading thread ${m.readingThreadCpuSeconds}, other threads ${Math.round((m.cpuSeconds - m.readingThreadCpuSeconds) * 100) / 100}${busy}`;
}

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`;
writeFileSync(join(out, 'results.json'), `${JSON.stringify({ machine, when: new Date().toISOString(), results }, null, 2)}\n`);
process.stdout.write(
  `\n| rows | file | raw csv-parse rows/s | whole path rows/s | ratio | CPU s, raw / whole path | requests | peak RSS (whole path) |\n|---|---|---|---|---|---|---|---|\n`,
);
for (const r of results) {
  process.stdout.write(
    `| ${r.rows.toLocaleString('en')} | ${r.fileMb} MB | ${r.raw.rowsPerSecond.toLocaleString('en')} | ${r.pipeline.rowsPerSecond.toLocaleString('en')} | ${Math.round(r.ratio * 100)}% | ${r.raw.cpuSeconds} / ${r.pipeline.cpuSeconds} | ${r.pipeline.requests.toLocaleString('en')} | ${r.pipeline.peakRssMb} MB |\n`,
  );
}
process.stdout.write(`\n${machine}; targets: whole path ≥ 50% of raw, peak RSS < 200 MB at 1M rows.\n`);
const failed = results.filter((r) => r.ratio < 0.5 || (r.rows >= 1_000_000 && r.pipeline.peakRssMb >= 200));
if (failed.length > 0) process.stdout.write(`below target: ${failed.map((r) => r.rows).join(', ')} rows\n`);
