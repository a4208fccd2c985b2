import { describe, expect, it } from 'vitest';
import { CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA } from '../../../lib/scim/schemas.js';
import type { ScimUser } from '../../../lib/scim/types.js';
import { validateUser } from '../../../lib/scim/validate.js';

const user = (extra: Partial<ScimUser> = {}): ScimUser => ({
  schemas: [CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
  externalId: 'E000001',
  active: true,
  ...extra,
});
const rules = (u: ScimUser): string[] => validateUser(u).map((i) => `${i.severity}:${i.rule}:${i.attribute}`);

describe('validateUser', () => {
  it('accepts a complete, well-formed user with no issues', () => {
    expect(
      validateUser(
        user({
          userName: "zoe.o'brien@contoso.com",
          emails: [{ type: 'work', primary: true, value: 'zoe.obrien@contoso.com' }],
          phoneNumbers: [{ type: 'work', value: '+44 20 7946 0000' }],
          addresses: [{ type: 'work', locality: 'London' }],
          [ENTERPRISE_USER_SCHEMA]: { manager: { value: 'E000002' } },
        }),
      ),
    ).toEqual([]);
  });

  it('requires externalId and active', () => {
    const u = { schemas: [CORE_USER_SCHEMA], externalId: '' } as unknown as ScimUser;
    expect(rules(u)).toEqual(['error:externalId-required:externalId', 'error:active-required:active']);
  });

  it('rejects an externalId with surrounding spaces and warns past 16 characters', () => {
    expect(rules(user({ externalId: ' E1' }))).toEqual(['error:externalId-whitespace:externalId']);
    expect(rules(user({ externalId: 'E'.repeat(17) }))).toEqual(['warning:externalId-length:externalId']);
  });

  it.each([
    ['@contoso.com', 'nothing before the @'],
    ['.zoe@contoso.com', 'misplaced period'],
    ['zoe..x@contoso.com', 'misplaced period'],
    ['zoë@contoso.com', 'characters a userPrincipalName cannot hold'],
    ['zoe smith@contoso.com', 'characters a userPrincipalName cannot hold'],
    ['zoe@contoso', 'well-formed domain'],
    [`${'a'.repeat(65)}@contoso.com`, 'more than 64 characters'],
    [`${'a'.repeat(60)}@${'b'.repeat(50)}.com`, 'longer than 113'],
    ['zoe smith', 'spaces'],
    ['', 'is empty'],
  ])('rejects the userName %j', (userName, why) => {
    const issues = validateUser(user({ userName }));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ severity: 'error', rule: 'userName-format', attribute: 'userName' });
    expect(issues[0]?.message).toContain(why);
    if (userName.length > 0) expect(issues[0]?.message).not.toContain(userName);
  });

  it('accepts an account-name style userName without a domain', () => {
    expect(validateUser(user({ userName: 'zsmith01' }))).toEqual([]);
  });

  it('rejects malformed emails without quoting them', () => {
    const issues = validateUser(user({ emails: [{ type: 'work', value: 'zoe.at.contoso.com' }] }));
    expect(issues).toEqual([expect.objectContaining({ severity: 'error', rule: 'email-format', attribute: 'emails[0].value' })]);
    expect(issues[0]?.message).not.toContain('zoe.at');
  });

  it('warns about entries that are not of type work and rejects two primaries', () => {
    expect(
      rules(
        user({
          phoneNumbers: [
            { type: 'work', value: '1', primary: true },
            { type: 'mobile', value: '2', primary: true },
          ],
        }),
      ),
    ).toEqual(['warning:non-work-type:phoneNumbers[1].type', 'error:multiple-primary:phoneNumbers']);
  });

  it('accepts an empty email value, which clears the mail, and still rejects a malformed one', () => {
    expect(validateUser(user({ emails: [{ type: 'work', primary: true, value: '' }] }))).toEqual([]);
    expect(rules(user({ emails: [{ type: 'work', value: ' ' }] }))).toEqual(['error:email-format:emails[0].value']);
  });

  it('says an entry without a type has no type, not that it is not work', () => {
    const issues = validateUser(user({ phoneNumbers: [{ value: '1' }], addresses: [{ type: '', locality: 'Leeds' }] }));
    expect(issues.map((i) => `${i.rule}:${i.attribute}`)).toEqual(['missing-type:phoneNumbers[0].type', 'missing-type:addresses[0].type']);
    expect(issues[0]?.message).toContain('phoneNumbers[0] has no type');
    expect(issues[0]?.message).not.toContain('is not "work"');
  });

  it('warns when a record names itself as manager', () => {
    expect(rules(user({ [ENTERPRISE_USER_SCHEMA]: { manager: { value: 'E000001' } } }))).toEqual([`warning:self-manager:${ENTERPRISE_USER_SCHEMA}:manager.value`]);
  });
});
