import { describe, expect, it } from 'vitest';
import { ExtractError } from '../../../lib/extract/errors.js';
import { assertText, chooseEncoding, formatFromName, sniffFormat } from '../../../lib/extract/sniff.js';

describe('chooseEncoding', () => {
  it('lets a BOM decide and otherwise the setting, else UTF-8', () => {
    expect(chooseEncoding('f', Buffer.from([0xef, 0xbb, 0xbf, 0x61]), 'auto')).toEqual({ encoding: 'utf-8', bomLength: 3 });
    expect(chooseEncoding('f', Buffer.from([0xff, 0xfe, 0x61, 0]), undefined)).toEqual({ encoding: 'utf-16le', bomLength: 2 });
    expect(chooseEncoding('f', Buffer.from([0xfe, 0xff, 0, 0x61]), 'windows-1252')).toEqual({ encoding: 'utf-16be', bomLength: 2 });
    expect(chooseEncoding('f', Buffer.from('abc'), 'windows-1252')).toEqual({ encoding: 'windows-1252', bomLength: 0 });
    expect(chooseEncoding('f', Buffer.from('abc'), undefined)).toEqual({ encoding: 'utf-8', bomLength: 0 });
  });
});

describe('assertText', () => {
  it('lets UTF-16 through despite its NUL bytes', () => {
    expect(() => assertText('f', Buffer.from('id,name\n', 'utf16le'), 'utf-16le')).not.toThrow();
  });

  it('only looks for NUL bytes in the first 8 KiB', () => {
    expect(() => assertText('f', Buffer.concat([Buffer.alloc(9000, 0x61), Buffer.from([0])]), 'utf-8')).not.toThrow();
    expect(() => assertText('f', Buffer.from([0x61, 0, 0x61]), 'windows-1252')).toThrow(ExtractError);
  });
});

describe('formatFromName', () => {
  it('maps known extensions, case-insensitively, and nothing else', () => {
    expect(formatFromName('in/HR.CSV')).toBe('csv');
    expect(formatFromName('a.jsonl')).toBe('ndjson');
    expect(formatFromName('a.xml')).toBeUndefined();
    expect(formatFromName('noext')).toBeUndefined();
  });
});

describe('sniffFormat', () => {
  it('looks at the first character that is not white space', () => {
    expect(sniffFormat(Buffer.from(' \r\n\t[1]'))).toBe('json');
    expect(sniffFormat(Buffer.from('\n{"a":1}'))).toBe('ndjson');
    expect(sniffFormat(Buffer.from('id,name'))).toBe('csv');
    expect(sniffFormat(Buffer.from(''))).toBe('csv');
  });
});
