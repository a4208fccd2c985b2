// The API's daily call budget as a sliding 24-hour window of calls counted per minute. A call drawn
// in minute m counts until 24 hours after the end of minute m+1: up to two minutes longer than the
// service counts it, which covers the wait for a pacing slot between drawing the call and making
// it, so the window never lets through a call the service would refuse.
// Pure: lib/ledger keeps the window in Table storage, sync keeps it in memory.

export const DAY_MS = 24 * 3_600_000;
const MINUTE_MS = 60_000;

/** Calls per minute (epoch minute → calls) over the last day. */
export type CallWindow = Map<number, number>;

/** How big the budget is and how much of it only disables and retries may use. */
export interface BudgetPolicy {
  /** Calls per sliding 24 hours (HRSYNC_DAILY_CALLS). */
  dailyCalls: number;
  /** Calls kept back for disables and retries (HRSYNC_BUDGET_RESERVE_PERCENT of dailyCalls). */
  reserve: number;
}

/**
 * What a call is for. `reserved` (a disable or a retry) may spend the whole budget; `normal`
 * (creates, updates, drift repair) stops where the reserve begins, so a big resend cannot take
 * the calls tomorrow's leavers need.
 */
export type CallClass = 'reserved' | 'normal';

/** When a call drawn in minute `m` stops counting. */
function expiryOf(minute: number): number {
  return (minute + 2) * MINUTE_MS + DAY_MS;
}

/** The window without minutes that no longer count at `now`. */
export function pruneWindow(window: CallWindow, now: number): CallWindow {
  const out: CallWindow = new Map();
  for (const [m, n] of window) if (expiryOf(m) > now && n > 0) out.set(m, n);
  return out;
}

/** Calls counting against the budget at `now`. */
export function callsUsed(window: CallWindow, now: number): number {
  let used = 0;
  for (const [m, n] of window) if (expiryOf(m) > now) used += n;
  return used;
}

/** The most calls of a class the budget allows in all. */
export function capOf(policy: BudgetPolicy, cls: CallClass): number {
  return cls === 'reserved' ? policy.dailyCalls : Math.max(0, policy.dailyCalls - policy.reserve);
}

export type BudgetDecision = { granted: true; window: CallWindow; used: number } | { granted: false; used: number; nextAt: number };

/** Takes `calls` calls at `now` if the class's cap allows; otherwise says when enough will have freed. */
export function takeCalls(window: CallWindow, now: number, calls: number, cls: CallClass, policy: BudgetPolicy): BudgetDecision {
  const live = pruneWindow(window, now);
  const used = callsUsed(live, now);
  const cap = capOf(policy, cls);
  if (used + calls <= cap) {
    const minute = Math.floor(now / MINUTE_MS);
    live.set(minute, (live.get(minute) ?? 0) + calls);
    return { granted: true, window: live, used: used + calls };
  }
  return { granted: false, used, nextAt: nextFreeAt(live, now, calls, cap) };
}

/** When `calls` more calls fit under `cap` (now, if they already do). */
export function nextFreeAt(window: CallWindow, now: number, calls: number, cap: number): number {
  let used = callsUsed(window, now);
  if (used + calls <= cap) return now;
  for (const m of [...window.keys()].sort((a, b) => a - b)) {
    if (expiryOf(m) <= now) continue;
    used -= window.get(m) ?? 0;
    if (used + calls <= cap) return expiryOf(m);
  }
  // More calls than the cap itself: never, as far as this budget goes.
  return Number.POSITIVE_INFINITY;
}

/** "<first minute>:<calls>,<minutes after the previous>:<calls>,…" — a day of minutes fits one table property. */
export function encodeWindow(window: CallWindow): string {
  let previous = 0;
  const parts: string[] = [];
  for (const m of [...window.keys()].sort((a, b) => a - b)) {
    parts.push(`${m - previous}:${window.get(m) ?? 0}`);
    previous = m;
  }
  return parts.join(',');
}

/** The window `encodeWindow` wrote; anything unreadable counts as nothing rather than blocking every call. */
export function decodeWindow(text: string | undefined): CallWindow {
  const out: CallWindow = new Map();
  if (text === undefined || text === '') return out;
  let minute = 0;
  for (const part of text.split(',')) {
    const [d, n] = part.split(':').map(Number);
    if (d === undefined || n === undefined || !Number.isInteger(d) || !Number.isInteger(n)) continue;
    minute += d;
    out.set(minute, (out.get(minute) ?? 0) + n);
  }
  return out;
}
