// Settings of the Functions pipeline: where extracts, reports, the operations queue and the
// ledger live, and how reconcile retries. The Bicep in infra/ sets the same names.
import { SettingsError } from './errors.js';
import type { Environment, SettingsOverrides } from './reader.js';
import { SettingsReader } from './reader.js';

export const BLOB_TRIGGER_SOURCES = ['LogsAndContainerScan', 'EventGrid'] as const;
export type BlobTriggerSource = (typeof BLOB_TRIGGER_SOURCES)[number];

/** The app-setting prefix of the storage connection hrsync uses (Functions connection convention). */
export const STORAGE_CONNECTION = 'HRSYNC_STORAGE';

export interface PipelineSettings {
  /** Name of the storage connection: HRSYNC_STORAGE (a connection string) or HRSYNC_STORAGE__* (identity). */
  storageConnection: typeof STORAGE_CONNECTION;
  extractsContainer: string;
  /** EventGrid on Flex Consumption; LogsAndContainerScan elsewhere and locally. */
  extractsSource: BlobTriggerSource;
  reportsContainer: string;
  /** `<container>/<blob path>` of the mapping the ingest stage uses when there is no sources file. */
  mappingBlob: { container: string; name: string };
  /** `<container>/<blob path>` of the sources file; sources name their mappings relative to it. */
  sourcesBlob: { container: string; name: string };
  operationsQueue: string;
  /** The host moves a message here after maxDequeueCount failures. */
  poisonQueue: string;
  /** Prefix of the ledger's tables (e.g. hrsync → hrsyncRuns, hrsyncRecords, hrsyncPeople, hrsyncCheckpoints). */
  tablePrefix: string;
  /** NCRONTAB (six fields, seconds first) for the reconcile timer. */
  reconcileSchedule: string;
  /** Submissions per record before it is dead-lettered. */
  maxAttempts: number;
  /** A record submitted this long ago and still absent from the logs is sent again. */
  confirmTimeoutMinutes: number;
  /** First wait before resending a retryable failure; doubles per attempt up to an hour. */
  retryBaseSeconds: number;
  /** Most messages ingest leaves waiting in the operations queue before it pauses; 0 for no cap. */
  queueBacklog: number;
  /** How far before its checkpoint reconcile reads the logs again, for entries that show up late. */
  logLagMinutes: number;
}

// Container names: 3-63 lower-case letters, digits and single dashes, starting and ending alphanumeric.
const CONTAINER = /^(?=.{3,63}$)[a-z0-9]+(?:-[a-z0-9]+)*$/;
// Queue names follow the same rule; "-poison" (7 characters) is appended, so at most 56 here.
const QUEUE = /^(?=.{3,56}$)[a-z0-9]+(?:-[a-z0-9]+)*$/;
// Table names: letters and digits, starting with a letter; the longest suffix added is 11 characters.
const TABLE_PREFIX = /^[A-Za-z][A-Za-z0-9]{2,51}$/;
const MAPPING_BLOB = /^([a-z0-9]+(?:-[a-z0-9]+)*)\/(.+)$/;
// Six space-separated NCRONTAB fields, or a TimeSpan like 00:05:00 (both accepted by the host).
const SCHEDULE = /^(?:\S+\s+){5}\S+$|^\d{2}:\d{2}:\d{2}$/;

/**
 * The blob trigger's source, read when the functions register, before any invocation could report
 * a bad setting: a typo would otherwise register a polling trigger that never fires on Flex Consumption.
 */
export function loadExtractsSource(env: Environment = process.env): BlobTriggerSource {
  const r = new SettingsReader(env, {});
  const source = r.oneOf('HRSYNC_EXTRACTS_SOURCE', BLOB_TRIGGER_SOURCES, 'LogsAndContainerScan');
  if (r.problems.length > 0) throw new SettingsError(r.problems);
  return source;
}

/** Reads and validates the pipeline's settings; throws one SettingsError listing all problems. */
export function loadPipelineSettings(env: Environment = process.env, overrides: SettingsOverrides = {}): PipelineSettings {
  const r = new SettingsReader(env, overrides);
  const text = (name: Parameters<SettingsReader['raw']>[0], fallback: string, pattern: RegExp, expectation: string): string =>
    r.raw(name) === undefined ? fallback : (r.matching(name, pattern, expectation) ?? fallback);

  const extractsContainer = text('HRSYNC_EXTRACTS_CONTAINER', 'hr-extracts', CONTAINER, 'must be a blob container name (3-63 lower-case letters, digits and single dashes)');
  const reportsContainer = text('HRSYNC_REPORTS_CONTAINER', 'hrsync-reports', CONTAINER, 'must be a blob container name (3-63 lower-case letters, digits and single dashes)');
  const mapping = text('HRSYNC_MAPPING_BLOB', 'hrsync-config/mapping.json', MAPPING_BLOB, 'must be <container>/<blob name>, e.g. hrsync-config/mapping.json');
  const [, mappingContainer = 'hrsync-config', mappingName = 'mapping.json'] = MAPPING_BLOB.exec(mapping) ?? [];
  if (!CONTAINER.test(mappingContainer)) r.fail('HRSYNC_MAPPING_BLOB', `must start with a valid container name, got "${mappingContainer}"`);
  const sources = text('HRSYNC_SOURCES_BLOB', 'hrsync-config/sources.json', MAPPING_BLOB, 'must be <container>/<blob name>, e.g. hrsync-config/sources.json');
  const [, sourcesContainer = 'hrsync-config', sourcesName = 'sources.json'] = MAPPING_BLOB.exec(sources) ?? [];
  if (!CONTAINER.test(sourcesContainer)) r.fail('HRSYNC_SOURCES_BLOB', `must start with a valid container name, got "${sourcesContainer}"`);
  const operationsQueue = text('HRSYNC_OPERATIONS_QUEUE', 'scim-operations', QUEUE, 'must be a queue name (3-56 lower-case letters, digits and single dashes)');
  const tablePrefix = text('HRSYNC_TABLE_PREFIX', 'hrsync', TABLE_PREFIX, 'must be 3-52 letters and digits starting with a letter');
  const reconcileSchedule = text('HRSYNC_RECONCILE_SCHEDULE', '0 */5 * * * *', SCHEDULE, 'must be a six-field NCRONTAB expression like "0 */5 * * * *"');
  const settings: PipelineSettings = {
    storageConnection: STORAGE_CONNECTION,
    extractsContainer,
    extractsSource: r.oneOf('HRSYNC_EXTRACTS_SOURCE', BLOB_TRIGGER_SOURCES, 'LogsAndContainerScan'),
    reportsContainer,
    mappingBlob: { container: mappingContainer, name: mappingName },
    sourcesBlob: { container: sourcesContainer, name: sourcesName },
    operationsQueue,
    poisonQueue: `${operationsQueue}-poison`,
    tablePrefix,
    reconcileSchedule,
    maxAttempts: r.integer('HRSYNC_MAX_ATTEMPTS', 5, 1, 100),
    confirmTimeoutMinutes: r.integer('HRSYNC_CONFIRM_TIMEOUT_MINUTES', 60, 1, 10_080),
    retryBaseSeconds: r.integer('HRSYNC_RETRY_BASE_SECONDS', 60, 0, 3_600),
    queueBacklog: r.integer('HRSYNC_QUEUE_BACKLOG', 0, 0, 10_000_000),
    logLagMinutes: r.integer('HRSYNC_LOG_LAG_MINUTES', 15, 0, 1_440),
  };
  if (r.problems.length > 0) throw new SettingsError(r.problems);
  return settings;
}
