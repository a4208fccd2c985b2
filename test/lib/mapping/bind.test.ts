import { describe, expect, test } from 'vitest';
import { MappingError } from '../../../lib/mapping/index.js';
import { SOURCE, load, userOf } from './helpers.js';

describe('bind: CSV', () => {
  test('a column not in the header is one MappingError naming the key and the column, with a suggestion', () => {
    const mapping = load({ title: 'JobTitle' });
    let error: unknown;
    try {
      mapping.bind(['Id', 'Job Title'], 'workers.csv');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MappingError);
    const { message, key } = error as MappingError;
    expect(key).toBe('attributes.title');
    expect(message).toContain(`${SOURCE}: attributes.title:`);
    expect(message).toContain('"JobTitle"');
    expect(message).toContain('not in the header of workers.csv');
    expect(message).toContain('did you mean "Job Title"?');
  });

  test('a bare word in an expression that is not a column hints at quoting it', () => {
    expect(() => load({ userType: { $expr: "if(A == Employee, 'E', 'X')" } }).bind(['Id', 'A'], 'w.csv')).toThrow(
      /"Employee" \(attributes\.userType; if you meant text, quote it: 'Employee'\)/,
    );
  });

  test('several missing columns are listed in one error', () => {
    expect(() => load({ title: 'T', nickName: 'N' }).bind(['Id'], 'w.csv')).toThrow(
      /2 columns are not in the header of w\.csv: "T" \(attributes\.title\); "N" \(attributes\.nickName\)/,
    );
  });

  test('maps cells by header position, whatever the order', () => {
    const mapper = load({ title: 'T', userType: 'U' }).bind(['U', 'Other', 'T', 'Id'], 'w.csv');
    expect(userOf(mapper.map(['Staff', 'zzz', 'Boss', 'E7']))).toMatchObject({ externalId: 'E7', title: 'Boss', userType: 'Staff' });
    expect(mapper.unseenColumns()).toEqual([]);
  });

  test('the mapper does not leak values from one row into the next', () => {
    const mapper = load({ title: 'T' }).bind(['Id', 'T'], 'w.csv');
    expect(userOf(mapper.map(['E1', 'Boss'])).title).toBe('Boss');
    expect('title' in userOf(mapper.map(['E2', '']))).toBe(false);
  });
});

describe('bind: JSON', () => {
  test('fields are read by key', () => {
    const mapper = load({ title: 'Job Title', userType: { $expr: 'upper(`Worker Type`)' } }).bind(undefined, 'w.json');
    expect(userOf(mapper.map({ Id: 'E1', 'Job Title': 'Boss', 'Worker Type': 'staff', extra: 'ignored' }))).toMatchObject({
      externalId: 'E1',
      title: 'Boss',
      userType: 'STAFF',
    });
  });

  test('numbers and booleans are used as values', () => {
    const mapper = load({ title: 'T', nickName: 'N' }).bind(undefined, 'w.json');
    expect(userOf(mapper.map({ Id: 42, T: true, N: null }))).toMatchObject({ externalId: '42', title: 'true' });
  });

  test('unseenColumns lists the columns no row has had so far', () => {
    const mapper = load({ title: 'T', nickName: 'N' }).bind(undefined, 'w.json');
    expect(mapper.unseenColumns().sort()).toEqual(['Id', 'N', 'T']);
    mapper.map({ Id: 'E1', T: '' });
    expect(mapper.unseenColumns()).toEqual(['N']);
    mapper.map({ Id: 'E2', N: null });
    expect(mapper.unseenColumns()).toEqual([]);
  });

  test('inherited names are not fields of the row', () => {
    const mapper = load({ title: 'constructor' }).bind(undefined, 'w.json');
    const result = mapper.map({ Id: 'E1' });
    expect(result.problems).toEqual([]);
    expect('title' in userOf(result)).toBe(false);
    expect(mapper.unseenColumns()).toEqual(['constructor']);
  });

  test('a field holding an object or a list is a not-a-scalar problem', () => {
    const mapper = load({ title: 'T', nickName: 'N' }).bind(undefined, 'w.json');
    const result = mapper.map({ Id: 'E1', T: { secret: 'x' }, N: ['a'] });
    expect(result.problems).toEqual([
      expect.objectContaining({ attribute: 'title', column: 'T', rule: 'not-a-scalar' }),
      expect.objectContaining({ attribute: 'nickName', column: 'N', rule: 'not-a-scalar' }),
    ]);
    expect(result.problems[0]?.message).toContain('an object');
    expect(result.problems[1]?.message).toContain('a list');
    expect(result.problems[0]?.message).not.toContain('secret');
    expect('title' in userOf(result)).toBe(false);
    expect(mapper.map({ Id: 'E2', T: 'ok' }).problems).toEqual([]);
  });
});
