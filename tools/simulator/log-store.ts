// Provisioning log entries in activity order, each visible from a given time, read in pages.
// The skiptoken is the sequence number of the last entry served, so pages stay stable while new
// entries arrive: they are appended after everything already served.
import type { ProvisioningObjectSummary } from './log-entry.js';
import type { EntryPredicate } from './log-filter.js';

interface StoredEntry {
  seq: number;
  visibleAt: number;
  entry: ProvisioningObjectSummary;
}

export interface LogPage {
  entries: ProvisioningObjectSummary[];
  /** Present when more visible entries match after this page. */
  nextSkipToken?: string;
}

/** Thrown for a skiptoken this store did not issue. */
export class SkipTokenError extends Error {}

/** Holds the provisioning log. */
export class LogStore {
  private readonly entries: StoredEntry[] = [];
  private seq = 0;

  /** Forgets every entry (the sequence keeps counting, so old skiptokens stay meaningless). */
  clear(): void {
    this.entries.length = 0;
  }

  /** Adds an entry that becomes visible at `visibleAt` (ms). */
  append(entry: ProvisioningObjectSummary, visibleAt: number): void {
    this.entries.push({ seq: ++this.seq, visibleAt, entry });
  }

  /** Entries visible at `now` matching `predicate`, after the skiptoken, at most `top`. */
  page(predicate: EntryPredicate, top: number, now: number, skipToken?: string): LogPage {
    const after = skipToken === undefined ? 0 : decodeSkipToken(skipToken);
    const matches: StoredEntry[] = [];
    for (const stored of this.entries) {
      if (stored.seq <= after || stored.visibleAt > now || !predicate(stored.entry)) continue;
      matches.push(stored);
      if (matches.length > top) break;
    }
    const served = matches.slice(0, top);
    const last = served[served.length - 1];
    return {
      entries: served.map((s) => s.entry),
      ...(matches.length > top && last !== undefined ? { nextSkipToken: encodeSkipToken(last.seq) } : {}),
    };
  }

  /** Every entry, visible or not, in activity order (for tests and the directory view). */
  all(): readonly ProvisioningObjectSummary[] {
    return this.entries.map((s) => s.entry);
  }
}

function encodeSkipToken(seq: number): string {
  return Buffer.from(`sim1:${seq}`).toString('base64url');
}

function decodeSkipToken(token: string): number {
  const m = /^sim1:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (m === null) throw new SkipTokenError('the $skiptoken is not one this service issued');
  return Number(m[1]);
}
