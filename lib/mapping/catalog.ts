// The SCIM User attributes Entra API-driven inbound provisioning reads (docs/mapping.md),
// and where people most often put them by mistake.

/** Single-valued core attributes, directly under `attributes`. */
export const CORE_SIMPLE: readonly string[] = [
  'externalId',
  'active',
  'userName',
  'displayName',
  'nickName',
  'title',
  'userType',
  'preferredLanguage',
  'locale',
  'timezone',
  'profileUrl',
];

/** Sub-attributes of `name`. */
export const NAME_PARTS: readonly string[] = ['formatted', 'familyName', 'givenName', 'middleName', 'honorificPrefix', 'honorificSuffix'];

/** Multi-valued core attributes and the sub-attributes of their entries. */
export const MULTI_VALUED: Readonly<Record<string, readonly string[]>> = {
  emails: ['type', 'primary', 'value', 'display'],
  phoneNumbers: ['type', 'primary', 'value', 'display'],
  addresses: ['type', 'primary', 'formatted', 'streetAddress', 'locality', 'region', 'postalCode', 'country'],
};

/** Single-valued attributes of the enterprise extension; `manager` is complex with `value` only. */
export const ENTERPRISE_SIMPLE: readonly string[] = ['employeeNumber', 'costCenter', 'organization', 'division', 'department'];
export const MANAGER_PARTS: readonly string[] = ['value'];

/** Every key allowed directly under `attributes`, apart from extension URNs. */
export const CORE_KEYS: readonly string[] = [...CORE_SIMPLE, 'name', ...Object.keys(MULTI_VALUED)];

// Names that exist, but somewhere else: a pointer beats "unknown attribute".
const ELSEWHERE: Readonly<Record<string, string>> = {
  ...Object.fromEntries(NAME_PARTS.map((p) => [p, `it belongs under "name" (name.${p})`])),
  ...Object.fromEntries(
    [...ENTERPRISE_SIMPLE, 'manager'].map((p) => [p, 'it belongs under the enterprise extension "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"']),
  ),
  employeeId: 'map "externalId": Entra matches it to employeeId by default',
  email: 'emails are a list: "emails": [ { "type": { "$literal": "work" }, "value": "…" } ]',
  phoneNumber: 'phone numbers are a list: "phoneNumbers": [ { "type": { "$literal": "work" }, "value": "…" } ]',
  address: 'addresses are a list: "addresses": [ { "type": { "$literal": "work" }, … } ]',
};

/** A hint for a core key that is known elsewhere in the User, or undefined. */
export function whereItBelongs(key: string): string | undefined {
  return Object.hasOwn(ELSEWHERE, key) ? ELSEWHERE[key] : undefined;
}
