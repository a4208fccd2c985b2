import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256, sha256Hex } from '../../../lib/core/digest.js';

describe('sha256 and sha256Hex', () => {
  it('give the digest createHash gives, of the UTF-8 text', () => {
    for (const text of ['', 'E000101', 'Zoë Ødegård 社員 \u{1F600}', '{"a":1}'.repeat(1000)]) {
      const expected = createHash('sha256').update(text, 'utf8').digest();
      expect(sha256(text).equals(expected)).toBe(true);
      expect(sha256Hex(text)).toBe(expected.toString('hex'));
    }
  });
});
