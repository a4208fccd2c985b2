// Drift repair: someone unchanged for weeks is never sent, so an edit made by hand in Entra would
// stay for ever. Each person is sent again once per `days`, at a moment of the cycle fixed by a
// hash of their externalId: the boundaries of different people are spread evenly over the
// cycle, so every night resends about 1/days of them — after a first full night as on any
// other — and runs that are not nightly still catch everyone whose boundary has passed.
import { sha256 } from '../core/digest.js';

const DAY_MS = 86_400_000;

/** Where in the `days`-long cycle this person's resend falls, in ms from the cycle's start. */
export function driftPhase(externalId: string, days: number): number {
  const word = sha256(externalId).readUInt32BE(0);
  return Math.floor((word / 2 ** 32) * days * DAY_MS);
}

/** The latest of this person's resend boundaries at or before `now`. */
export function lastBoundary(externalId: string, days: number, now: number): number {
  const cycle = days * DAY_MS;
  const since = (((now - driftPhase(externalId, days)) % cycle) + cycle) % cycle;
  return now - since;
}

/** Whether a person last sent at `lastSentAt` is due for a drift resend at `now`; never when days is 0. */
export function driftDue(externalId: string, lastSentAt: number, now: number, days: number): boolean {
  if (days <= 0 || Number.isNaN(lastSentAt)) return false;
  return lastSentAt < lastBoundary(externalId, days, now);
}
