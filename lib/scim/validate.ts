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
// userPrincipalName: 64 characters before the @, 113 in all (Entra's documented limits).
const UPN_LOCAL_MAX = 64;
const UPN_MAX = 113;
const UPN_LOCAL = /^[A-Za-z0-9'._!#^~-]+$/;
const DOMAIN = /^(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;
const SAM_LIKE = /^[^\s"/\\[\]:;|=,+*?<>@]{1,64}$/;
// Deliberately pragmatic: RFC 5322 allows far more than Exchange or Entra accept.
const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

const NO_ISSUES: readonly RecordIssue[] = Object.freeze([]);

/** Checks one mapped user against the rules Entra inbound provisioning needs; returns errors and warnings. */
export function validateUser(user: ScimUser): readonly RecordIssue[] {
  let issues: RecordIssue[] | undefined;
  const add = (severity: RecordIssue['severity'], attribute: string, rule: string, message: string): void => {
    (issues ??= []).push({ severity, attribute, rule, message });
  };

  const externalId = user.externalId as unknown;
  if (typeof externalId !== 'string' || externalId.length === 0) {
    add('error', 'externalId', 'externalId-required', 'externalId is empty; every record needs the anchor that matches it to its account');
  } else {
    if (externalId.length > EMPLOYEE_ID_MAX) {
      add('warning', 'externalId', 'externalId-length', `externalId is longer than ${EMPLOYEE_ID_MAX} characters, the length of Entra's employeeId it is matched to by default`);
    }
    if (externalId.trim() !== externalId) {
      add('error', 'externalId', 'externalId-whitespace', 'externalId has leading or trailing spaces, so it would not match the account anchor');
    }
  }

  if (typeof user.active !== 'boolean') {
    add('error', 'active', 'active-required', 'active is empty; hrsync always sends active, because a record without it can disable the account');
  }

  if (user.userName !== undefined) {
    const problem = userNameProblem(user.userName);
    if (problem !== undefined) add('error', 'userName', 'userName-format', `userName ${problem}`);
  }

  if (user.emails !== undefined) checkMultiValued(user.emails, 'emails', add, (entry, path) => {
    if (entry.value !== undefined && !EMAIL.test(entry.value)) {
      add('error', `${path}.value`, 'email-format', `${path}.value is not a well-formed email address`);
    }
  });
  if (user.phoneNumbers !== undefined) checkMultiValued(user.phoneNumbers, 'phoneNumbers', add);
  if (user.addresses !== undefined) checkMultiValued(user.addresses, 'addresses', add);

  const manager = user[ENTERPRISE_USER_SCHEMA]?.manager?.value;
  if (manager !== undefined && manager === externalId) {
    add('warning', `${ENTERPRISE_USER_SCHEMA}:manager.value`, 'self-manager', 'the record names itself as its manager');
  }

  return issues ?? NO_ISSUES;
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
  if (!UPN_LOCAL.test(local)) return 'has characters a userPrincipalName cannot hold before the @ (letters, digits and \' . - _ ! # ^ ~ only)';
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) return 'has a misplaced period before the @';
  if (!DOMAIN.test(domain)) return 'does not end in a well-formed domain';
  return undefined;
}

type Add = (severity: RecordIssue['severity'], attribute: string, rule: string, message: string) => void;

function checkMultiValued<T extends ScimMultiValue | ScimAddress>(
  entries: readonly T[],
  name: string,
  add: Add,
  each?: (entry: T, path: string) => void,
): void {
  let primaries = 0;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] as T;
    const path = `${name}[${i}]`;
    if (entry.primary === true) primaries++;
    if (entry.type !== 'work') {
      add('warning', `${path}.type`, 'non-work-type', `${path}.type is not "work"; Entra processes only the work entries of ${name}, so this one is ignored`);
    }
    each?.(entry, path);
  }
  if (primaries > 1) add('error', name, 'multiple-primary', `more than one entry of ${name} is marked primary`);
}
