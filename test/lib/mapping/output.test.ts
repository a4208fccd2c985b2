import { describe, expect, test } from 'vitest';
import { CORE, CUSTOM, ENTERPRISE, load, userOf } from './helpers.js';

const FULL = {
  userName: { $expr: "concat(lower(stripDiacritics(F)), '.', lower(stripDiacritics(L)), '@contoso.com')" },
  name: { givenName: 'F', familyName: 'L' },
  emails: [{ type: { $literal: 'work' }, primary: true, value: 'Mail' }],
  [ENTERPRISE]: { employeeNumber: 'Id', department: 'Dept', manager: { value: 'Mgr' } },
  [CUSTOM]: { JobCode: 'Job', Grade: { $column: 'Grade', $type: 'integer' } },
};

describe('output shape', () => {
  test('schemas list core and enterprise, and the custom extension when mapped', () => {
    expect(load({}).schemas).toEqual([CORE, ENTERPRISE]);
    expect(load(FULL).schemas).toEqual([CORE, ENTERPRISE, CUSTOM]);
    const user = userOf(load({}).bind(['Id'], 'w.csv').map(['E1']));
    expect(user).toEqual({ schemas: [CORE, ENTERPRISE], externalId: 'E1', active: true });
  });

  test('a full user: enterprise manager.value and custom attributes under their URN', () => {
    const mapper = load(FULL).bind(['Id', 'F', 'L', 'Mail', 'Dept', 'Mgr', 'Job', 'Grade'], 'w.csv');
    const result = mapper.map(['E1', 'Zoë', 'Ørsted', 'zoe@contoso.com', 'Sales', 'E0', 'J-7', '3']);
    expect(result.problems).toEqual([]);
    expect(result.user).toEqual({
      schemas: [CORE, ENTERPRISE, CUSTOM],
      externalId: 'E1',
      active: true,
      userName: 'zoe.orsted@contoso.com',
      name: { givenName: 'Zoë', familyName: 'Ørsted' },
      emails: [{ type: 'work', primary: true, value: 'zoe@contoso.com' }],
      [ENTERPRISE]: { employeeNumber: 'E1', department: 'Sales', manager: { value: 'E0' } },
      [CUSTOM]: { JobCode: 'J-7', Grade: 3 },
    });
  });

  test('empty extension parts are left out; schemas still name every mapped extension', () => {
    const mapper = load(FULL).bind(['Id', 'F', 'L', 'Mail', 'Dept', 'Mgr', 'Job', 'Grade'], 'w.csv');
    const user = userOf(mapper.map(['E1', '', '', '', '', '', '', '']));
    expect(user[ENTERPRISE]).toEqual({ employeeNumber: 'E1' });
    expect(CUSTOM in user).toBe(false);
    expect('name' in user).toBe(false);
    expect('emails' in user).toBe(false);
    expect(user.schemas).toEqual([CORE, ENTERPRISE, CUSTOM]);
  });

  test('a manager with no value is left out', () => {
    const mapper = load({ [ENTERPRISE]: { department: 'Dept', manager: { value: 'Mgr' } } }).bind(['Id', 'Dept', 'Mgr'], 'w.csv');
    expect(userOf(mapper.map(['E1', 'Sales', '']))[ENTERPRISE]).toEqual({ department: 'Sales' });
  });

  test('each mapped user gets its own schemas array', () => {
    const mapper = load({}).bind(['Id'], 'w.csv');
    const first = mapper.map(['E1']).user;
    first.schemas.push('changed');
    expect(mapper.map(['E2']).user.schemas).toEqual([CORE, ENTERPRISE]);
  });

  test('the mapping describes its columns and attributes', () => {
    const mapping = load(FULL);
    expect([...mapping.columns].sort()).toEqual(['Dept', 'F', 'Grade', 'Id', 'Job', 'L', 'Mail', 'Mgr']);
    expect(mapping.attributes).toContainEqual({ path: `${ENTERPRISE}:manager.value`, type: 'string', columns: ['Mgr'], key: `attributes.${ENTERPRISE}.manager.value` });
    expect(mapping.attributes).toContainEqual({ path: 'emails[0].primary', type: 'boolean', columns: [], key: 'attributes.emails[0].primary' });
    expect(mapping.attributes).toContainEqual({ path: `${CUSTOM}:Grade`, type: 'integer', columns: ['Grade'], key: `attributes.${CUSTOM}.Grade` });
  });
});

describe('empty values inside objects', () => {
  const HEADER = ['Id', 'Mgr', 'Dept', 'Mail'];

  test('an explicit $keepEmpty keeps its object, so a manager can be cleared', () => {
    const mapper = load({ [ENTERPRISE]: { manager: { value: { $column: 'Mgr', $keepEmpty: true } } } }).bind(HEADER, 'w.csv');
    expect(userOf(mapper.map(['E1', '', '', '']))[ENTERPRISE]).toEqual({ manager: { value: '' } });
    expect(userOf(mapper.map(['E1', 'E0', '', '']))[ENTERPRISE]).toEqual({ manager: { value: 'E0' } });
  });

  test('emptyValues "send" fills objects that have a value but never creates an empty one', () => {
    const mapping = load(
      { [ENTERPRISE]: { department: 'Dept', manager: { value: 'Mgr' } }, emails: [{ type: { $literal: 'work' }, value: 'Mail' }] },
      { options: { emptyValues: 'send' } },
    );
    const mapper = mapping.bind(HEADER, 'w.csv');
    const empty = userOf(mapper.map(['E1', '', '', '']));
    expect(ENTERPRISE in empty).toBe(false);
    expect('emails' in empty).toBe(false);
    expect(userOf(mapper.map(['E1', 'E0', '', '']))[ENTERPRISE]).toEqual({ department: '', manager: { value: 'E0' } });
  });

  test('emptyValues "send" leaves typed attributes out when empty', () => {
    const mapper = load({ [CUSTOM]: { Code: 'Mail', Grade: { $column: 'Dept', $type: 'integer' } } }, { options: { emptyValues: 'send' } }).bind(HEADER, 'w.csv');
    expect(userOf(mapper.map(['E1', '', '', 'x']))[CUSTOM]).toEqual({ Code: 'x' });
  });

  test('a row with no problems shares one frozen empty problem list', () => {
    const mapper = load({}).bind(['Id'], 'w.csv');
    const a = mapper.map(['E1']).problems;
    expect(a).toBe(mapper.map(['E2']).problems);
    expect(Object.isFrozen(a)).toBe(true);
  });
});
