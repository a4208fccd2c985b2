// Decides whether a failed provisioning log entry is worth resending. Seeded from Microsoft's
// pages: "How to analyze the provisioning logs" (error code table), "Troubleshoot inbound
// provisioning API issues" and "Troubleshoot HR manager update issues". Unknown codes are
// permanent: a resend would fail the same way, and the service's reason goes to the report.

import type { ProvisioningLogEntry } from './log-entry.js';

export type FailureCategory =
  | 'reference-pending' // manager (or other reference) not provisioned yet: resolves on a later try
  | 'service-transient' // the service or target was busy, timed out or failed internally
  | 'out-of-scope' // scoping rules excluded the record: reported as skipped
  | 'invalid-value' // a value the directory does not accept
  | 'conflict' // duplicate userPrincipalName or matching attribute
  | 'invalid-domain' // the UPN's domain is not a verified domain of the tenant
  | 'configuration' // mappings, schema, permissions or licences of the provisioning app
  | 'unknown';

export interface FailureClassification {
  retryable: boolean;
  category: FailureCategory;
}

const TRANSIENT_CODES = new Set(
  [
    'TooManyRequests',
    'InternalServerError',
    'InternalError',
    'Timeout',
    'WebExceptionProtocolError',
    'ServiceUnavailable',
    'SystemForCrossDomainIdentityManagementServiceIncompatible',
  ].map((c) => c.toLowerCase()),
);

const PERMANENT_CODES: ReadonlyMap<string, FailureCategory> = new Map(
  (
    [
      ['AzureActiveDirectoryInvalidUserPrincipalName', 'invalid-value'],
      ['InvalidDomain', 'invalid-domain'],
      ['Conflict', 'conflict'],
      ['EntryConflict', 'conflict'],
      ['DuplicateTargetEntries', 'conflict'],
      ['DuplicateSourceEntries', 'conflict'],
      ['MandatoryFieldsMissing', 'invalid-value'],
      ['MissingValues', 'invalid-value'],
      ['SchemaPropertyCanOnlyAcceptValue', 'invalid-value'],
      ['InvalidAttributeSyntax', 'invalid-value'],
      ['SchemaAttributeNotFound', 'configuration'],
      ['InvalidAnchor', 'configuration'],
      ['LicenseLimitExceeded', 'configuration'],
      ['InsufficientRights', 'configuration'],
      ['MethodNotAllowed', 'configuration'],
      ['NotPermitted', 'configuration'],
      ['Unauthorized', 'configuration'],
      ['ImportSkipped', 'invalid-value'],
      ['EntrySynchronizationSkipped', 'out-of-scope'],
    ] as const
  ).map(([code, category]) => [code.toLowerCase(), category]),
);

const REFERENCE_CODE = /reference|manager/i;
const REFERENCE_REASON = /\b(manager|reference[ds]?)\b[^.]*\b(not (yet )?(been )?(found|provisioned|processed|exist|resolved)|unresolved|could not be resolved|missing|pending)\b/i;
const TRANSIENT_REASON = /\b(timed? ?out|timeout|temporarily|try again later|service (is )?(busy|unavailable)|too many requests|throttl)/i;
const DOMAIN_REASON = /domain[^.]*(does not|doesn't) exist|not a verified domain|invalid domain/i;
const CONFLICT_REASON = /\b(already exists|duplicate|conflict(ing)?)\b/i;
const INVALID_VALUE_REASON = /\binvalid value\b|\bis not valid\b|\binvalid\b/i;

function stepFailed(entry: ProvisioningLogEntry, type: string): boolean {
  return (entry.provisioningSteps ?? []).some((s) => s.provisioningStepType?.toLowerCase() === type.toLowerCase() && s.status?.toLowerCase() === 'failure');
}

/** Classifies a failed entry: retryable (reference pending, transient service trouble) or permanent, with a category for the report. */
export function classifyFailure(entry: ProvisioningLogEntry): FailureClassification {
  const info = entry.provisioningStatusInfo?.errorInformation;
  const code = info?.errorCode ?? '';
  const reason = `${info?.reason ?? ''} ${info?.additionalDetails ?? ''}`;

  // A failed reference step means "manager not there yet", even when the reason only says "Invalid value".
  if (stepFailed(entry, 'referenceResolution')) return { retryable: true, category: 'reference-pending' };
  if (stepFailed(entry, 'scoping')) return { retryable: false, category: 'out-of-scope' };

  const known = PERMANENT_CODES.get(code.toLowerCase());
  if (known !== undefined) return { retryable: false, category: known };
  if (TRANSIENT_CODES.has(code.toLowerCase())) return { retryable: true, category: 'service-transient' };
  if ((code !== '' && REFERENCE_CODE.test(code)) || REFERENCE_REASON.test(reason)) return { retryable: true, category: 'reference-pending' };
  if (TRANSIENT_REASON.test(reason)) return { retryable: true, category: 'service-transient' };
  if (DOMAIN_REASON.test(reason)) return { retryable: false, category: 'invalid-domain' };
  if (CONFLICT_REASON.test(reason)) return { retryable: false, category: 'conflict' };
  if (INVALID_VALUE_REASON.test(reason)) return { retryable: false, category: 'invalid-value' };
  return { retryable: false, category: 'unknown' };
}
