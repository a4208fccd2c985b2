import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExtractError, openExtract, openExtractFile } from '../../../lib/extract/index.js';
import { readAll, readError } from './read.js';

const TEXT = 'id;name\n1;Zoë “Zed” €5\n';
const ROW = { line: 2, fields: ['1', 'Zoë “Zed” €5'] };

function utf16be(text: string): Buffer {
  return Buffer.from(text, 'utf16le').swap16();
}

describe('encodings', () => {
  it('reads UTF-8 without a BOM', async () => {
    const { extract, rows } = await readAll(TEXT);
    expect(extract.encoding).toBe('utf-8');
    expect(rows).toEqual([ROW]);
  });

  it('reads UTF-8 with a BOM, which is not part of the first header name', async () => {
    const { extract, rows } = await readAll(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(TEXT)]), {}, 2);
    expect(extract.encoding).toBe('utf-8');
    expect(extract.columns).toEqual(['id', 'name']);
    expect(rows).toEqual([ROW]);
  });

  it.each([1, 3, 1024])('reads UTF-16 LE with a BOM (%i-byte chunks)', async (size) => {
    const { extract, rows } = await readAll(Buffer.from(`\uFEFF${TEXT}`, 'utf16le'), {}, size);
    expect(extract.encoding).toBe('utf-16le');
    expect(extract.delimiter).toBe(';');
    expect(rows).toEqual([ROW]);
  });

  it.each([1, 3, 1024])('reads UTF-16 BE with a BOM (%i-byte chunks)', async (size) => {
    const { extract, rows } = await readAll(utf16be(`\uFEFF${TEXT}`), {}, size);
    expect(extract.encoding).toBe('utf-16be');
    expect(extract.columns).toEqual(['id', 'name']);
    expect(rows).toEqual([ROW]);
  });

  it('reads UTF-16 LE without a BOM when it is set', async () => {
    const { rows } = await readAll(Buffer.from(TEXT, 'utf16le'), { encoding: 'utf-16le' });
    expect(rows).toEqual([ROW]);
  });

  it('reads Windows-1252 (€, curly quotes, é) only when it is set', async () => {
    // "id;name\n1;René “Bob” €5\n" in Windows-1252: é E9, “ 93, ” 94, € 80.
    const bytes = Buffer.concat([Buffer.from('id;name\n1;Ren'), Buffer.from([0xe9, 0x20, 0x93]), Buffer.from('Bob'), Buffer.from([0x94, 0x20, 0x80]), Buffer.from('5\n')]);
    const { extract, rows } = await readAll(bytes, { encoding: 'windows-1252' }, 4);
    expect(extract.encoding).toBe('windows-1252');
    expect(rows).toEqual([{ line: 2, fields: ['1', 'René “Bob” €5'] }]);

    const asUtf8 = await readAll(bytes);
    expect(asUtf8.rows[0]?.defect?.rule).toBe('invalid-encoding');
  });

  it('lets a UTF-8 BOM win over a windows-1252 setting', async () => {
    const { extract, rows } = await readAll(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(TEXT)]), { encoding: 'windows-1252' });
    expect(extract.encoding).toBe('utf-8');
    expect(rows).toEqual([ROW]);
  });

  it('rejects UTF-32 and unknown encoding settings', async () => {
    expect(await readError(Buffer.from([0xff, 0xfe, 0, 0, 0x61, 0, 0, 0]))).toMatchObject({ code: 'unsupported-encoding' });
    expect(await readError(TEXT, { encoding: 'latin1' as never })).toMatchObject({ code: 'unsupported-encoding' });
  });
});

describe('files that are not extracts', () => {
  it('rejects a 0-byte file', async () => {
    const error = await openExtract(Readable.from([]), { file: 'empty.csv' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExtractError);
    expect(error).toMatchObject({ code: 'empty-file', message: 'empty.csv: the file is empty (0 bytes).' });
  });

  it('rejects a file that is only a BOM', async () => {
    expect(await readError(Buffer.from([0xef, 0xbb, 0xbf]))).toMatchObject({ code: 'empty-file' });
  });

  it.each([
    ['an xlsx workbook', [0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00], 'ZIP/Excel workbook (.xlsx); export it as CSV'],
    ['an xls workbook', [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0], 'Excel 97-2003'],
    ['gzip', [0x1f, 0x8b, 0x08, 0x00], 'gzip'],
    ['a PDF', [...Buffer.from('%PDF-1.7\n')], 'PDF'],
  ])('rejects %s with a hint', async (_kind, bytes, hint) => {
    const error = await readError(Buffer.from([...bytes, ...Buffer.from('\nmore,bytes\n')]), { file: 'hr.csv' });
    expect(error).toMatchObject({ code: 'binary-file' });
    expect(error.message).toContain(hint);
  });

  it('rejects NUL bytes in the head', async () => {
    const error = await readError(Buffer.from('id,name\n1,a\u0000\u0001\u0002b\n'));
    expect(error).toMatchObject({ code: 'binary-file' });
    expect(error.message).toContain('NUL bytes');
  });

  it('suggests the encoding for UTF-16 without a BOM', async () => {
    const error = await readError(Buffer.from(TEXT, 'utf16le'));
    expect(error).toMatchObject({ code: 'binary-file' });
    expect(error.message).toContain('set the encoding to utf-16le');
    expect((await readError(utf16be(TEXT))).message).toContain('set the encoding to utf-16be');
  });
});

describe('formats', () => {
  it.each([
    ['hr.csv', 'csv'],
    ['hr.TXT', 'csv'],
    ['hr.tsv', 'csv'],
    ['hr.json', 'json'],
    ['hr.ndjson', 'ndjson'],
    ['hr.jsonl', 'ndjson'],
  ])('takes the format of %s from its extension', async (file, format) => {
    const content = format === 'csv' ? 'id\n1\n' : format === 'json' ? '[{"id":1}]' : '{"id":1}\n';
    const { extract, rows } = await readAll(content, { file });
    expect(extract.format).toBe(format);
    expect(rows).toHaveLength(1);
  });

  it.each([
    ['[{"id":1}]', 'json'],
    ['\n  {"id":1}\n', 'ndjson'],
    ['id\n1\n', 'csv'],
  ])('sniffs the format of a file without a known extension: %j', async (content, format) => {
    const { extract } = await readAll(content, { file: 'blob-123' });
    expect(extract.format).toBe(format);
  });

  it('uses the format that is set over the extension', async () => {
    const { extract, rows } = await readAll('{"id":1}\n', { file: 'hr.csv', format: 'ndjson' });
    expect(extract.format).toBe('ndjson');
    expect(rows[0]?.fields).toEqual({ id: 1 });
  });

  it('reads UTF-16 JSON', async () => {
    const { extract, rows } = await readAll(Buffer.from('\uFEFF[{"name":"Zoë €"}]', 'utf16le'), { file: 'hr.json' }, 3);
    expect(extract.encoding).toBe('utf-16le');
    expect(rows).toEqual([{ line: 1, fields: { name: 'Zoë €' } }]);
  });
});

// An input that never ends: only being closed stops it.
function* endless(header: string): Generator<Buffer> {
  yield Buffer.from(header);
  for (let i = 1; ; i++) yield Buffer.from(`${i},x\n`.repeat(100));
}

describe('stopping early', () => {
  it('closes the input when the reader stops before the end', async () => {
    const input = Readable.from(endless('id,name\n'), { objectMode: false });
    const extract = await openExtract(input, { file: 'hr.csv' });
    for await (const row of extract.rows) {
      expect(row.line).toBe(2);
      break;
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(input.destroyed).toBe(true);
  });

  it('closes the input when opening fails', async () => {
    const input = Readable.from(endless('id,id\n'), { objectMode: false });
    await expect(openExtract(input, { file: 'hr.csv' })).rejects.toMatchObject({ code: 'bad-header' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(input.destroyed).toBe(true);
  });
});

describe('openExtractFile', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hrsync-extract-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a file from disk, naming it by its path', async () => {
    const path = join(dir, 'workers.csv');
    await writeFile(path, 'id,name\r\n1,Ann\r\n2,"Bo\r\nb"\r\n');
    const extract = await openExtractFile(path);
    expect(extract.file).toBe(path);
    const rows = [];
    for await (const row of extract.rows) rows.push(row);
    expect(rows).toEqual([
      { line: 2, fields: ['1', 'Ann'] },
      { line: 3, fields: ['2', 'Bo\r\nb'] },
    ]);
  });

  it('names the file as told in errors', async () => {
    const path = join(dir, 'data.bin');
    await writeFile(path, Buffer.from([0x1f, 0x8b, 0x08, 0x00]));
    await expect(openExtractFile(path, { file: 'hr/nightly.csv' })).rejects.toThrow(/^hr\/nightly\.csv: /);
  });

  it('passes on a read error of a missing file', async () => {
    await expect(openExtractFile(join(dir, 'missing.csv'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
