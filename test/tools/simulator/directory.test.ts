import { describe, expect, it } from 'vitest';
import { diffAttributes, mergeAttributes } from '../../../tools/simulator/directory.js';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

describe('mergeAttributes', () => {
  it('merges objects key by key and replaces arrays whole', () => {
    const current = { name: { givenName: 'A', familyName: 'B' }, emails: [{ type: 'work', value: 'a@x.com' }], [ENT]: { department: 'D', costCenter: 'C' } };
    const merged = mergeAttributes(current, { name: { givenName: 'Z' }, emails: [{ type: 'work', value: 'z@x.com' }], [ENT]: { department: 'E' } });
    expect(merged).toEqual({ name: { givenName: 'Z', familyName: 'B' }, emails: [{ type: 'work', value: 'z@x.com' }], [ENT]: { department: 'E', costCenter: 'C' } });
    expect(current.name.givenName).toBe('A');
  });
});

describe('diffAttributes', () => {
  it('lists changed, added and removed paths, extension attributes named urn:…:attribute', () => {
    const before = { title: 'T', name: { givenName: 'A' }, [ENT]: { manager: { value: 'M1' } }, schemas: ['x'], active: true };
    const after = { title: 'T', name: { givenName: 'B' }, [ENT]: { manager: { value: 'M2' }, department: 'D' }, schemas: ['y'], active: false };
    expect(diffAttributes(before, after)).toEqual([
      { displayName: 'name.givenName', oldValue: 'A', newValue: 'B' },
      { displayName: `${ENT}:manager.value`, oldValue: 'M1', newValue: 'M2' },
      { displayName: `${ENT}:department`, oldValue: null, newValue: 'D' },
    ]);
    expect(diffAttributes(after, { ...after, title: undefined })).toEqual([{ displayName: 'title', oldValue: 'T', newValue: null }]);
  });
});
