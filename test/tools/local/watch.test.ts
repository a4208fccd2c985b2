// npm run local --watch: extracts copied into the folder each become a run whose report is
// printed (one JSON line each) once it has settled; other files are named once; Ctrl+C (the abort signal) ends it.
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { RunReport } from '../../../lib/pipeline/report.js';
import { runLocal } from '../../../tools/local/run.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hrsync-watch-'));
  for (const level of ['log', 'info', 'warn', 'error'] as const) vi.spyOn(console, level).mockImplementation(() => undefined);
});
afterAll(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

it('runs each extract dropped into the folder and stops on the signal', async () => {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const stop = new AbortController();
  const reports = (): RunReport[] =>
    stdout
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as RunReport);
  const until = async (test: () => boolean): Promise<void> => {
    const deadline = Date.now() + 90_000;
    while (!test()) {
      if (Date.now() > deadline) throw new Error(`timed out; stderr: ${stderr.join('').slice(-500)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const running = runLocal(
    { watch: join(dir, 'drop'), out: join(dir, 'reports'), json: true, processingDelayMs: 100, settleSeconds: 1 },
    { out: (t) => stdout.push(t), err: (t) => stderr.push(t), tty: false, signal: stop.signal },
  );

  await until(() => stderr.join('').includes('Watching'));
  expect(stderr.join('')).toContain('(taken once unchanged for 1 s)');
  await writeFile(join(dir, 'drop', 'notes.docx'), 'not an extract');
  await copyFile('samples/broken.csv', join(dir, 'drop', 'broken.csv'));
  await until(() => reports().length === 1);
  await copyFile('samples/workers.json', join(dir, 'drop', 'workers.json'));
  await until(() => reports().length === 2);
  stop.abort();
  // broken.csv rejects 10 of its 16 rows: the guard holds it, and the exit code says someone must look.
  expect(await running).toBe(1);

  const [first, second] = reports();
  expect(first).toMatchObject({ file: 'hr-extracts/broken.csv', state: 'held', counts: { valid: 6, rejected: 10, held: 6, confirmed: 0 } });
  expect(second).toMatchObject({ file: 'hr-extracts/workers.json', counts: { valid: 400, confirmed: 400, rejected: 0, deadLettered: 0 } });
  expect(stderr.join('')).toContain('Dropped broken.csv');
  expect(
    stderr
      .join('')
      .split('\n')
      .filter((l) => l.includes('notes.docx')),
  ).toEqual(['Ignored notes.docx: not an extract (.csv, .txt, .json, .ndjson or .jsonl)']);
}, 150_000);
