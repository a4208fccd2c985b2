// `npm run local` must not outlive whoever started it. A SIGKILL leaves a process no chance to
// stop its children, so each process watches the ones above it instead: its parent (a changed
// parent id means it was re-parented: the parent is gone) and, when the parent is the shell npm
// runs scripts with (`sh -c "npm run build && node …"`), npm above that shell too. Local tooling.
import { readFileSync } from 'node:fs';

const SHELLS = new Set(['sh', 'dash', 'bash', 'zsh', 'ash', 'busybox']);

/** The parent id, command name and state of a process, from /proc (Linux); undefined where there is none. */
function procInfo(pid: number): { ppid: number; comm: string; state: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split at the last ')'.
    const close = stat.lastIndexOf(')');
    const [state, ppid] = stat.slice(close + 2).split(' ');
    return { comm: stat.slice(stat.indexOf('(') + 1, close), state: state ?? '', ppid: Number(ppid) };
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // A zombie has ended; it only waits to be reaped (by an init that may never reap it).
  return procInfo(pid)?.state !== 'Z';
}

/** Calls `gone` once when this process's parent (or npm above a script's shell) has ended; returns a function that stops watching. */
export function watchAncestors(gone: () => void, intervalMs = 500): () => void {
  const parent = process.ppid;
  const watched = [parent];
  const info = procInfo(parent);
  if (info !== undefined && SHELLS.has(info.comm) && info.ppid > 1) watched.push(info.ppid);
  const timer = setInterval(() => {
    if (process.ppid === parent && watched.every(alive)) return;
    clearInterval(timer);
    gone();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
