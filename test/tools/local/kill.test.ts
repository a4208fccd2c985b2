// Killing npm run local, however it is killed, leaves no Azurite or simulator process behind. The
// real thing: the compiled entry point in its own process (it starts itself again to trust the
// simulator's CA, then Azurite's three services), killed from outside, then every process of its
// tree checked by pid. Built first (tsc -b: nothing to do when dist is current).
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
let dir: string;
const started: number[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hrsync-kill-'));
  await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'tsconfig.build.json'], { cwd: ROOT });
}, 180_000);
afterEach(() => {
  // Whatever a failed test left running is stopped here, by pid.
  for (const pid of started.splice(0))
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Every process's parent, from /proc. */
function parents(): Map<number, number> {
  const out = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      out.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* ended meanwhile */
    }
  }
  return out;
}

function childrenOf(pid: number): number[] {
  return [...parents()].filter(([, ppid]) => ppid === pid).map(([p]) => p);
}

// A zombie has ended: it only waits for a reaper.
function running(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

interface Tree {
  top: ChildProcess;
  outer: number;
  inner: number;
  azurite: number[];
  stderr: () => string;
  exited: Promise<number | null>;
}

// npm run local -- --watch, started the way npm starts it: without the CA in NODE_EXTRA_CA_CERTS, so it starts itself again.
async function start(name: string): Promise<Tree> {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  const top = spawn(process.execPath, [join(ROOT, 'dist/tools/local/main.js'), '--watch', join(dir, name), '--out', join(dir, `${name}-reports`)], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(top.pid as number);
  let err = '';
  top.stderr?.on('data', (b: Buffer) => {
    err += b.toString('utf8');
  });
  top.stdout?.resume();
  let ended = false;
  const exited = new Promise<number | null>((r) =>
    top.on('exit', (code) => {
      ended = true;
      r(code);
    }),
  );
  const deadline = Date.now() + 60_000;
  while (!err.includes('Watching')) {
    // A start that failed says why at once rather than after the whole minute.
    if (ended || Date.now() > deadline) throw new Error(`npm run local did not start${ended ? ' (it exited)' : ''}: ${err.slice(-1000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const [inner] = childrenOf(top.pid as number);
  expect(inner).toBeDefined();
  started.push(inner as number);
  const azurite = childrenOf(inner as number);
  started.push(...azurite);
  return { top, outer: top.pid as number, inner: inner as number, azurite, stderr: () => err, exited };
}

async function allGone(pids: readonly number[], ms = 25_000): Promise<number[]> {
  const deadline = Date.now() + ms;
  let left = pids.filter(running);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    left = left.filter(running);
  }
  return left;
}

describe('killing npm run local', () => {
  it("the tree is the re-exec and Azurite's three services (the simulator lives in the inner process)", async () => {
    const t = await start('tree');
    expect(t.azurite).toHaveLength(3);
    for (const pid of t.azurite) expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toMatch(/azurite[\\/]dist[\\/]src[\\/](blob|queue|table)[\\/]main\.js/);
    t.top.kill('SIGKILL');
    expect(await allGone([t.outer, t.inner, ...t.azurite])).toEqual([]);
  }, 90_000);

  it.each([
    ['SIGKILL of the outer process', (t: Tree) => process.kill(t.outer, 'SIGKILL')],
    ['SIGKILL of the inner process', (t: Tree) => process.kill(t.inner, 'SIGKILL')],
    ['SIGKILL of one Azurite service', (t: Tree) => process.kill(t.azurite[0] as number, 'SIGKILL')],
    ['SIGTERM of the outer process', (t: Tree) => process.kill(t.outer, 'SIGTERM')],
    ['SIGINT of the outer process alone', (t: Tree) => process.kill(t.outer, 'SIGINT')],
    [
      'SIGINT of the whole process group (Ctrl+C)',
      (t: Tree) => {
        process.kill(t.outer, 'SIGINT');
        process.kill(t.inner, 'SIGINT');
        for (const a of t.azurite) process.kill(a, 'SIGINT');
      },
    ],
  ])(
    '%s leaves no process behind',
    async (what, kill) => {
      const t = await start(what.replace(/\W+/g, '-'));
      kill(t);
      expect(await allGone([t.outer, t.inner, ...t.azurite]), t.stderr().slice(-1000)).toEqual([]);
      if (what.includes('Azurite')) {
        expect(t.stderr()).toMatch(/Azurite's (blob|queue|table) service stopped \(SIGKILL\) while the run needed it; stopping\./);
        expect(await t.exited).toBe(1);
      }
    },
    90_000,
  );

  it('SIGKILL of npm, above the shell it runs the script with, leaves no process behind', async () => {
    // npm runs `sh -c "npm run build && node dist/tools/local/main.js …"`: the shell outlives npm and keeps waiting.
    const env = { ...process.env };
    delete env.NODE_EXTRA_CA_CERTS;
    const script = `node dist/tools/local/main.js --watch '${join(dir, 'npm')}' --out '${join(dir, 'npm-reports')}' && true`;
    const npm = spawn(
      process.execPath,
      ['-e', `require('node:child_process').spawn('sh', ['-c', ${JSON.stringify(script)}], { stdio: 'inherit' }); setInterval(() => undefined, 60_000);`],
      { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    started.push(npm.pid as number);
    let err = '';
    npm.stderr?.on('data', (b: Buffer) => {
      err += b.toString('utf8');
    });
    npm.stdout?.resume();
    const deadline = Date.now() + 60_000;
    while (!err.includes('Watching')) {
      if (Date.now() > deadline) throw new Error(`npm run local did not start: ${err.slice(-1000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const [shell] = childrenOf(npm.pid as number);
    const [outer] = childrenOf(shell as number);
    const [inner] = childrenOf(outer as number);
    const azurite = childrenOf(inner as number);
    started.push(shell as number, outer as number, inner as number, ...azurite);
    expect(readFileSync(`/proc/${shell}/comm`, 'utf8').trim()).toMatch(/^(sh|dash|bash)$/);
    expect(azurite).toHaveLength(3);
    npm.kill('SIGKILL');
    expect(await allGone([shell as number, outer as number, inner as number, ...azurite]), err.slice(-1000)).toEqual([]);
  }, 90_000);
});
