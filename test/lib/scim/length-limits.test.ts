// Values longer than the Entra property they are provisioned to are rejected before sending,
// naming the attribute and the limit (Microsoft Graph user resource; Entra username policies).
import { describe, expect, it } from 'vitest';
import { ENTERPRISE_USER_SCHEMA } from '../../../lib/scim/schemas.js';
import type { ScimUser } from '../../../lib/scim/types.js';
import { validateUser } from '../../../lib/scim/validate.js';

const base = (extra: Partial<ScimUser> & Record<string, unknown> = {}): ScimUser =>
  ({ schemas: [], externalId: 'E1', active: true, userName: 'a.b@contoso.com', ...extra }) as ScimUser;
const tooLong = (user: ScimUser): { attribute: string; message: string }[] => validateUser(user).filter((i) => i.rule === 'too-long' && i.severity === 'error');

describe('Entra length limits', () => {
  it.each([
    ['displayName', { displayName: 'x'.repeat(257) }, 256, 'displayName'],
    ['name.givenName', { name: { givenName: 'x'.repeat(65) } }, 64, 'givenName'],
    ['name.familyName', { name: { familyName: 'x'.repeat(65) } }, 64, 'surname'],
    ['title', { title: 'x'.repeat(129) }, 128, 'jobTitle'],
    [`${ENTERPRISE_USER_SCHEMA}:department`, { [ENTERPRISE_USER_SCHEMA]: { department: 'x'.repeat(65) } }, 64, 'department'],
    [`${ENTERPRISE_USER_SCHEMA}:organization`, { [ENTERPRISE_USER_SCHEMA]: { organization: 'x'.repeat(65) } }, 64, 'companyName'],
    ['addresses[0].locality', { addresses: [{ type: 'work', locality: 'x'.repeat(129) }] }, 128, 'city'],
    ['addresses[0].postalCode', { addresses: [{ type: 'work', postalCode: 'x'.repeat(41) }] }, 40, 'postalCode'],
    ['addresses[0].streetAddress', { addresses: [{ type: 'work', streetAddress: 'x'.repeat(1025) }] }, 1024, 'streetAddress'],
    ['addresses[0].region', { addresses: [{ type: 'work', region: 'x'.repeat(129) }] }, 128, 'state'],
    ['addresses[0].country', { addresses: [{ type: 'work', country: 'x'.repeat(129) }] }, 128, 'country'],
  ])('%s over %#: names the attribute and the limit', (attribute, extra, max, entra) => {
    expect(tooLong(base(extra as Partial<ScimUser>))).toEqual([
      { severity: 'error', attribute, rule: 'too-long', message: `${attribute} is longer than ${max} characters, the most Entra's ${entra} holds` },
    ]);
  });

  it('accepts values at the limit, counting characters, not UTF-16 units', () => {
    expect(tooLong(base({ displayName: 'x'.repeat(256), name: { givenName: '😀'.repeat(64) } }))).toEqual([]);
    expect(tooLong(base({ name: { givenName: '😀'.repeat(65) } }))).toHaveLength(1);
  });

  it('ignores addresses Entra does not process (not work)', () => {
    expect(tooLong(base({ addresses: [{ type: 'home', locality: 'x'.repeat(500) }] }))).toEqual([]);
  });

  it('a userPrincipalName with more than 48 characters after the @ is rejected', () => {
    const issues = validateUser(base({ userName: `a@${'d'.repeat(40)}.example.com` }));
    expect(issues.find((i) => i.rule === 'userName-format')?.message).toBe('userName has more than 48 characters after the @');
  });
});
