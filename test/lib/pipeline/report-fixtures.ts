// Run reports for the HTML page's tests: a clean run, a run with rejected rows and dead-lettered
// records, a held run and an unusable one, with the requests the ledger would hold for each.
import type { RunRequest } from '../../../lib/pipeline/ports.js';
import { nextSteps } from '../../../lib/pipeline/report.js';
import type { RunReport } from '../../../lib/pipeline/report.js';

const T0 = Date.parse('2026-12-06T02:00:00.000Z');
const at = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();

/** A clean nightly run: 400 rows, 8 requests of 50 over about three minutes, one throttled once. */
export function cleanRun(): { report: RunReport; requests: RunRequest[] } {
  const requests: RunRequest[] = Array.from({ length: 8 }, (_, i) => ({
    requestId: `req-${i}`,
    at: at(12 + i * 25),
    operations: 50,
    status: 'accepted',
    ...(i === 3 ? { calls: 2 } : {}),
  }));
  const report: RunReport = {
    runId: '20261206-1a2b3c4d5e6f7a8b9c0d',
    file: 'hr-extracts/hr/2026-12-06.csv',
    source: 'hr',
    kind: 'full',
    state: 'complete',
    startedAt: at(0),
    ingestedAt: at(9),
    endedAt: at(245),
    rows: 400,
    counts: {
      valid: 400,
      rejected: 0,
      records: 400,
      leavers: 0,
      created: 120,
      updated: 260,
      confirmed: 380,
      disabled: 0,
      unchanged: 0,
      skipped: 20,
      deadLettered: 0,
      held: 0,
      open: 0,
    },
    disabledWhy: { absent: 0, inactive: 0, other: 0 },
    requests: { total: 9, accepted: 8, notAccepted: 1 },
    plan: {
      create: 120,
      update: 280,
      resend: 0,
      drift: 0,
      disableAbsent: 0,
      disableInactive: 0,
      unchanged: 0,
      otherSource: 0,
      incompleteDisables: 0,
      warnings: [],
      warningsTotal: 0,
    },
    nextSteps: [],
    rejected: [],
    deadLettered: [],
    disabled: [],
    withoutManager: [],
  };
  report.nextSteps = nextSteps(report);
  return { report, requests };
}

/** A run with rejected rows under three rules, dead-lettered records with the service's codes, a leaver and a record sent without its manager. */
export function problemRun(): { report: RunReport; requests: RunRequest[] } {
  const requests: RunRequest[] = [
    { requestId: 'req-a', at: at(20), operations: 3, status: 'throttled', calls: 2 },
    { requestId: 'req-b', at: at(50), operations: 3, status: 'accepted' },
    { requestId: 'req-c', at: at(140), operations: 2, status: 'accepted' },
    { requestId: 'req-d', at: at(260), operations: 1, status: 'accepted' },
  ];
  const report: RunReport = {
    runId: '20261206-problems0000000000aa',
    file: 'hr-extracts/broken.csv',
    source: 'default',
    kind: 'full',
    state: 'complete',
    startedAt: at(0),
    ingestedAt: at(4),
    endedAt: at(300),
    rows: 12,
    counts: { valid: 8, rejected: 4, records: 9, leavers: 1, created: 3, updated: 1, confirmed: 4, disabled: 1, unchanged: 1, skipped: 0, deadLettered: 3, held: 0, open: 0 },
    disabledWhy: { absent: 1, inactive: 0, other: 0 },
    requests: { total: 5, accepted: 3, notAccepted: 2 },
    nextSteps: [],
    rejected: [
      { line: 4, externalId: 'E000505', column: 'Email', attribute: 'emails[0].value', rule: 'email-format', message: 'emails[0].value is not a well-formed email address' },
      { line: 5, column: 'WorkerID', attribute: 'externalId', rule: 'required', message: 'externalId is required and the column is empty' },
      { line: 9, externalId: 'E000504', column: 'WorkerID', rule: 'duplicate-externalId', message: 'externalId E000504 is also on line 3; every such row is rejected' },
      {
        line: 11,
        externalId: 'E000512',
        column: 'HireDate',
        attribute: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeHireDate',
        rule: 'date-format',
        message: 'HireDate is not a date in the format dd/MM/yyyy',
      },
      { line: 12, externalId: 'E000513', column: 'Email', attribute: 'emails[0].value', rule: 'email-format', message: 'emails[0].value is not a well-formed email address' },
    ],
    deadLettered: [
      { line: 0, externalId: 'E000777', attempts: 5, errorCode: 'AzureActiveDirectoryForbidden', reason: 'Insufficient privileges to complete the operation.' },
      {
        line: 2,
        externalId: 'E000501',
        attempts: 1,
        errorCode: 'AzureActiveDirectoryConflictingUserPrincipalName',
        reason: "The userPrincipalName '***@contoso.com' for *** *** is already used.",
      },
      {
        line: 7,
        externalId: 'E000506',
        attempts: 3,
        errorCode: 'AzureActiveDirectoryConflictingUserPrincipalName',
        reason: "The userPrincipalName '***@contoso.com' for *** *** is already used.",
      },
    ],
    disabled: [{ line: 0, externalId: 'E000900', reason: 'absent from the extract' }],
    withoutManager: [{ line: 3, externalId: 'E000502', manager: 'E000501', state: 'confirmed' }],
  };
  report.nextSteps = nextSteps(report);
  return { report, requests };
}

/** A run the guard held: too many disables and a shrunken file; nothing sent. */
export function heldRun(): { report: RunReport; requests: RunRequest[] } {
  const report: RunReport = {
    runId: '20261206-held00000000000000bb',
    file: 'hr-extracts/hr/2026-12-06.csv',
    source: 'hr',
    kind: 'full',
    state: 'held',
    startedAt: at(0),
    ingestedAt: at(30),
    rows: 1900,
    counts: {
      valid: 1900,
      rejected: 0,
      records: 2512,
      leavers: 612,
      created: 0,
      updated: 0,
      confirmed: 0,
      disabled: 0,
      unchanged: 1700,
      skipped: 0,
      deadLettered: 0,
      held: 812,
      open: 0,
    },
    disabledWhy: { absent: 0, inactive: 0, other: 0 },
    requests: { total: 0, accepted: 0, notAccepted: 0 },
    plan: {
      create: 40,
      update: 160,
      resend: 0,
      drift: 0,
      disableAbsent: 612,
      disableInactive: 0,
      unchanged: 1700,
      otherSource: 0,
      incompleteDisables: 0,
      warnings: [],
      warningsTotal: 0,
    },
    held: [
      {
        threshold: 'maxDisables',
        limit: 250,
        actual: 612,
        message: "612 people to disable, more than the 250 allowed (the lower of 500 and 10% of the source's 2500 active people)",
      },
      { threshold: 'maxShrinkPercent', limit: 20, actual: 24, message: "1900 rows, 24% fewer than the 2500 of the source's last full extract (at most 20% allowed)" },
    ],
    nextSteps: [],
    rejected: [],
    deadLettered: [],
    disabled: [],
    withoutManager: [],
  };
  report.nextSteps = nextSteps(report);
  return { report, requests: [] };
}

/** A run whose mapping named a column the file lacks: nothing read or sent. */
export function unusableRun(): { report: RunReport; requests: RunRequest[] } {
  const report: RunReport = {
    runId: '20261206-unusable000000000cc',
    file: 'hr-extracts/renamed.csv',
    source: 'default',
    kind: 'full',
    state: 'unusable',
    unusable: {
      rule: 'mapping',
      message: 'hrsync-config/mapping.json: attributes.emails[0].value: column "Email" (did you mean "E-mail"?) is not in the header of hr-extracts/renamed.csv',
    },
    startedAt: at(0),
    endedAt: at(1),
    rows: 0,
    counts: { valid: 0, rejected: 0, records: 0, leavers: 0, created: 0, updated: 0, confirmed: 0, disabled: 0, unchanged: 0, skipped: 0, deadLettered: 0, held: 0, open: 0 },
    disabledWhy: { absent: 0, inactive: 0, other: 0 },
    requests: { total: 0, accepted: 0, notAccepted: 0 },
    nextSteps: [],
    rejected: [],
    deadLettered: [],
    disabled: [],
  };
  report.nextSteps = nextSteps(report);
  return { report, requests: [] };
}
