// One handler invocation as the host makes it: a fresh InvocationContext whose log calls reach
// the runner's logger, the host.json time limit, and the counters behind the progress line.
import { randomUUID } from 'node:crypto';
import pkg from '@azure/functions';
import type { InvocationContext as InvocationContextType, LogLevel } from '@azure/functions';

const { InvocationContext } = pkg;

export interface HostLogLine {
  /** The function that logged, or "host" for the runner's own lines. */
  functionName: string;
  level: LogLevel;
  message: string;
  invocationId?: string;
}

export type HostLogger = (line: HostLogLine) => void;

export interface HostStats {
  invocations: number;
  succeeded: number;
  failures: number;
  poisoned: number;
  inFlight: number;
}

/** "[functionName] message", with the level when it is a warning or worse. */
export function formatLogLine(line: HostLogLine): string {
  const level = line.level === 'information' || line.level === 'debug' || line.level === 'trace' ? '' : `${line.level}: `;
  return `[${line.functionName}] ${level}${line.message}`;
}

/** Writes each line to stdout, or stderr for warnings and errors. */
export const consoleLogger: HostLogger = (line) => {
  const text = formatLogLine(line);
  if (line.level === 'warning' || line.level === 'error' || line.level === 'critical') console.error(text);
  else console.log(text);
};

function describe(arg: unknown): string {
  if (typeof arg === 'string') return arg;
  if (arg instanceof Error) return arg.message;
  try {
    return JSON.stringify(arg) ?? String(arg);
  } catch {
    return String(arg);
  }
}

/** Runs handlers: builds their context, enforces functionTimeout, counts and logs outcomes. */
export class Invoker {
  readonly stats: HostStats = { invocations: 0, succeeded: 0, failures: 0, poisoned: 0, inFlight: 0 };
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    private readonly logger: HostLogger,
    private readonly timeoutMs: number | undefined,
  ) {}

  /** A line from the runner itself. */
  log(functionName: string, level: LogLevel, message: string): void {
    this.logger({ functionName, level, message });
  }

  /** Calls the handler once; resolves when it succeeded, rejects with its error (or the timeout) otherwise. */
  async invoke(functionName: string, triggerMetadata: Record<string, unknown>, call: (context: InvocationContextType) => unknown): Promise<void> {
    const invocationId = randomUUID();
    const context = new InvocationContext({
      invocationId,
      functionName,
      triggerMetadata,
      logHandler: (level, ...args) => this.logger({ functionName, level, message: args.map(describe).join(' '), invocationId }),
    });
    this.stats.invocations++;
    this.stats.inFlight++;
    const run = this.withTimeout(functionName, (async () => call(context))());
    this.running.add(run);
    try {
      await run;
      this.stats.succeeded++;
    } catch (err) {
      this.stats.failures++;
      throw err;
    } finally {
      this.running.delete(run);
      this.stats.inFlight--;
    }
  }

  /** Resolves once every invocation started so far has finished. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private async withTimeout(functionName: string, run: Promise<unknown>): Promise<unknown> {
    if (this.timeoutMs === undefined) return run;
    let timer: NodeJS.Timeout | undefined;
    const limit = this.timeoutMs;
    // Like the host, the invocation fails at the limit; a Node handler cannot be stopped, so it
    // may still finish in the background.
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`function ${functionName} timed out after ${limit} ms (host.json functionTimeout)`)), limit);
    });
    try {
      return await Promise.race([run, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
