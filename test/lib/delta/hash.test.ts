import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { HASH_PREFIX, canonicalJson, recordHash, sha256, sha256Hex } from '../../../lib/delta/hash.js';

describe('recordHash', () => {
  it('is independent of key order at every depth, but not of array order or values', () => {
    const a = {
      externalId: 'E1',
      active: true,
      name: { givenName: 'A', familyName: 'B' },
      emails: [
        { type: 'work', value: 'a@x' },
        { type: 'other', value: 'b@x' },
      ],
    };
    const b = {
      emails: [
        { value: 'a@x', type: 'work' },
        { value: 'b@x', type: 'other' },
      ],
      name: { familyName: 'B', givenName: 'A' },
      active: true,
      externalId: 'E1',
    };
    expect(recordHash(a)).toBe(recordHash(b));
    expect(recordHash(a).startsWith(HASH_PREFIX)).toBe(true);
    expect(recordHash({ ...a, emails: [...a.emails].reverse() })).not.toBe(recordHash(a));
    expect(recordHash({ ...a, active: false })).not.toBe(recordHash(a));
    expect(recordHash({ ...a, title: undefined })).toBe(recordHash(a));
  });
  it('writes canonical JSON', () => {
    expect(canonicalJson({ b: [2, { d: null, c: 'x' }], a: 1 })).toBe('{"a":1,"b":[2,{"c":"x","d":null}]}');
  });
});

describe('sha256 and sha256Hex', () => {
  it('give the digest createHash gives, of the UTF-8 text', () => {
    for (const text of ['', 'E000101', 'Zoë Ødegård 社員 \u{1F600}', '{"a":1}'.repeat(1000)]) {
      const expected = createHash('sha256').update(text, 'utf8').digest();
      expect(sha256(text).equals(expected)).toBe(true);
      expect(sha256Hex(text)).toBe(expected.toString('hex'));
    }
  });
});
