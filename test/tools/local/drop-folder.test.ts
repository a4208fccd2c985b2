// The --watch folder: a file goes up once it has held still across two looks, and again only when it changes.
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dropFolder } from '../../../tools/local/drop-folder.js';

let dir: string;
let uploads: Array<{ name: string; text: string }>;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hrsync-drop-'));
  uploads = [];
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const folder = (): ReturnType<typeof dropFolder> => dropFolder(dir, async (name, content) => { uploads.push({ name, text: content.toString('utf8') }); });

describe('dropFolder', () => {
  it('uploads a file once it has settled, and only once', async () => {
    const f = folder();
    await writeFile(join(dir, 'workers.csv'), 'a,b\n1,2\n');
    expect(await f.poll()).toEqual([]);
    expect(await f.poll()).toEqual(['workers.csv']);
    expect(await f.poll()).toEqual([]);
    expect(uploads).toEqual([{ name: 'workers.csv', text: 'a,b\n1,2\n' }]);
  });

  it('waits while a file is still growing', async () => {
    const f = folder();
    await writeFile(join(dir, 'big.csv'), 'a,b\n');
    await f.poll();
    await writeFile(join(dir, 'big.csv'), 'a,b\n1,2\n');
    expect(await f.poll()).toEqual([]);
    expect(await f.poll()).toEqual(['big.csv']);
    expect(uploads.map((u) => u.text)).toEqual(['a,b\n1,2\n']);
  });

  it('uploads a file again when it is replaced', async () => {
    const f = folder();
    const path = join(dir, 'workers.json');
    await writeFile(path, '[]');
    await f.poll();
    await f.poll();
    await writeFile(path, '[{"id":1}]');
    await utimes(path, new Date(), new Date(Date.now() + 5000));
    await f.poll();
    expect(await f.poll()).toEqual(['workers.json']);
    expect(uploads.map((u) => u.text)).toEqual(['[]', '[{"id":1}]']);
  });

  it('ignores hidden files, other kinds of file and folders', async () => {
    const f = folder();
    await writeFile(join(dir, '.workers.csv.swp'), 'x');
    await writeFile(join(dir, 'notes.docx'), 'x');
    await writeFile(join(dir, '.hidden.csv'), 'x');
    await f.poll();
    expect(await f.poll()).toEqual([]);
  });
});
