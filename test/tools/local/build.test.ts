// npm run local starts with `npm run build`: with nothing changed since the last build it must not
// compile again (it took 8 s of a local run's start). Runs package.json's own build command.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');

it('npm run build does nothing when dist is up to date with the sources', async () => {
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  expect(scripts['local']).toMatch(/^npm run build && /);
  const [command, ...args] = (scripts['build'] as string).split(' ');
  expect(command).toBe('tsc');
  const tsc = (...more: string[]) => promisify(execFile)(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), ...args, ...more], { cwd: ROOT });
  await tsc();
  const again = await tsc('--verbose');
  expect(again.stdout).toMatch(/Project 'tsconfig\.build\.json' is up to date because newest input '[^']+' is older than output 'dist\/\.tsbuildinfo'/);
  expect(again.stdout).not.toMatch(/Building project/);
}, 180_000);
