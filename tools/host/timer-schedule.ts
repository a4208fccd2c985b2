// The timer trigger, locally: the schedule (NCRONTAB or TimeSpan, after %SETTING% resolution)
// is parsed when the runner is built, runOnStartup fires once at start, and each occurrence
// invokes the handler with the host's Timer object.
import type { Timer } from '@azure/functions';
import type { FunctionDefinition } from '../../functions/definition.js';
import type { Invoker } from './invocation.js';
import { nextOccurrence, parseSchedule } from './ncrontab.js';
import type { Schedule } from './ncrontab.js';
import { resolveBinding, settingNames } from './settings.js';
import type { AppSettings } from './settings.js';

type TimerDefinition = Extract<FunctionDefinition, { kind: 'timer' }>;

/** An occurrence this much later than due counts as past due (the process was busy or asleep). */
const PAST_DUE_MS = 1000;

export interface TimerTrigger {
  functionName: string;
  schedule: Schedule;
  /** Invokes the handler now; resolves true when it succeeded (failures are logged and counted). */
  fire(isPastDue?: boolean): Promise<boolean>;
  /** Fires on schedule (and once first when runOnStartup) until `running()` turns false. */
  loop(running: () => boolean, sleep: (ms: number) => Promise<void>): Promise<void>;
}

/** Resolves and parses the schedule now; a bad one throws naming the function and its setting. */
export function createTimerTrigger(def: TimerDefinition, env: AppSettings, invoker: Invoker): TimerTrigger {
  const text = resolveBinding(def.options.schedule, env, def.name, 'schedule');
  let schedule: Schedule;
  try {
    schedule = parseSchedule(text);
  } catch (err) {
    const from = settingNames(def.options.schedule);
    throw new Error(`function ${def.name}: schedule "${text}"${from.length > 0 ? ` (from app setting ${from.join(', ')})` : ''} is not valid: ${(err as Error).message}`);
  }
  let last: Date | undefined;

  async function fire(isPastDue = false): Promise<boolean> {
    const now = new Date();
    const timer: Timer = {
      isPastDue,
      schedule: { adjustForDST: false },
      scheduleStatus: { last: (last ?? now).toISOString(), next: nextOccurrence(schedule, now).toISOString(), lastUpdated: now.toISOString() },
    };
    last = now;
    try {
      await invoker.invoke(def.name, { timer }, (context) => def.options.handler(timer, context));
      return true;
    } catch (err) {
      invoker.log(def.name, 'error', `timer invocation failed: ${(err as Error).message}`);
      return false;
    }
  }

  async function loop(running: () => boolean, sleep: (ms: number) => Promise<void>): Promise<void> {
    if (def.options.runOnStartup === true && running()) await fire();
    while (running()) {
      const due = nextOccurrence(schedule, new Date());
      // In steps of at most an hour: setTimeout cannot wait longer than about 24 days.
      while (running() && Date.now() < due.getTime()) await sleep(Math.min(3_600_000, due.getTime() - Date.now()));
      if (running()) await fire(Date.now() - due.getTime() > PAST_DUE_MS);
    }
  }

  return { functionName: def.name, schedule, fire, loop };
}
