// `npm run bench:ingest-memory`: peak memory of ingesting a 1M-row extract (BENCH_INGEST_ROWS to
// change), read from Azurite by name range by range (today's path) and, for comparison, handed
// over whole as one Buffer (the old path, and what the Functions host gives a Node handler).
// Each ingest runs in its own process (ingest-memory-child.ts) with counting fakes for the ledger
// and the queue, so the figure is ingest's own: reading, mapping, validating, spooling, planning,
// ordering and encoding every message, not a store's. Results: bench/out/ingest-memory.json.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BlobServiceClient } from '@azure/storage-blob';
import { startAzurite } from '../tools/azurite/start.js';
import { writeWorkersCsv } from '../tools/generate/workers.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const out = join(root, 'bench', 'out');
const rows = Number(process.env['BENCH_INGEST_ROWS'] ?? 1_000_000);
const modes = (process.env['BENCH_INGEST_MODES'] ?? 'stream,buffer').split(',');
const TARGET_MB = 300;

mkdirSync(out, { recursive: true });
// The same file `npm run bench` uses, generated once.
const file = join(out, `workers-${rows}.csv`);
if (!existsSync(file)) {
  process.stdout.write(`generating ${rows} rows → ${file}\n`);
  await writeWorkersCsv(file, rows, { seed: 42 });
}
const fileMb = Math.round(statSync(file).size / 1e5) / 10;

// Azurite's disk store, so the 270 MB blob is not also held by the emulator's memory.
const azurite = await startAzurite({ store: 'disk' });
const results: Record<string, unknown>[] = [];
try {
  const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('hr-extracts');
  await container.createIfNotExists();
  const name = `workers-${rows}.csv`;
  await container.getBlockBlobClient(name).uploadFile(file, { blockSize: 8 * 1024 * 1024, concurrency: 2 });
  for (const mode of modes) {
    const { stdout } = await run(process.execPath, [join(here, 'ingest-memory-child.js'), mode, 'hr-extracts', name, join(root, 'samples', 'mapping.json')], {
      env: { ...process.env, HRSYNC_STORAGE: azurite.connectionString },
      maxBuffer: 1 << 20,
    });
    const m = JSON.parse(stdout) as Record<string, unknown> & { peakRssMb: number; rows: number; seconds: number };
    results.push(m);
    process.stdout.write(
      `${mode}: ${m.rows} rows in ${m.seconds} s, peak RSS ${m.peakRssMb} MB${mode === 'stream' ? ` (target < ${TARGET_MB} MB: ${m.peakRssMb < TARGET_MB ? 'met' : 'NOT met'})` : ''}\n`,
    );
  }
} finally {
  await azurite.stop();
}

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`;
writeFileSync(join(out, 'ingest-memory.json'), `${JSON.stringify({ machine, when: new Date().toISOString(), rows, fileMb, targetMb: TARGET_MB, results }, null, 2)}\n`);
