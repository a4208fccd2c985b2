import { describe, expect, it } from 'vitest';
import { JsonArrayScanner } from '../../../lib/extract/json-scanner.js';
import type { JsonElement } from '../../../lib/extract/json-scanner.js';

function scan(pieces: string[]): JsonElement[] {
  const scanner = new JsonArrayScanner('f.json');
  const out: JsonElement[] = [];
  for (const piece of pieces) scanner.write(piece, out);
  scanner.end();
  return out;
}

describe('JsonArrayScanner', () => {
  it('cuts elements of every kind with their start, across pieces', () => {
    const text = '[ {"a":"}\\"]"} ,\n  [1,[2]], "s\\\\", -1.5e3 ,true,null ]';
    const expected = [
      { text: '{"a":"}\\"]"}', line: 1, column: 3 },
      { text: '[1,[2]]', line: 2, column: 3 },
      { text: '"s\\\\"', line: 2, column: 12 },
      { text: '-1.5e3', line: 2, column: 19 },
      { text: 'true', line: 2, column: 27 },
      { text: 'null', line: 2, column: 32 },
    ];
    expect(scan([text])).toEqual(expected);
    expect(scan([...text])).toEqual(expected);
  });

  it('keeps only the element in progress between pieces', () => {
    const scanner = new JsonArrayScanner('f.json');
    const out: JsonElement[] = [];
    scanner.write('[{"a":1},{"b"', out);
    expect(out.map((e) => e.text)).toEqual(['{"a":1}']);
    scanner.write(':2}]', out);
    expect(out.map((e) => e.text)).toEqual(['{"a":1}', '{"b":2}']);
    scanner.end();
  });

  it('rejects a top level that is not an array', () => {
    expect(() => scan(['\n  {"a":1}'])).toThrow(expect.objectContaining({ code: 'not-json-array', line: 2, column: 3 }));
  });
});
