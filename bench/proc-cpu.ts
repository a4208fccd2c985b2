// CPU time from /proc, for benchmarks that report where the CPU went (Linux only).
import { readFileSync } from 'node:fs';

/** CPU seconds a process (or one of its threads, `tid`) has used so far, from /proc (clock ticks of 1/100 s); undefined elsewhere. */
export function cpuSecondsOf(pid: number | undefined, tid?: number): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const path = tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`;
    // The fields after the command name (which may hold spaces and parentheses) start at the state, field 3.
    const stat = readFileSync(path, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const seconds = (Number(fields[11]) + Number(fields[12])) / 100;
    return Number.isFinite(seconds) ? seconds : undefined;
  } catch {
    return undefined;
  }
}
