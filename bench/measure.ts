// One measurement in a fresh process, so its peak RSS is its own:
//   node dist/bench/measure.js <raw|pipeline> <extract> [mapping]
// Prints one JSON line: { mode, rows, requests, seconds, rowsPerSecond, cpuSeconds, readingThreadCpuSeconds, busyCpus, peakRssMb }
// (cpuSeconds counts every thread of the process: the whole path scans on two, and V8 collects
// garbage and compiles on threads of its own; readingThreadCpuSeconds is the calling thread's
// alone, on Linux).
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { batchSpool, scanExtract } from '../lib/convert/convert.js';
import { TempFileSpool } from '../lib/convert/spool.js';
import { openExtractFile } from '../lib/extract/index.js';
import { loadMappingFile } from '../lib/mapping/load.js';
import { cpuSecondsOf } from './proc-cpu.js';

/** The ceiling: csv-parse alone, records as arrays, nothing done with them. */
async function raw(file: string): Promise<{ rows: number; requests: number }> {
  let rows = -1; // the header is a record too
  const parser = createReadStream(file, { highWaterMark: 256 * 1024 }).pipe(parse({ bom: true, relax_column_count: true }));
  for await (const _record of parser) rows++;
  return { rows, requests: 0 };
}

/** The whole path: extract → mapping → validation → spool → BulkRequest bodies. */
async function pipeline(file: string, mappingPath: string): Promise<{ rows: number; requests: number; rejected: number }> {
  const mapping = await loadMappingFile(mappingPath);
  const extract = await openExtractFile(file);
  const spool = new TempFileSpool();
  const scan = await scanExtract(extract, mapping, { spool, onProblem: () => undefined });
  let requests = 0;
  let bytes = 0;
  for await (const batch of batchSpool(spool, scan.withdrawn)) {
    requests++;
    bytes += batch.bytes;
  }
  await spool.dispose();
  if (bytes === 0 && scan.valid > 0) throw new Error('no request bodies were produced');
  return { rows: scan.rows, requests, rejected: scan.rejected };
}

const [mode, file, mappingPath] = process.argv.slice(2);
if ((mode !== 'raw' && mode !== 'pipeline') || file === undefined) {
  process.stderr.write('usage: measure.js <raw|pipeline> <extract> [mapping]\n');
  process.exit(2);
}
const started = process.hrtime.bigint();
const cpuAtStart = process.cpuUsage();
const result = mode === 'raw' ? await raw(file) : await pipeline(file, mappingPath ?? 'samples/mapping.json');
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const usage = process.resourceUsage();
const cpuSince = process.cpuUsage(cpuAtStart);
process.stdout.write(
  `${JSON.stringify({
    mode,
    ...result,
    seconds: round(seconds, 2),
    rowsPerSecond: Math.round(result.rows / seconds),
    cpuSeconds: round((usage.userCPUTime + usage.systemCPUTime) / 1e6, 2),
    readingThreadCpuSeconds: cpuSecondsOf(process.pid, process.pid),
    // CPUs busy on average while measured (start-up, before `started`, left out).
    busyCpus: round((cpuSince.user + cpuSince.system) / 1e6 / seconds, 2),
    peakRssMb: round(usage.maxRSS / 1024, 1),
  })}\n`,
);

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
