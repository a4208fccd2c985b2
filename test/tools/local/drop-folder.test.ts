// The --watch folder: a file goes up once its size and mtime have held still for the settle
// period, never in halves while it grows, and again only when it changes; other files are named once.
import { appendFile, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTLE_MS, dropFolder } from '../../../tools/local/drop-folder.js';

let dir: string;
let uploads: Array<{ name: string; text: string }>;
let ignored: string[];
let clock: number;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hrsync-drop-'));
  uploads = [];
  ignored = [];
  clock = 1_000_000;
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const folder = (settleMs?: number): ReturnType<typeof dropFolder> =>
  dropFolder(
    dir,
    async (name, content) => {
      uploads.push({ name, text: content.toString('utf8') });
    },
    {
      now: () => clock,
      ignored: (name) => ignored.push(name),
      ...(settleMs === undefined ? {} : { settleMs }),
    },
  );

describe('dropFolder', () => {
  it('takes a file only once it has been unchanged for the settle period (5 s by default), and only once', async () => {
    expect(DEFAULT_SETTLE_MS).toBe(5000);
    const f = folder();
    await writeFile(join(dir, 'workers.csv'), 'a,b\n1,2\n');
    expect(await f.poll()).toEqual([]);
    clock += 4900;
    expect(await f.poll()).toEqual([]);
    clock += 100;
    expect(await f.poll()).toEqual(['workers.csv']);
    clock += 60_000;
    expect(await f.poll()).toEqual([]);
    expect(uploads).toEqual([{ name: 'workers.csv', text: 'a,b\n1,2\n' }]);
  });

  it('never takes a growing file in halves: each change starts the settle period again', async () => {
    const f = folder();
    const path = join(dir, 'big.csv');
    await writeFile(path, 'a,b\n');
    await f.poll();
    for (let i = 0; i < 4; i++) {
      // Pauses shorter than the settle period, as a slow copy makes.
      clock += 3000;
      expect(await f.poll()).toEqual([]);
      await appendFile(path, `${i},${i}\n`);
      await utimes(path, new Date(), new Date(Date.now() + (i + 1) * 1000));
    }
    clock += 3000;
    expect(await f.poll()).toEqual([]);
    clock += 4900;
    expect(await f.poll()).toEqual([]);
    clock += 100;
    expect(await f.poll()).toEqual(['big.csv']);
    expect(uploads.map((u) => u.text)).toEqual(['a,b\n0,0\n1,1\n2,2\n3,3\n']);
  });

  it('takes a file written on the real clock in bursts exactly once, whole', async () => {
    const f = dropFolder(
      dir,
      async (name, content) => {
        uploads.push({ name, text: content.toString('utf8') });
      },
      { settleMs: 600 },
    );
    const path = join(dir, 'slow.csv');
    await writeFile(path, 'id\n');
    let writing = true;
    const writer = (async () => {
      for (let i = 0; i < 12; i++) {
        await new Promise((r) => setTimeout(r, 150));
        await appendFile(path, `${i}\n`);
      }
      writing = false;
    })();
    const deadline = Date.now() + 10_000;
    while ((writing || uploads.length === 0) && Date.now() < deadline) {
      await f.poll();
      await new Promise((r) => setTimeout(r, 50));
    }
    await writer;
    await new Promise((r) => setTimeout(r, 700));
    await f.poll();
    expect(uploads).toEqual([{ name: 'slow.csv', text: `id\n${Array.from({ length: 12 }, (_, i) => `${i}\n`).join('')}` }]);
  });

  it('takes a file again when it is replaced, once the new version has settled', async () => {
    const f = folder(1000);
    const path = join(dir, 'workers.json');
    await writeFile(path, '[]');
    await f.poll();
    clock += 1000;
    await f.poll();
    await writeFile(path, '[{"id":1}]');
    await utimes(path, new Date(), new Date(Date.now() + 5000));
    expect(await f.poll()).toEqual([]);
    clock += 1000;
    expect(await f.poll()).toEqual(['workers.json']);
    expect(uploads.map((u) => u.text)).toEqual(['[]', '[{"id":1}]']);
  });

  it('names each file that is not an extract once, and passes over hidden files and folders silently', async () => {
    const f = folder(0);
    await writeFile(join(dir, '.workers.csv.swp'), 'x');
    await writeFile(join(dir, 'notes.docx'), 'x');
    await writeFile(join(dir, 'workers.xlsx'), 'x');
    await writeFile(join(dir, '.hidden.csv'), 'x');
    await f.poll();
    clock += 1;
    expect(await f.poll()).toEqual([]);
    expect(ignored.sort()).toEqual(['notes.docx', 'workers.xlsx']);
    expect(uploads).toEqual([]);
  });
});
