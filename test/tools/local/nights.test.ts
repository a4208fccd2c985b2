// npm run local with several extracts: each night runs on the same storage and simulator, in turn.
// Its own file: a second local stack in one process would inherit the first one's identity endpoint.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunReport } from '../../../lib/pipeline/report.js';
import { writeNightsCsv } from '../../../tools/generate/nights.js';
import { runLocal } from '../../../tools/local/run.js';
import type { LocalIo } from '../../../tools/local/run.js';

let out: string;
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'hrsync-local-nights-'));
  for (const level of ['log', 'info', 'warn', 'error'] as const) vi.spyOn(console, level).mockImplementation(() => undefined);
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

describe('npm run local, several nights', () => {
  it('runs several nights in turn on the same storage: the second sends only what changed and disables the leavers, as a JSON array', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hrsync-nights-'));
    try {
      const nights = await writeNightsCsv(dir, { workers: 300, nights: 3, seed: 11, changedShare: 0.02, leaverShare: 0.01, joinerShare: 0.01 });
      const o = io();
      const files = [nights[0]?.file, nights[0]?.file, nights[1]?.file].map((f) => f as string);
      const code = await runLocal({ extracts: files, mapping: 'samples/mapping.json', json: true, out, processingDelayMs: 50, timeoutSeconds: 120 }, o);
      expect(o.stderr.join('')).not.toMatch(/^Lost:/m);
      expect(code).toBe(0);
      const reports = JSON.parse(o.stdout.join('')) as RunReport[];
      expect(reports.map((r) => r.file)).toEqual(['hr-extracts/night-0.csv', 'hr-extracts/2-night-0.csv', 'hr-extracts/night-1.csv']);
      const [first, same, next] = reports as [RunReport, RunReport, RunReport];
      expect(first.counts).toMatchObject({ records: 300, created: 300 });
      expect(same.counts).toMatchObject({ records: 300, unchanged: 300, created: 0, updated: 0 });
      expect(same.requests.total).toBe(0);
      const n1 = nights[1] as NonNullable<(typeof nights)[1]>;
      expect(next.counts).toMatchObject({ created: n1.joiners.length, updated: n1.changed.length, disabled: n1.leavers.length, leavers: n1.leavers.length });
      expect(next.disabled.map((d) => d.externalId).sort()).toEqual([...n1.leavers].sort());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 150_000);
});
