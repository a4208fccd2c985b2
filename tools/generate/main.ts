// Writes the files in samples/: `node dist/tools/generate/main.js [dir]` (default ./samples).
// mapping.json and README.md in samples/ are written by hand and left alone.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildBrokenCsv } from './broken.js';
import type { BrokenLine } from './broken.js';
import { DEFAULT_SEED, writeWorkersCsv, writeWorkersJson } from './workers.js';

export const SAMPLE_WORKERS = 400;

export interface SampleFiles {
  workersCsv: string;
  workersJson: string;
  brokenCsv: string;
  /** What each line of broken.csv should produce. */
  broken: BrokenLine[];
}

export async function generateSamples(dir: string, seed: number = DEFAULT_SEED): Promise<SampleFiles> {
  await mkdir(dir, { recursive: true });
  const files = { workersCsv: join(dir, 'workers.csv'), workersJson: join(dir, 'workers.json'), brokenCsv: join(dir, 'broken.csv') };
  // As an HR system exports: UTF-8 with a byte order mark, CRLF line endings.
  await writeWorkersCsv(files.workersCsv, SAMPLE_WORKERS, { seed, bom: true, eol: '\r\n' });
  await writeWorkersJson(files.workersJson, SAMPLE_WORKERS, { seed });
  const broken = buildBrokenCsv();
  await writeFile(files.brokenCsv, broken.bytes);
  return { ...files, broken: broken.lines };
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(resolve(entry)).href) {
  const dir = resolve(process.argv[2] ?? 'samples');
  generateSamples(dir).then(
    (out) => console.log(`wrote ${out.workersCsv}, ${out.workersJson}, ${out.brokenCsv}`),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exitCode = 1;
    },
  );
}
