// Record-level rules for a mapped SCIM User, checked before anything is sent.
// Messages name the attribute and the rule, never the value, so a report can be
// shared and a log line can never leak a name or an address.
import { ENTERPRISE_USER_SCHEMA } from './schemas.js';
import type { ScimAddress, ScimMultiValue, ScimUser } from './types.js';

export interface RecordIssue {
  severity: 'error' | 'warning';
  attribute: string;
  rule: string;
  message: string;
}

// Entra's employeeId, which externalId is matched to by default, holds at most 16 characters.
const EMPLOYEE_ID_MAX = 16;
// userPrincipalName: 64 characters before the @, 48 after it, 113 in all ("Password policies and
// account restrictions in Microsoft Entra ID", username policies).
const UPN_LOCAL_MAX = 64;
const UPN_MAX = 113;
const UPN_LOCAL = /^[A-Za-z0-9'._!#^~-]+$/;
const DOMAIN = /^(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;
const SAM_LIKE = /^[^\s"/\\[\]:;|=,+*?<>@]{1,64}$/;
// Deliberately pragmatic: RFC 5322 allows far more than Exchange or Entra accept.
const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

const NO_ISSUES: readonly RecordIssue[] = Object.freeze([]);
const UPN_DOMAIN_MAX = 48;

// The most characters Entra ID holds in the user property each SCIM attribute is provisioned to
// (API-driven provisioning's default attribute mappings), from the Microsoft Graph user resource
// reference ("Maximum length is …"); a longer value fails in the provisioning logs, record by
// record, after a call of the daily budget. userPrincipalName's limits are checked with its format.
const TEXT_LIMITS: readonly { path: readonly string[]; entra: string; max: number }[] = [
  { path: ['displayName'], entra: 'displayName', max: 256 },
  { path: ['name', 'givenName'], entra: 'givenName', max: 64 },
  { path: ['name', 'familyName'], entra: 'surname', max: 64 },
  { path: ['title'], entra: 'jobTitle', max: 128 },
  { path: [ENTERPRISE_USER_SCHEMA, 'department'], entra: 'department', max: 64 },
  { path: [ENTERPRISE_USER_SCHEMA, 'organization'], entra: 'companyName', max: 64 },
];
// Only the work address is provisioned, to these properties.
const ADDRESS_LIMITS: readonly { key: keyof ScimAddress; entra: string; max: number }[] = [
  { key: 'streetAddress', entra: 'streetAddress', max: 1024 },
  { key: 'locality', entra: 'city', max: 128 },
  { key: 'region', entra: 'state', max: 128 },
  { key: 'postalCode', entra: 'postalCode', max: 40 },
  { key: 'country', entra: 'country', max: 128 },
];

// Entra counts characters; a string's length counts UTF-16 units, two for an emoji or a rare CJK character.
function characters(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}

function attributeName(path: readonly string[]): string {
  return path[0] === ENTERPRISE_USER_SCHEMA ? `${ENTERPRISE_USER_SCHEMA}:${path.slice(1).join('.')}` : path.join('.');
}

// Named once: these checks run on every row, and the names are needed only for a row that fails one.
const NAMED_TEXT_LIMITS = TEXT_LIMITS.map((limit) => ({ ...limit, attribute: attributeName(limit.path) }));

function tooLong(value: unknown, max: number): boolean {
  return typeof value === 'string' && value.length > max && characters(value) > max;
}

function tooLongIssue(issues: RecordIssue[] | undefined, attribute: string, entra: string, max: number): RecordIssue[] {
  return add(issues, 'error', attribute, 'too-long', `${attribute} is longer than ${max} characters, the most Entra's ${entra} holds`);
}

function lengthIssues(user: ScimUser, issues: RecordIssue[] | undefined): RecordIssue[] | undefined {
  for (const limit of NAMED_TEXT_LIMITS) {
    let value: unknown = user;
    for (const key of limit.path) value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
    if (tooLong(value, limit.max)) issues = tooLongIssue(issues, limit.attribute, limit.entra, limit.max);
  }
  const addresses = user.addresses ?? [];
  for (let i = 0; i < addresses.length; i++) {
    const address = addresses[i] as ScimAddress;
    if (address.type !== 'work') continue;
    for (const limit of ADDRESS_LIMITS) {
      if (tooLong(address[limit.key], limit.max)) issues = tooLongIssue(issues, `addresses[${i}].${limit.key}`, limit.entra, limit.max);
    }
  }
  return issues;
}

/** Checks one mapped user against the rules Entra inbound provisioning needs; returns errors and warnings. */
export function validateUser(user: ScimUser): readonly RecordIssue[] {
  // Built only when there is an issue: most rows have none, and the list is the only allocation.
  let issues: RecordIssue[] | undefined;

  const externalId = user.externalId as unknown;
  if (typeof externalId !== 'string' || externalId.length === 0) {
    issues = add(issues, 'error', 'externalId', 'externalId-required', 'externalId is empty; every record needs the anchor that matches it to its account');
  } else {
    if (externalId.length > EMPLOYEE_ID_MAX) {
      issues = add(
        issues,
        'warning',
        'externalId',
        'externalId-length',
        `externalId is longer than ${EMPLOYEE_ID_MAX} characters, the length of Entra's employeeId it is matched to by default`,
      );
    }
    if (externalId.trim() !== externalId) {
      issues = add(issues, 'error', 'externalId', 'externalId-whitespace', 'externalId has leading or trailing spaces, so it would not match the account anchor');
    }
  }

  if (typeof user.active !== 'boolean') {
    issues = add(issues, 'error', 'active', 'active-required', 'active is empty; hrsync always sends active, because a record without it can disable the account');
  }

  if (user.userName !== undefined) {
    const problem = userNameProblem(user.userName);
    if (problem !== undefined) issues = add(issues, 'error', 'userName', 'userName-format', `userName ${problem}`);
  }

  issues = lengthIssues(user, issues);
  if (user.emails !== undefined) issues = checkMultiValued(user.emails, 'emails', issues, true);
  if (user.phoneNumbers !== undefined) issues = checkMultiValued(user.phoneNumbers, 'phoneNumbers', issues, false);
  if (user.addresses !== undefined) issues = checkMultiValued(user.addresses, 'addresses', issues, false);

  const manager = user[ENTERPRISE_USER_SCHEMA]?.manager?.value;
  if (manager !== undefined && manager === externalId) {
    issues = add(issues, 'warning', `${ENTERPRISE_USER_SCHEMA}:manager.value`, 'self-manager', 'the record names itself as its manager');
  }

  return issues ?? NO_ISSUES;
}

function add(issues: RecordIssue[] | undefined, severity: RecordIssue['severity'], attribute: string, rule: string, message: string): RecordIssue[] {
  const list = issues ?? [];
  list.push({ severity, attribute, rule, message });
  return list;
}

function userNameProblem(userName: string): string | undefined {
  if (userName.length === 0) return 'is empty';
  const at = userName.lastIndexOf('@');
  if (at < 0) {
    return SAM_LIKE.test(userName) ? undefined : 'has spaces or characters not allowed in an account name';
  }
  if (userName.length > UPN_MAX) return `is longer than ${UPN_MAX} characters, the limit of a userPrincipalName`;
  const local = userName.slice(0, at);
  const domain = userName.slice(at + 1);
  if (local.length === 0) return 'has nothing before the @';
  if (local.length > UPN_LOCAL_MAX) return `has more than ${UPN_LOCAL_MAX} characters before the @`;
  if (!UPN_LOCAL.test(local)) return "has characters a userPrincipalName cannot hold before the @ (letters, digits and ' . - _ ! # ^ ~ only)";
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) return 'has a misplaced period before the @';
  if (domain.length > UPN_DOMAIN_MAX) return `has more than ${UPN_DOMAIN_MAX} characters after the @`;
  if (!DOMAIN.test(domain)) return 'does not end in a well-formed domain';
  return undefined;
}

// Entry paths and the texts naming them (`phoneNumbers[1].type …`), by attribute and index:
// built once, not per row, since a file that maps a mobile phone warns on every row.
interface EntryTexts {
  path: string;
  typeAttribute: string;
  typeMessage: string;
  noTypeMessage: string;
}
const ENTRY_TEXTS = new Map<string, EntryTexts[]>();

function textsOf(name: string, i: number): EntryTexts {
  let list = ENTRY_TEXTS.get(name);
  if (list === undefined) ENTRY_TEXTS.set(name, (list = []));
  let texts = list[i];
  if (texts === undefined) {
    const path = `${name}[${i}]`;
    texts = {
      path,
      typeAttribute: `${path}.type`,
      typeMessage: `${path}.type is not "work"; Entra processes only the work entries of ${name}, so this one is ignored`,
      noTypeMessage: `${path} has no type; Entra processes only the entries of ${name} whose type is "work", so this one is ignored`,
    };
    list[i] = texts;
  }
  return texts;
}

function checkMultiValued(entries: readonly (ScimMultiValue | ScimAddress)[], name: string, issues: RecordIssue[] | undefined, email: boolean): RecordIssue[] | undefined {
  let primaries = 0;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] as ScimMultiValue | ScimAddress;
    if (entry.primary === true) primaries++;
    if (entry.type === undefined || entry.type === '') {
      // Not "is not work": the mapping gave the entry no type at all, and that is what to fix.
      const texts = textsOf(name, i);
      issues = add(issues, 'warning', texts.typeAttribute, 'missing-type', texts.noTypeMessage);
    } else if (entry.type !== 'work') {
      const texts = textsOf(name, i);
      issues = add(issues, 'warning', texts.typeAttribute, 'non-work-type', texts.typeMessage);
    }
    if (email) {
      const value = (entry as ScimMultiValue).value;
      // "" is no address to check: it clears the mail ("emptyValues": "send", or a CSV2SCIM mapping).
      if (value !== undefined && value !== '' && !EMAIL.test(value)) {
        const path = textsOf(name, i).path;
        issues = add(issues, 'error', `${path}.value`, 'email-format', `${path}.value is not a well-formed email address`);
      }
    }
  }
  if (primaries > 1) issues = add(issues, 'error', name, 'multiple-primary', `more than one entry of ${name} is marked primary`);
  return issues;
}
