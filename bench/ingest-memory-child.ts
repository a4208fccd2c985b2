// One ingest in a fresh process, so its peak RSS is its own:
//   node dist/bench/ingest-memory-child.js <stream|buffer> <container> <blob> <mapping>
// (HRSYNC_STORAGE: the storage connection string). `stream` is today's path: the blob opened by
// name and read range by range (lib/pipeline/blob-read.ts); `buffer` is the old one: the whole
// blob in one Buffer, as the Functions host hands it to a Node handler, streamed from memory.
// The ledger and the queue are counting fakes (below): every write ingest makes is counted and
// dropped, so what is measured is ingest itself — reading, mapping, validating, spooling,
// planning, ordering and encoding every message — not a store's memory or speed.
// Prints one JSON line.
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { BlobServiceClient } from '@azure/storage-blob';
import { loadMappingFile } from '../lib/mapping/load.js';
import { openBlob } from '../lib/pipeline/blob-read.js';
import { ingestExtract } from '../lib/pipeline/ingest.js';
import type { IngestInput } from '../lib/pipeline/ingest.js';
import { defaultSources } from '../lib/sources/sources.js';
import { CountingLedger, CountingQueue } from './counting-ports.js';

const [mode, container, name, mappingPath] = process.argv.slice(2);
const connection = process.env['HRSYNC_STORAGE'];
if ((mode !== 'stream' && mode !== 'buffer') || container === undefined || name === undefined || mappingPath === undefined || connection === undefined) {
  process.stderr.write('usage: HRSYNC_STORAGE=<connection string> ingest-memory-child.js <stream|buffer> <container> <blob> <mapping>\n');
  process.exit(2);
}

// The kernel's high-water mark of resident memory: what the process ever held, threads included.
function vmHwmMb(): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m === null ? undefined : Math.round(Number(m[1]) / 102.4) / 10;
  } catch {
    return undefined;
  }
}

const blob = BlobServiceClient.fromConnectionString(connection).getContainerClient(container).getBlobClient(name);
const file = `${container}/${name}`;
const mapping = await loadMappingFile(mappingPath);
const ledger = new CountingLedger();
const queue = new CountingQueue();
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const started = process.hrtime.bigint();

let input: IngestInput;
if (mode === 'stream') {
  const opened = await openBlob(blob, file);
  if (opened === undefined) throw new Error(`${file} does not exist`);
  input = { container, name, etag: opened.etag, lastModified: opened.lastModified, content: opened.content };
} else {
  const props = await blob.getProperties();
  const content = await blob.downloadToBuffer();
  input = { container, name, etag: props.etag as string, lastModified: props.lastModified as Date, content: Readable.from([content]) };
}
const result = await ingestExtract(input, {
  ledger,
  queue,
  reports: { write: async () => undefined },
  logger: silent,
  clock: { now: () => new Date() },
  loadSources: async () => defaultSources('mapping.json'),
  loadMapping: async () => mapping,
});
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const usage = process.resourceUsage();
process.stdout.write(
  `${JSON.stringify({
    mode,
    rows: result.rows,
    valid: result.valid,
    rejected: result.rejected,
    enqueued: result.enqueued,
    held: result.held,
    unusable: result.unusable?.message,
    seconds: Math.round(seconds * 10) / 10,
    cpuSeconds: Math.round((usage.userCPUTime + usage.systemCPUTime) / 1e5) / 10,
    peakRssMb: Math.round(usage.maxRSS / 102.4) / 10,
    vmHwmMb: vmHwmMb(),
    ledgerWrites: ledger.writes,
    queueSends: queue.sends,
  })}\n`,
);
