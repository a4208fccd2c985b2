// `hrsync --help`, validate and preview must start without the Azure SDKs, MSAL or the Graph
// client: they cost half a second to load and none of these commands talks to Azure. Each case
// runs the CLI from its sources in a child process that records every module it loads.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { HEADER, MAPPING, workspace } from './fixtures.js';

const run = promisify(execFile);
const HEAVY = /(^|[/:])@(azure|azure-rest|microsoft)\//;

async function loaded(...argv: string[]): Promise<{ code: number; modules: string[] }> {
  const at = workspace({});
  const trace = at('trace.txt');
  let code = 0;
  try {
    await run(process.execPath, ['test/cli/load-trace.mjs', trace, ...argv], { env: { ...process.env, HRSYNC_DEBUG: '' } });
  } catch (err) {
    code = (err as { code: number }).code;
  }
  return {
    code,
    modules: readFileSync(trace, 'utf8')
      .split('\n')
      .filter((l) => l !== ''),
  };
}

describe('start-up', () => {
  const at = workspace({
    'm.json': JSON.stringify(MAPPING),
    'w.csv': `${HEADER}\nE1,Active,Ada,Lovelace,ada@contoso.com,,01/02/2020\nE2,Active,Alan,Turing,alan@contoso.com,E1,03/04/2021\n`,
  });

  it('--help loads no Azure or Microsoft SDK and no command', async () => {
    const { code, modules } = await loaded('--help');
    expect(code).toBe(0);
    expect(modules.filter((m) => HEAVY.test(m))).toEqual([]);
    expect(modules.filter((m) => m.includes('/cli/commands/'))).toEqual([]);
  });

  it('validate loads no Azure or Microsoft SDK', async () => {
    const { code, modules } = await loaded('validate', at('w.csv'), '--mapping', at('m.json'));
    expect(code).toBe(0);
    expect(modules.some((m) => m.endsWith('/cli/commands/validate.ts'))).toBe(true);
    expect(modules.filter((m) => HEAVY.test(m))).toEqual([]);
  });

  it('preview loads no Azure or Microsoft SDK', async () => {
    const { code, modules } = await loaded('preview', at('w.csv'), '--mapping', at('m.json'));
    expect(code).toBe(0);
    expect(modules.filter((m) => HEAVY.test(m))).toEqual([]);
  });

  it('the trace sees the SDKs when a command does load them', async () => {
    // job reads the provisioning job through the Graph client; without settings it stops at exit 2.
    const { code, modules } = await loaded('job');
    expect(code).toBe(2);
    expect(modules.some((m) => HEAVY.test(m))).toBe(true);
  });
});
