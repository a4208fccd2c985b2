// npm run local in-process: the samples through Azurite, the simulator and the registered
// functions, to a report on stdout and on disk, with exit 0; unusable input stops before anything starts.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunReport } from '../../../lib/pipeline/report.js';
import { runLocal } from '../../../tools/local/run.js';
import type { LocalIo } from '../../../tools/local/run.js';

let out: string;
const consoleLines: string[] = [];
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'hrsync-local-'));
  for (const level of ['log', 'info', 'warn', 'error'] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      consoleLines.push(args.map(String).join(' '));
    });
  }
});
afterAll(async () => {
  vi.restoreAllMocks();
  await rm(out, { recursive: true, force: true });
});

function io(): LocalIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), tty: false };
}

describe('npm run local', () => {
  it('runs the samples to a complete report, prints it as JSON, writes it to disk and exits 0', async () => {
    const o = io();
    const code = await runLocal({ json: true, out, verbose: true, processingDelayMs: 200, timeoutSeconds: 120 }, o);
    expect(o.stderr.join('')).not.toMatch(/^Lost:/m);
    expect(code).toBe(0);
    const report = JSON.parse(o.stdout.join('')) as RunReport;
    expect(report).toMatchObject({ file: 'hr-extracts/workers.csv', rows: 400 });
    expect(report.counts).toMatchObject({ valid: 400, rejected: 0, records: 400, created: 400, confirmed: 400, skipped: 0, deadLettered: 0, unchanged: 0, held: 0 });
    const onDisk = JSON.parse(await readFile(join(out, report.runId, 'report.json'), 'utf8')) as RunReport;
    expect(onDisk).toEqual(report);
    expect((await readFile(join(out, report.runId, 'problems.csv'), 'utf8')).startsWith('\uFEFFline,externalId')).toBe(true);
    const page = await readFile(join(out, report.runId, 'report.html'), 'utf8');
    expect(page).toContain(`<title>hrsync run ${report.runId}: complete in`);
    expect(page).toContain('data-key="created" data-count="400"');
    // Every record went at least once; a retry (a manager not there yet) carries its record again.
    const calls = /<p data-requests="(\d+)">\d+ bulkUpload calls: \d+ accepted, carrying (\d+) operations/.exec(page);
    expect(Number(calls?.[1])).toBe(report.requests.total);
    expect(Number(calls?.[2])).toBeGreaterThanOrEqual(400);

    // --verbose shows the functions' log lines; none, nor report.html, carries a name or an email from the extract.
    const logged = [...o.stderr, ...consoleLines].join('\n');
    expect(logged).toContain('[ingest]');
    expect(logged).toContain('[upload]');
    // And the telemetry events, a line each, with the report's counts.
    expect(logged).toMatch(new RegExp(`^event hrsync\\.run\\.completed runId=${report.runId} .*created=400 `, 'm'));
    expect(logged).toMatch(/^event hrsync\.bulkupload requestId=\S+ operations=\d+ latencyMs=\d+ status=202 /m);
    const rows = (await readFile('samples/workers.csv', 'utf8')).split(/\r?\n/).slice(1, 150);
    const personal = rows.flatMap((r) => r.split(',').slice(3, 8)).filter((v) => v.length >= 5 && !/^\d/.test(v));
    expect(personal.length).toBeGreaterThan(100);
    expect(personal.filter((v) => logged.includes(v) || page.includes(v))).toEqual([]);
    expect(logged).not.toMatch(/Bearer|client_secret|eyJ[A-Za-z0-9_-]{10}/);
  }, 150_000);

  it('exits 2 with one sentence for an extract without a mapping, a missing file or a bad mapping', async () => {
    let o = io();
    expect(await runLocal({ extract: 'samples/workers.csv' }, o)).toBe(2);
    expect(o.stderr.join('')).toBe('Give the mapping for your extract: npm run local -- <extract> --mapping <file>.\n');
    o = io();
    expect(await runLocal({ extract: 'nowhere.csv', mapping: 'samples/mapping.json' }, o)).toBe(2);
    expect(o.stderr.join('')).toMatch(/^Cannot read the extract .*nowhere\.csv: no such file\.\n$/);
    o = io();
    expect(await runLocal({ extract: 'samples/workers.csv', mapping: 'package.json' }, o)).toBe(2);
    expect(o.stderr.join('')).toMatch(/package\.json: name: unknown top-level key/);
    expect(o.stdout).toEqual([]);
  });
});
