import { describe, expect, it } from 'vitest';
import { describeDelimiter, detectDelimiter, detectLineBreak } from '../../../lib/extract/delimiter.js';

describe('detectDelimiter', () => {
  it('picks the most frequent candidate on the header line only', () => {
    expect(detectDelimiter(Buffer.from('a;b;c,d\n1,2,3,4,5,6\n'))).toBe(';');
  });

  it('ignores candidates inside quotes, doubled quotes included', () => {
    expect(detectDelimiter(Buffer.from('"a|b|c ""x|y""",d\n'))).toBe(',');
  });

  it('prefers , then ; then tab then | on a tie and defaults to ,', () => {
    expect(detectDelimiter(Buffer.from('a|b\tc\n'))).toBe('\t');
    expect(detectDelimiter(Buffer.from('a;b,c\n'))).toBe(',');
    expect(detectDelimiter(Buffer.from('single\n'))).toBe(',');
  });
});

describe('detectLineBreak', () => {
  it('tells a lone CR from LF and CRLF', () => {
    expect(detectLineBreak(Buffer.from('a,b\r1,2'))).toBe('\r');
    expect(detectLineBreak(Buffer.from('a,b\r\n1,2'))).toBe('\n');
    expect(detectLineBreak(Buffer.from('"x\ry",b\n'))).toBe('\n');
  });
});

describe('describeDelimiter', () => {
  it('names the tab in words', () => {
    expect(describeDelimiter('\t')).toBe('tab');
    expect(describeDelimiter(';')).toBe("';'");
  });
});
