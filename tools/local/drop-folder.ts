// `npm run local -- --watch`: files a user copies into a local folder are uploaded to the
// extracts container, as an HR system's export job would drop them. The folder is polled
// rather than watched with fs.watch: a file still being copied must not be uploaded half-way,
// so a file goes up only once its size and mtime held still across two polls, and again only
// when they change.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

const EXTRACT = /\.(csv|json|ndjson|jsonl|txt)$/i;

export interface DropFolder {
  /** Looks at the folder once; uploads what has settled since the last look. Returns the names uploaded. */
  poll(): Promise<string[]>;
}

/** Watches `dir` (which must exist) through `poll()`; `upload` receives each settled file's bytes. */
export function dropFolder(dir: string, upload: (name: string, content: Buffer) => Promise<void>): DropFolder {
  const seen = new Map<string, string>();
  const uploaded = new Map<string, string>();
  return {
    async poll() {
      const done: string[] = [];
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        if (!entry.isFile() || !EXTRACT.test(entry.name) || entry.name.startsWith('.')) continue;
        const path = join(dir, entry.name);
        let version: string;
        try {
          const s = await stat(path);
          version = `${s.size}:${s.mtimeMs}`;
        } catch {
          continue; // moved away between readdir and stat
        }
        const settled = seen.get(entry.name) === version;
        seen.set(entry.name, version);
        if (!settled || uploaded.get(entry.name) === version) continue;
        await upload(entry.name, await readFile(path));
        uploaded.set(entry.name, version);
        done.push(entry.name);
      }
      return done;
    },
  };
}
