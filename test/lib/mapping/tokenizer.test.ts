import { describe, expect, test } from 'vitest';
import { ExpressionError } from '../../../lib/mapping/expression-error.js';
import { tokenize } from '../../../lib/mapping/tokenizer.js';

const kinds = (text: string): string[] => tokenize(text).map((t) => `${t.kind}:${t.text}@${t.offset}`);

function errorOf(text: string): ExpressionError {
  try {
    tokenize(text);
  } catch (e) {
    expect(e).toBeInstanceOf(ExpressionError);
    return e as ExpressionError;
  }
  throw new Error('tokenized without error');
}

describe('tokenize', () => {
  test('names, quoted text, numbers, operators and punctuation, each with its offset', () => {
    expect(kinds("Status == 'Active' and Grade >= 10.5")).toEqual([
      'identifier:Status@0',
      'operator:==@7',
      'string:Active@10',
      'identifier:and@19',
      'identifier:Grade@23',
      'operator:>=@29',
      'number:10.5@32',
      'end:@36',
    ]);
    expect(kinds('f(a, [1], -2)')).toEqual([
      'identifier:f@0',
      'punct:(@1',
      'identifier:a@2',
      'punct:,@3',
      'punct:[@5',
      'number:1@6',
      'punct:]@7',
      'punct:,@8',
      'punct:-@10',
      'number:2@11',
      'punct:)@12',
      'end:@13',
    ]);
  });

  test('bare names take letters of any script, digits and _', () => {
    expect(kinds('Prénom_2 Ωμέγα')).toEqual(['identifier:Prénom_2@0', 'identifier:Ωμέγα@9', 'end:@14']);
  });

  test('a doubled quote or backtick stands for itself', () => {
    expect(tokenize("'O''Brien'")[0]).toEqual({ kind: 'string', text: "O'Brien", offset: 0 });
    expect(tokenize("''")[0]).toEqual({ kind: 'string', text: '', offset: 0 });
    expect(tokenize('`First Name`')[0]).toEqual({ kind: 'column', text: 'First Name', offset: 0 });
    expect(tokenize('`a``b`')[0]).toEqual({ kind: 'column', text: 'a`b', offset: 0 });
  });

  test('< and > alone, and the two-character operators', () => {
    expect(
      tokenize('a<b>c!=d<=e')
        .filter((t) => t.kind === 'operator')
        .map((t) => t.text),
    ).toEqual(['<', '>', '!=', '<=']);
  });

  test.each([
    ["A == 'open", 'unterminated text', 5],
    ['`Open', 'unterminated column name', 0],
    ['` `', 'empty column name', 0],
    ['A == "x"', 'single quotes', 5],
    ["A = 'x'", "single '='", 2],
    ["A <> 'x'", "write '!='", 2],
    ['!A', "write 'not'", 0],
    ['A && B', "write 'and' / 'or'", 2],
    ['A ; B', 'unexpected character', 2],
    ['1abc', 'cannot start with a digit', 0],
  ])('%s → %s at offset %i', (text, detail, offset) => {
    const e = errorOf(text);
    expect(e.detail).toContain(detail);
    expect(e.offset).toBe(offset);
    expect(e.message).toContain(`at offset ${offset} in expression`);
  });
});
