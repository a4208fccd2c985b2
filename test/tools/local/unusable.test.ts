// npm run local's exit codes mean what the CLI's mean: a night with rejected rows is 1, a night
// whose file the mapping cannot read (a renamed column) ends at once with its report saying why,
// without --verbose, and makes the exit code 2 — instead of the run being retried, poisoned and
// waited for until the timeout. Its own file: one local stack per process.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunReport } from '../../../lib/pipeline/report.js';
import { runLocal } from '../../../tools/local/run.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hrsync-local-unusable-'));
  for (const level of ['log', 'info', 'warn', 'error'] as const) vi.spyOn(console, level).mockImplementation(() => undefined);
});
afterAll(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

describe('npm run local, unusable input', () => {
  it('a night with rejected rows, then a file whose header lost a mapped column: both reports, the reason printed, exit 2, no wait for the timeout', async () => {
    // Rejected rows without the guard holding the run: the exit code must still say someone has to look.
    await writeFile(
      join(dir, 'sources.json'),
      JSON.stringify({ version: 1, sources: { default: { mapping: 'mapping.json', kind: 'full', guard: { maxRejectedPercent: 100, maxShrinkPercent: 100, maxDisables: 1000 } } } }),
    );
    await writeFile(join(dir, 'mapping.json'), await readFile('samples/mapping.json'));
    const renamed = (await readFile('samples/workers.csv', 'utf8')).replace(',Email,', ',E-mail,');
    await writeFile(join(dir, 'renamed.csv'), renamed);

    const stdout: string[] = [];
    const stderr: string[] = [];
    const started = Date.now();
    const code = await runLocal(
      {
        extracts: [resolve('samples/broken.csv'), join(dir, 'renamed.csv')],
        sources: join(dir, 'sources.json'),
        out: join(dir, 'reports'),
        processingDelayMs: 50,
        timeoutSeconds: 300,
      },
      { out: (t) => stdout.push(t), err: (t) => stderr.push(t), tty: false },
    );
    const elapsed = Date.now() - started;
    const text = stdout.join('');
    expect(code, `stderr: ${stderr.join('').slice(-800)}`).toBe(2);
    expect(elapsed).toBeLessThan(120_000);

    // The first night: rejected rows, everything valid confirmed.
    expect(text).toMatch(/Run \S+ \(hr-extracts\/broken\.csv, source default, full\) complete/);
    expect(text).toContain('rows 16: valid 6, rejected 10');
    // The second: unusable, saying why in one sentence with the hint, without --verbose.
    expect(text).toMatch(/Run \S+ \(hr-extracts\/renamed\.csv, source default, full\) UNUSABLE: nothing was read or sent/);
    expect(text).toMatch(
      / {2}mapping: \S*mapping\.json: attributes\.emails\[0\]\.value: column "Email" \(attributes\.emails\[0\]\.value; did you mean "E-mail"\?\) is not in the header of hr-extracts\/renamed\.csv/,
    );
    expect(text).toMatch(/→ Fix the mapping \(or the export, if a column was renamed\)/);
    expect(stderr.join('')).not.toMatch(/No run of .* finished within/);

    const runId = /Run (\S+) \(hr-extracts\/renamed\.csv/.exec(text)?.[1] as string;
    const onDisk = JSON.parse(await readFile(join(dir, 'reports', runId, 'report.json'), 'utf8')) as RunReport;
    expect(onDisk).toMatchObject({ state: 'unusable', unusable: { rule: 'mapping' }, rows: 0 });
  }, 200_000);
});
