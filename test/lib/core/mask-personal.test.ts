import { describe, expect, it } from 'vitest';
import { maskPersonalData, personalValuesOf } from '../../../lib/core/mask-personal.js';

describe('maskPersonalData', () => {
  it('keeps the domain of anything shaped like an email or UPN, and masks the rest', () => {
    expect(maskPersonalData("The userPrincipalName 'zoe.orsted@contoso.com' already exists.")).toBe("The userPrincipalName '***@contoso.com' already exists.");
    expect(maskPersonalData('Domain of ana.núñez@fabrikam.example does not exist; also (sean.obrien@contoso.co.uk)')).toBe(
      'Domain of ***@fabrikam.example does not exist; also (***@contoso.co.uk)',
    );
  });

  it('masks each known value and each word of a name, whole words in any case', () => {
    const reason = 'Failed to create user Zoë Ørsted: surname ØRSTED conflicts with Zoëlle, a longer word.';
    expect(maskPersonalData(reason, ['Zoë Ørsted'])).toBe('Failed to create user ***: surname *** conflicts with Zoëlle, a longer word.');
  });

  it('leaves the service code and the rest of the sentence alone', () => {
    const reason = 'AzureActiveDirectoryInvalidUserPrincipalName: the value is not valid for E000101';
    expect(maskPersonalData(reason, ['Li', 'E'])).toBe(reason);
  });

  it('treats known values as text, not patterns', () => {
    expect(maskPersonalData('name (a+b) here', ['(a+b)'])).toBe('name *** here');
  });
});

describe('personalValuesOf', () => {
  it('reads the names, userName and emails of an operation', () => {
    const op = {
      method: 'POST',
      bulkId: 'E1',
      path: '/Users',
      data: {
        externalId: 'E1',
        userName: 'zoe.orsted@contoso.com',
        displayName: 'Zoë Ørsted',
        name: { givenName: 'Zoë', familyName: 'Ørsted' },
        emails: [{ type: 'work', value: 'zoe@contoso.com' }],
        title: 'Engineer',
      },
    };
    expect(personalValuesOf(JSON.stringify(op)).sort()).toEqual(['zoe.orsted@contoso.com', 'Zoë Ørsted', 'Zoë', 'Ørsted', 'zoe@contoso.com'].sort());
    expect(personalValuesOf('')).toEqual([]);
    expect(personalValuesOf('not json')).toEqual([]);
  });
});
