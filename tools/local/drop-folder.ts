// `npm run local -- --watch`: files a user copies into a local folder are uploaded to the
// extracts container, as an HR system's export job would drop them. The folder is polled
// rather than watched with fs.watch: a file still being copied must not be uploaded half-way
// (its first half would be a run of its own, disabling everyone in the second), so a file goes
// up only once its size and mtime have not changed for the settle period, and again only when
// they change and settle anew.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** The extensions lib/extract reads (.csv/.txt → CSV, .json → JSON, .ndjson/.jsonl → NDJSON). */
const EXTRACT = /\.(csv|json|ndjson|jsonl|txt)$/i;

/** How long a file must stay unchanged before it is taken: long enough for a copy over a slow share to show progress. */
export const DEFAULT_SETTLE_MS = 5000;

export interface DropFolder {
  /** Looks at the folder once; uploads what has settled since the last look. Returns the names uploaded. */
  poll(): Promise<string[]>;
}

export interface DropFolderOptions {
  /** How long size and mtime must hold still (default 5 s). */
  settleMs?: number;
  /** The clock the settle period is measured on (tests move it). */
  now?: () => number;
  /** Told once per file name that is not an extract (hidden files, which copy tools write as they go, are passed over silently). */
  ignored?: (name: string) => void;
}

/** Watches `dir` (which must exist) through `poll()`; `upload` receives each settled file's bytes. */
export function dropFolder(dir: string, upload: (name: string, content: Buffer) => Promise<void>, options: DropFolderOptions = {}): DropFolder {
  const settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
  const now = options.now ?? Date.now;
  const seen = new Map<string, { version: string; since: number }>();
  const uploaded = new Map<string, string>();
  const told = new Set<string>();
  const versionOf = async (path: string): Promise<string | undefined> => {
    try {
      const s = await stat(path);
      return `${s.size}:${s.mtimeMs}`;
    } catch {
      return undefined; // moved away meanwhile
    }
  };
  return {
    async poll() {
      const done: string[] = [];
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        if (!entry.isFile() || entry.name.startsWith('.')) continue;
        if (!EXTRACT.test(entry.name)) {
          if (!told.has(entry.name)) options.ignored?.(entry.name);
          told.add(entry.name);
          continue;
        }
        const path = join(dir, entry.name);
        const version = await versionOf(path);
        if (version === undefined) continue;
        const last = seen.get(entry.name);
        if (last?.version !== version) {
          seen.set(entry.name, { version, since: now() });
          continue;
        }
        if (now() - last.since < settleMs || uploaded.get(entry.name) === version) continue;
        const content = await readFile(path);
        // Written to again while it was read: what was read is not the version that settled.
        if ((await versionOf(path)) !== version || content.length !== Number(version.split(':')[0])) {
          seen.delete(entry.name);
          continue;
        }
        await upload(entry.name, content);
        uploaded.set(entry.name, version);
        done.push(entry.name);
      }
      return done;
    },
  };
}
