// Test doubles shared by the provisioning tests: a manual clock and a logger that records calls.
import type { Clock } from '../../../lib/core/clock.js';
import type { LogFields, Logger } from '../../../lib/core/logger.js';

/** A clock whose time moves only when the test says so; sleeps resolve as time passes them. */
export class FakeClock implements Clock {
  private timers: { at: number; resolve: () => void }[] = [];
  readonly sleeps: number[] = [];
  constructor(private time = 1_000_000) {}

  now(): number {
    return this.time;
  }

  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    return new Promise((resolve) => {
      this.timers.push({ at: this.time + Math.max(0, ms), resolve });
    });
  }

  /** Moves time forward by `ms`, firing due timers in order and letting promise chains settle after each. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      await flush();
      const next = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (next === undefined) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.time = Math.max(this.time, next.at);
      next.resolve();
    }
    this.time = end;
    await flush();
  }

  get pendingTimers(): number {
    return this.timers.length;
  }
}

/** Lets queued promise callbacks run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 20; i += 1) await Promise.resolve();
}

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  message: string;
  fields: LogFields | undefined;
}

/** A logger that keeps every line for assertions. */
export function captureLogger(): Logger & { lines: LogLine[]; text(): string } {
  const lines: LogLine[] = [];
  const at = (level: LogLine['level']) => (message: string, fields?: LogFields) => {
    lines.push({ level, message, fields });
  };
  return { lines, info: at('info'), warn: at('warn'), error: at('error'), text: () => JSON.stringify(lines) };
}

/** A clock whose sleeps resolve at once while moving time forward by the slept amount. */
export class JumpingClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(private time = 1_000_000) {}
  now(): number {
    return this.time;
  }
  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.time += Math.max(0, ms);
    return Promise.resolve();
  }
}
