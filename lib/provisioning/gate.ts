// The gate every bulkUpload call passes: a pause after "bucket full", the job's health, then the
// daily budget. One document holds all three so a sender learns everything with one read and
// draws its call with one conditional write. The rules are here, pure; lib/ledger keeps the
// document in Table storage (shared by every instance), MemoryGate keeps it in this process.
import type { PacingSettings } from '../config/settings.js';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import type { BudgetPolicy, CallClass, CallWindow } from './budget.js';
import { DAY_MS, callsUsed, capOf, decodeWindow, encodeWindow, nextFreeAt, pruneWindow, takeCalls } from './budget.js';
import type { JobHealth } from './job.js';
import { describeJob, jobAcceptsUploads } from './job.js';

export interface GateSettings extends BudgetPolicy {
  /** How long a job that takes no uploads keeps senders away before they look again. */
  jobRecheckMs: number;
  /** A job state older than this is not trusted to stop uploads (reconcile has not read it lately). */
  jobStaleAfterMs: number;
}

/** The gate's settings from the provisioning settings (HRSYNC_DAILY_CALLS, HRSYNC_BUDGET_RESERVE_PERCENT). */
export function gateSettingsOf(pacing: Pick<PacingSettings, 'dailyCalls' | 'budgetReservePercent'>): GateSettings {
  return { ...DEFAULT_GATE_SETTINGS, dailyCalls: pacing.dailyCalls, reserve: Math.floor((pacing.dailyCalls * pacing.budgetReservePercent) / 100) };
}

/** Budget of the defaults: P1/P2's 2,000 calls a day, 10% kept for disables and retries. */
export const DEFAULT_GATE_SETTINGS: GateSettings = { dailyCalls: 2000, reserve: 200, jobRecheckMs: 10 * 60_000, jobStaleAfterMs: 60 * 60_000 };

/** What the gate holds. */
export interface GateDocument {
  window: CallWindow;
  job?: JobHealth;
  /** No upload before this (epoch ms), after the service said its bucket is full. */
  pausedUntil?: number;
  pausedWhy?: string;
  /**
   * When each request turned away by the budget was told to come back (epoch ms, ascending).
   * Each gets its own call of the freeing window, so waiting senders come back one by one as
   * calls free rather than all at once to be turned away again.
   */
  slots?: number[];
}

/** Slots kept at most; later requests are spaced by the budget's average rate after the last. */
const MAX_SLOTS = 2000;
/** A slot this long past is taken as used (its request came back, or will take any free call). */
const SLOT_GRACE_MS = 5 * 60_000;

export type GateClosedWhy = 'budget' | 'job' | 'bucket-full';

export type GateAnswer =
  { open: true; used: number } | { open: false; why: GateClosedWhy; /** Epoch ms when a call may be possible again. */ until: number; detail: string; used: number };

/** What reports, `hrsync status` and `hrsync job` show. */
export interface GateView {
  dailyCalls: number;
  reserve: number;
  used: number;
  left: number;
  /** When the next normal call fits the budget (ISO); absent when one fits now. */
  nextCallAt?: string;
  job?: JobHealth;
  pausedUntil?: string;
  pausedWhy?: string;
  /** Why uploads wait right now, if they do. */
  closed?: { why: GateClosedWhy; until: string; detail: string };
}

/** Decides one call at `now`; returns the answer and the document to store when it changed. */
export function passGate(doc: GateDocument, now: number, cls: CallClass, settings: GateSettings): { answer: GateAnswer; doc?: GateDocument } {
  const closed = closedBefore(doc, now, settings);
  const used = callsUsed(doc.window, now);
  if (closed !== undefined) return { answer: { open: false, ...closed, used } };
  const decision = takeCalls(doc.window, now, 1, cls, settings);
  if (decision.granted) return { answer: { open: true, used: decision.used }, doc: { ...doc, window: decision.window } };
  const cap = capOf(settings, cls);
  const waiting = (doc.slots ?? []).filter((t) => t > now - SLOT_GRACE_MS);
  const last = waiting[waiting.length - 1];
  const until =
    waiting.length >= MAX_SLOTS && last !== undefined ? last + Math.ceil(DAY_MS / Math.max(1, cap)) : Math.max(nextFreeAt(doc.window, now, waiting.length + 1, cap), last ?? 0);
  const when = Number.isFinite(until) ? new Date(until).toISOString() : 'never at this budget';
  const detail = `the daily budget of ${settings.dailyCalls} calls is spent (${decision.used} in the last 24 hours${cls === 'normal' ? `, ${settings.reserve} kept for disables and retries` : ''}); this request's turn comes at ${when}`;
  return {
    answer: { open: false, why: 'budget', until, detail, used: decision.used },
    ...(Number.isFinite(until) ? { doc: { ...doc, window: pruneWindow(doc.window, now), slots: [...waiting, until].slice(-MAX_SLOTS) } } : {}),
  };
}

// The pause and the job, which stop every call whatever its class.
function closedBefore(doc: GateDocument, now: number, settings: GateSettings): { why: GateClosedWhy; until: number; detail: string } | undefined {
  if (doc.pausedUntil !== undefined && doc.pausedUntil > now) {
    return {
      why: 'bucket-full',
      until: doc.pausedUntil,
      detail: `uploads are paused until ${new Date(doc.pausedUntil).toISOString()}: ${doc.pausedWhy ?? "the job's bucket is full"}`,
    };
  }
  const job = doc.job;
  if (job !== undefined && !jobAcceptsUploads(job) && now - Date.parse(job.checkedAt) < settings.jobStaleAfterMs) {
    // The next recheck after the job was read, on a grid from that read: every sender turned away by this
    // closure gets the same time (from `now`, each would get its own, and their messages return one by one).
    const checked = Date.parse(job.checkedAt);
    const step = Math.max(1, settings.jobRecheckMs);
    return { why: 'job', until: checked + (Math.floor(Math.max(0, now - checked) / step) + 1) * step, detail: describeJob(job) };
  }
  return undefined;
}

/** The document with a pause until `until`, never shortening a longer one already there. */
export function withPause(doc: GateDocument, until: number, why: string): GateDocument {
  if (doc.pausedUntil !== undefined && doc.pausedUntil >= until) return doc;
  return { ...doc, pausedUntil: until, pausedWhy: why };
}

/** The document with the job's state as just read; a job Active again lifts nothing else. */
export function withJob(doc: GateDocument, job: JobHealth, now: number): GateDocument {
  return { ...doc, window: pruneWindow(doc.window, now), job };
}

/** The gate as people read it. */
export function viewGate(doc: GateDocument, now: number, settings: GateSettings): GateView {
  const used = callsUsed(doc.window, now);
  const cap = capOf(settings, 'normal');
  const next = nextFreeAt(doc.window, now, 1, cap);
  const closed = closedBefore(doc, now, settings);
  const budgetClosed = next > now;
  return {
    dailyCalls: settings.dailyCalls,
    reserve: settings.reserve,
    used,
    left: Math.max(0, settings.dailyCalls - used),
    ...(budgetClosed && Number.isFinite(next) ? { nextCallAt: new Date(next).toISOString() } : {}),
    ...(doc.job === undefined ? {} : { job: doc.job }),
    ...(doc.pausedUntil !== undefined && doc.pausedUntil > now ? { pausedUntil: new Date(doc.pausedUntil).toISOString(), pausedWhy: doc.pausedWhy ?? 'bucket full' } : {}),
    ...(closed !== undefined
      ? { closed: { why: closed.why, until: new Date(closed.until).toISOString(), detail: closed.detail } }
      : budgetClosed
        ? {
            closed: {
              why: 'budget' as const,
              until: Number.isFinite(next) ? new Date(next).toISOString() : 'never',
              detail: `the daily budget of ${settings.dailyCalls} calls is spent for creates and updates (${used} used, ${settings.reserve} kept for disables and retries)`,
            },
          }
        : {}),
  };
}

/** What sending `requests` calls costs at this budget: how many are left now and over how many days it goes (1: today). */
export function budgetEstimate(
  requests: number,
  view: Pick<GateView, 'dailyCalls' | 'reserve' | 'used'>,
): { requests: number; callsLeft: number; dailyCalls: number; days: number } {
  const perDay = Math.max(1, view.dailyCalls - view.reserve);
  const leftNow = Math.max(0, perDay - view.used);
  const days = requests <= leftNow ? 1 : 1 + Math.ceil((requests - leftNow) / perDay);
  return { requests, callsLeft: Math.max(0, view.dailyCalls - view.used), dailyCalls: view.dailyCalls, days };
}

/** Serialised form of the document (Table storage properties). */
export type GateRow = {
  window: string;
  /** Seconds since the epoch of the first slot, then seconds after the previous one. */
  slots?: string;
  job?: string;
  pausedUntil?: number;
  pausedWhy?: string;
};

/** The document as table properties. */
export function gateToRow(doc: GateDocument): GateRow {
  return {
    window: encodeWindow(doc.window),
    ...(doc.slots === undefined || doc.slots.length === 0 ? {} : { slots: encodeSlots(doc.slots) }),
    ...(doc.job === undefined ? {} : { job: JSON.stringify(doc.job) }),
    ...(doc.pausedUntil === undefined ? {} : { pausedUntil: doc.pausedUntil }),
    ...(doc.pausedWhy === undefined ? {} : { pausedWhy: doc.pausedWhy }),
  };
}

function encodeSlots(slots: number[]): string {
  let previous = 0;
  return slots
    .map((t) => {
      const s = Math.ceil(t / 1000);
      const d = s - previous;
      previous = s;
      return String(d);
    })
    .join(',');
}

function decodeSlots(text: string): number[] {
  let at = 0;
  const out: number[] = [];
  for (const part of text.split(',')) {
    const d = Number(part);
    if (!Number.isInteger(d)) continue;
    at += d;
    out.push(at * 1000);
  }
  return out;
}

/** The document from table properties. */
export function gateFromRow(row: Record<string, unknown> | undefined): GateDocument {
  let job: JobHealth | undefined;
  try {
    job = typeof row?.['job'] === 'string' ? (JSON.parse(row['job']) as JobHealth) : undefined;
  } catch {
    job = undefined;
  }
  const pausedUntil = row?.['pausedUntil'];
  const pausedWhy = row?.['pausedWhy'];
  return {
    window: decodeWindow(typeof row?.['window'] === 'string' ? row['window'] : undefined),
    ...(typeof row?.['slots'] === 'string' ? { slots: decodeSlots(row['slots']) } : {}),
    ...(job === undefined ? {} : { job }),
    ...(typeof pausedUntil === 'number' ? { pausedUntil } : {}),
    ...(typeof pausedWhy === 'string' ? { pausedWhy } : {}),
  };
}

/** The gate every sender asks before each bulkUpload call. */
export interface ApiGate {
  /** Draws one call of the budget, unless a pause, the job or the budget says wait. */
  take(cls: CallClass): Promise<GateAnswer>;
  /** Stops every sender's uploads until `until` (after "bucket full"). */
  pause(until: Date, why: string): Promise<void>;
  /** Records the job's state as just read from Graph. */
  noteJob(job: JobHealth): Promise<void>;
  /** The gate as it stands, for reports and the CLI. */
  view(): Promise<GateView>;
  /**
   * The last closed answer this process got, while it still holds and is under a minute old: a
   * sender can put its message back without reading storage or taking more messages.
   */
  closedHint?(cls: CallClass): Extract<GateAnswer, { open: false }> | undefined;
}

/** How long a closed answer is trusted without asking storage again. */
const HINT_MS = 60_000;

/** Where the gate document lives: one row read and written under optimistic concurrency. */
export interface GateStore {
  read(): Promise<{ row?: Record<string, unknown>; etag?: string }>;
  /** Writes when the stored version is still `etag` (absent: when there is none yet); false when another writer came first. */
  write(row: Record<string, unknown>, etag: string | undefined): Promise<boolean>;
}

/** A store in this process only: `hrsync sync` without a ledger, and tests. */
export function memoryGateStore(): GateStore {
  let stored: { row: Record<string, unknown>; version: number } | undefined;
  return {
    read: () => Promise.resolve(stored === undefined ? {} : { row: { ...stored.row }, etag: String(stored.version) }),
    write(row, etag) {
      if ((stored === undefined ? undefined : String(stored.version)) !== etag) return Promise.resolve(false);
      stored = { row: { ...row }, version: (stored?.version ?? 0) + 1 };
      return Promise.resolve(true);
    },
  };
}

/**
 * The gate over a store: every decision is a read and, when something changes, a conditional write,
 * tried again on a race. Calls this process asks for while a draw is on its way to storage go
 * together in the next one: one read and one write decide them all, in the order asked.
 */
export class StoredGate implements ApiGate {
  private hint: { answer: Extract<GateAnswer, { open: false }>; cls: CallClass; at: number } | undefined;
  // Takes waiting for the draw in flight to end; each drawn in turn, one document for all of them.
  private waiting: Array<{ cls: CallClass; settle: (answer: GateAnswer) => void; fail: (err: unknown) => void }> = [];
  private drawing = false;

  constructor(
    private readonly store: GateStore,
    private readonly settings: GateSettings,
    private readonly clock: Pick<Clock, 'now'> = systemClock,
  ) {}

  take(cls: CallClass): Promise<GateAnswer> {
    return new Promise<GateAnswer>((settle, fail) => {
      this.waiting.push({ cls, settle, fail });
      // Four uploads of one process drew at once and raced each other for the one entity: 1.7 reads
      // and 1.6 writes a call in bench:pipeline, each lost race a re-read after a random pause.
      if (!this.drawing) void this.drawWaiting();
    });
  }

  private async drawWaiting(): Promise<void> {
    this.drawing = true;
    try {
      while (this.waiting.length > 0) {
        const takes = this.waiting.splice(0);
        let answers: GateAnswer[];
        try {
          answers = await this.update((doc, now) => {
            let current = doc;
            let changed = false;
            const out: GateAnswer[] = [];
            for (const t of takes) {
              const { answer, doc: next } = passGate(current, now, t.cls, this.settings);
              out.push(answer);
              if (next !== undefined) {
                current = next;
                changed = true;
              }
            }
            return { result: out, ...(changed ? { doc: current } : {}) };
          });
        } catch (err) {
          for (const t of takes) t.fail(err);
          continue;
        }
        takes.forEach((t, i) => {
          const answer = answers[i] as GateAnswer;
          this.hint = answer.open ? undefined : { answer, cls: t.cls, at: this.clock.now() };
          t.settle(answer);
        });
      }
    } finally {
      this.drawing = false;
    }
  }

  closedHint(cls: CallClass): Extract<GateAnswer, { open: false }> | undefined {
    const h = this.hint;
    const now = this.clock.now();
    if (h === undefined || now - h.at > HINT_MS || h.answer.until <= now) return undefined;
    // A budget closed for reserved calls is closed for normal ones too; not the other way round.
    if (h.answer.why === 'budget' && cls === 'reserved' && h.cls === 'normal') return undefined;
    return h.answer;
  }

  pause(until: Date, why: string): Promise<void> {
    this.hint = { answer: { open: false, why: 'bucket-full', until: until.getTime(), detail: why, used: 0 }, cls: 'reserved', at: this.clock.now() };
    return this.update((doc) => {
      const next = withPause(doc, until.getTime(), why);
      return { result: undefined, ...(next === doc ? {} : { doc: next }) };
    });
  }

  noteJob(job: JobHealth): Promise<void> {
    if (this.hint?.answer.why === 'job') this.hint = undefined;
    return this.update((doc, now) => ({ result: undefined, doc: withJob(doc, job, now) }));
  }

  /** The gate as it stands; with `job`, as it stands given that fresher read of the job, which is not stored (status only reads). */
  async view(job?: JobHealth): Promise<GateView> {
    const { row } = await this.store.read();
    const doc = gateFromRow(row);
    return viewGate(job === undefined ? doc : { ...doc, job }, this.clock.now(), this.settings);
  }

  private async update<T>(step: (doc: GateDocument, now: number) => { result: T; doc?: GateDocument }): Promise<T> {
    // Racing senders each get a turn: at eight calls a second a handful of retries is the most seen.
    for (let attempt = 0; attempt < 50; attempt++) {
      const { row, etag } = await this.store.read();
      const { result, doc } = step(gateFromRow(row), this.clock.now());
      if (doc === undefined) return result;
      if (await this.store.write(gateToRow(doc), etag)) return result;
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 20 * (attempt + 1))));
    }
    throw new Error('The API gate in storage changed under every one of 50 attempts; giving up on this call');
  }
}
