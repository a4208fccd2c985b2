import { describe, expect, it } from 'vitest';
import { HASH_PREFIX, canonicalJson, recordHash } from '../../../lib/delta/hash.js';

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
