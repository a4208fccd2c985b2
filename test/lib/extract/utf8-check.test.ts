import { describe, expect, it } from 'vitest';
import { Utf8Check } from '../../../lib/extract/utf8-check.js';

function check(bytes: Buffer, size: number): boolean {
  const utf8 = new Utf8Check();
  for (let i = 0; i < bytes.length; i += size) utf8.check(bytes.subarray(i, i + size));
  utf8.end();
  return utf8.invalid;
}

describe('Utf8Check', () => {
  const valid = Buffer.from('aé€😀b'.repeat(3));

  it.each([1, 2, 3, 5, 100])('accepts valid text cut into %i-byte chunks', (size) => {
    expect(check(valid, size)).toBe(false);
  });

  it.each([1, 2, 3, 100])('finds an invalid byte with %i-byte chunks', (size) => {
    expect(check(Buffer.concat([valid, Buffer.from([0xe9, 0x41]), valid]), size)).toBe(true);
  });

  it('finds a bad continuation across a chunk boundary', () => {
    const utf8 = new Utf8Check();
    utf8.check(Buffer.from([0x41, 0xe2, 0x82]));
    expect(utf8.invalid).toBe(false);
    utf8.check(Buffer.from([0x41]));
    expect(utf8.invalid).toBe(true);
  });

  it('finds a character cut off at the end of the file', () => {
    expect(check(Buffer.from([0x41, 0xf0, 0x9f]), 100)).toBe(true);
  });
});
