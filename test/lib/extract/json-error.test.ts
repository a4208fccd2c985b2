import { describe, expect, it } from 'vitest';
import { jsonErrorOffset, locate } from '../../../lib/extract/json-error.js';

describe('jsonErrorOffset', () => {
  it('is -1 for valid JSON', () => {
    expect(jsonErrorOffset('{"a":[1,2]}')).toBe(-1);
  });

  it.each([
    ['{"a":tru}', 8],
    ['{"a":\n}', 6],
    ['{"a" 1}', 5],
    ['{"a":1,}', 7],
    ['{a:1}', 1],
    ['{"a":"x\ny"}', 7],
  ])('finds the fault in %j', (text, offset) => {
    expect(jsonErrorOffset(text)).toBe(offset);
  });
});

describe('locate', () => {
  it('offsets the column on the first line and restarts it after a line break', () => {
    expect(locate('{"a":1}', 3, 5, 10)).toEqual({ line: 5, column: 13 });
    expect(locate('{\n  "a":\n tru}', 12, 5, 10)).toEqual({ line: 7, column: 4 });
  });
});
