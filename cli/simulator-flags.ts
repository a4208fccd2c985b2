// `hrsync simulator`'s fault flags: the simulator's fault injection (tools/simulator/options.ts)
// from the command line, so a user can rehearse a bad night — throttling with and without
// Retry-After, server errors, a full bucket, dropped connections, slow answers and logs, records
// that fail — against the same commands they will run for real.
import type { Command } from 'commander';
import { classifyFailure } from '../lib/provisioning/classify-failure.js';
import type { FaultOptions, RecordFaultRule } from '../tools/simulator/options.js';
import { UsageError } from './errors.js';

export interface FaultFlags {
  throttle?: string;
  retryAfter?: string;
  error500?: string;
  error503?: string;
  bucketFull?: string;
  drop?: string;
  slow?: string;
  logDelay?: string;
  failRecords?: string;
  failTimes?: string;
  failCode?: string;
  failReason?: string;
  seed?: string;
}

/** A transient code by default: hrsync sends such a record again, as it would after a busy night. */
export const DEFAULT_FAIL_CODE = 'ServiceUnavailable';
const DEFAULT_FAIL_REASON = 'Failure injected by the simulator (--fail-records)';

/** Adds the fault flags to the simulator command. */
export function withFaultOptions(cmd: Command): Command {
  return cmd
    .option('--throttle <share>', 'share of bulkUpload calls answered 429, e.g. 0.05 or 5%')
    .option('--retry-after <seconds>', 'Retry-After on those 429s, in seconds, or "none" to leave the header out as the service sometimes does (default 1)')
    .option('--error-500 <share>', 'share of bulkUpload calls answered 500')
    .option('--error-503 <share>', 'share of bulkUpload calls answered 503')
    .option('--bucket-full <share>', 'share of bulkUpload calls answered 500 "bucket … is full"')
    .option('--drop <share>', 'share of bulkUpload calls whose connection is closed without an answer (not processed)')
    .option('--slow <ms>', 'delay before every answer, in milliseconds')
    .option('--log-delay <ms>', "delay before a processed record's provisioning log entry appears, in milliseconds")
    .option('--fail-records <regex>', 'records whose externalId matches fail in processing (their log entry says failure)')
    .option('--fail-times <n>', 'each such record fails this many times, then succeeds (default: every time)')
    .option('--fail-code <code>', `the failures' errorCode (default ${DEFAULT_FAIL_CODE}, which hrsync retries; e.g. InvalidAttributeSyntax for one it does not)`)
    .option('--fail-reason <text>', "the failures' reason")
    .option('--seed <n>', 'makes the fault draws repeatable');
}

/** The simulator's fault options and log delay that the flags ask for; UsageError names a flag it cannot use. */
export function faultOptions(flags: FaultFlags): { faults?: FaultOptions; logDelayMs?: number } {
  const faults: FaultOptions = {};
  const shares: Array<[keyof FaultFlags, string, keyof FaultOptions]> = [
    ['throttle', '--throttle', 'throttleShare'],
    ['error500', '--error-500', 'error500Share'],
    ['error503', '--error-503', 'error503Share'],
    ['bucketFull', '--bucket-full', 'bucketFullShare'],
    ['drop', '--drop', 'dropShare'],
  ];
  let total = 0;
  for (const [key, flag, option] of shares) {
    const raw = flags[key];
    if (raw === undefined) continue;
    const share = parseShare(flag, raw);
    (faults as Record<string, number>)[option] = share;
    total += share;
  }
  if (total > 1 + 1e-9) throw new UsageError('--throttle, --error-500, --error-503, --bucket-full and --drop add up to more than 100% of calls');
  if (flags.retryAfter !== undefined) {
    faults.retryAfterSeconds = flags.retryAfter.toLowerCase() === 'none' ? null : wholeNumber('--retry-after', flags.retryAfter, 'a whole number of seconds, or "none"');
  }
  if (flags.slow !== undefined) faults.slowMs = wholeNumber('--slow', flags.slow, 'a whole number of milliseconds');
  if (flags.seed !== undefined) faults.seed = wholeNumber('--seed', flags.seed, 'a whole number');
  if (flags.failRecords === undefined) {
    for (const [value, flag] of [
      [flags.failTimes, '--fail-times'],
      [flags.failCode, '--fail-code'],
      [flags.failReason, '--fail-reason'],
    ] as const) {
      if (value !== undefined) throw new UsageError(`${flag} applies to the records --fail-records picks; give --fail-records too`);
    }
  } else {
    faults.recordRules = [recordRule(flags)];
  }
  const logDelayMs = flags.logDelay === undefined ? undefined : wholeNumber('--log-delay', flags.logDelay, 'a whole number of milliseconds');
  return {
    ...(Object.keys(faults).length === 0 ? {} : { faults }),
    ...(logDelayMs === undefined ? {} : { logDelayMs }),
  };
}

function recordRule(flags: FaultFlags): RecordFaultRule {
  let match: RegExp;
  try {
    match = new RegExp(flags.failRecords as string);
  } catch {
    throw new UsageError(`--fail-records must be a regular expression over externalIds, e.g. "7$" or "^E0001"; got ${JSON.stringify(flags.failRecords)}`);
  }
  const errorCode = flags.failCode ?? DEFAULT_FAIL_CODE;
  if (!/^[A-Za-z][A-Za-z0-9_.-]*$/.test(errorCode)) throw new UsageError('--fail-code must be an error code such as ServiceUnavailable or InvalidAttributeSyntax');
  const reason = flags.failReason ?? DEFAULT_FAIL_REASON;
  // The log entry's category follows what hrsync itself makes of the code.
  const { retryable } = classifyFailure({ id: '', activityDateTime: '', provisioningStatusInfo: { status: 'failure', errorInformation: { errorCode, reason } } } as Parameters<
    typeof classifyFailure
  >[0]);
  const times = flags.failTimes === undefined ? undefined : wholeNumber('--fail-times', flags.failTimes, 'a whole number of failures');
  if (times === 0) throw new UsageError('--fail-times must be 1 or more (leave out --fail-records for no failures)');
  return { match, errorCode, reason, retryable, ...(times === undefined ? {} : { times }) };
}

function parseShare(flag: string, raw: string): number {
  const text = raw.trim();
  const percent = text.endsWith('%');
  const n = Number(percent ? text.slice(0, -1) : text);
  const share = percent ? n / 100 : n;
  if (text === '' || text === '%' || !Number.isFinite(share) || share < 0 || share > 1) {
    throw new UsageError(`${flag} must be a share of calls from 0 to 1, or a percentage such as 5%; got ${JSON.stringify(raw)}`);
  }
  return share;
}

function wholeNumber(flag: string, raw: string, what: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < 0) throw new UsageError(`${flag} must be ${what}; got ${JSON.stringify(raw)}`);
  return n;
}
