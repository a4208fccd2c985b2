// Stage 1, behind the blob trigger: one extract → a run of its source in the ledger. Rows are
// mapped and validated (rejected rows go to the run's report); each valid record is compared with
// what was last confirmed for that person (lib/delta): unchanged ones end at once, the rest and the
// leavers of a full extract are planned, the guard decides whether the run is held, and if not, one
// queue message per request's worth of records is sent — disables first, then managers before their reports.
// Idempotent per run and row: a re-delivered blob or a retry after a crash half-way adds nothing
// twice and loses nothing (records are written before their messages, and only records without a
// message get one).
import { scanExtract } from '../convert/convert.js';
import { OperationStore } from '../convert/operation-store.js';
import { TempFileSpool } from '../convert/spool.js';
import { peopleLookup, unknownManagerWarnings } from '../delta/managers.js';
import { adoptRun, decideNight, mappingFingerprint } from '../delta/nightly.js';
import type { NightlyDecision } from '../delta/nightly.js';
import { intentRank, sendPermutation } from '../delta/order.js';
import type { KnownPeople } from '../delta/managers.js';
import { confirmedAtOf } from '../delta/plan.js';
import { CandidateTable } from '../delta/table.js';
import { ExtractError } from '../extract/errors.js';
import { openExtract } from '../extract/open.js';
import type { ExtractInput } from '../extract/input.js';
import { MappingError } from '../mapping/errors.js';
import type { Mapping } from '../mapping/types.js';
import { budgetEstimate } from '../provisioning/gate.js';
import type { ApiGate } from '../provisioning/gate.js';
import type { Problem } from '../scim/problem.js';
import { MAX_OPERATIONS_PER_REQUEST } from '../scim/schemas.js';
import { DEFAULT_BATCH_LIMITS } from '../scim/bulk.js';
import type { SerializedOperation } from '../scim/bulk.js';
import { SourcesError, resolveSource, sourceOfBlob } from '../sources/sources.js';
import type { SourceSettings, SourcesConfig } from '../sources/sources.js';
import { encodeBatch, singleMessageFits } from './messages.js';
import type { OperationMessage } from './messages.js';
import type { NewRecord, PipelineDeps, RejectedRow, ReportSink, RunRecord, UnusableInput } from './ports.js';
import { ABSENT } from './report.js';
import { writeRunReport } from './run-report.js';
import { runIdFor } from './run-id.js';
import { byPartitionWithinStepsInPlace } from './locality.js';
import { EVENTS } from '../telemetry/catalogue.js';
import { emitEvent } from '../telemetry/emit.js';
import { allSettledInTurns, allSettledOrThrow } from '../core/settled.js';

export interface IngestInput {
  container: string;
  /** The blob's path in the container: its first folder names the source. */
  name: string;
  etag: string;
  /** When this version of the blob was written. */
  lastModified: Date;
  content: ExtractInput;
}

export interface IngestDeps extends PipelineDeps {
  /** The sources file (or the default single source when there is none). */
  loadSources(): Promise<SourcesConfig>;
  /** The mapping a source names. */
  loadMapping(source: SourceSettings): Promise<Mapping>;
  /** Where a held run's report goes at once. */
  reports: ReportSink;
  /** Most messages to leave waiting in the queue before pausing for upload to take some; 0 or absent for no cap. */
  queueBacklog?: number;
  /** How ingest waits while the queue is at its cap (a timer in production). */
  sleep?: (ms: number) => Promise<void>;
  /** The daily budget as it stands, for what the run will cost of it. */
  gate?: Pick<ApiGate, 'view'>;
}

export interface IngestResult {
  runId: string;
  source: string;
  /** False when the run had been ingested already (a re-delivered blob). */
  ingested: boolean;
  /** Whether the guard held the run: nothing was sent. */
  held: boolean;
  rows: number;
  valid: number;
  rejected: number;
  /** Records that end unchanged, without a call. */
  unchanged: number;
  /** Leavers to disable. */
  leavers: number;
  /** Records sent without their manager reference: the manager's row was rejected and the directory does not hold the manager. */
  withoutManager: number;
  enqueued: number;
  /** Why the run ended `unusable`: nothing was read or sent. */
  unusable?: UnusableInput;
}

const CHUNK = 100;
// Records written and marked at a time: 20 requests' worth.
const GROUP_RECORDS = 1000;
// The BulkRequest's own JSON around its operations.
const REQUEST_FRAME_BYTES = 100;
// As many warnings as lib/delta keeps in a plan; the total counts them all.
const MAX_PLAN_WARNINGS = 200;
const SEND_CONCURRENCY = 16;
// A capped ingest looks at the queue again this often: at the API's limit upload takes ~400
// messages a second, so a 500-message cap must be topped up within about a second.
const BACKLOG_POLL_MS = 200;
// Waiting stops after this long in all (the count includes messages held or delayed for an hour,
// which may not fall for a while): the rest is sent at once, well inside the host's 10-minute
// functionTimeout, rather than the invocation being cut off and retried.
const BACKLOG_MAX_WAIT_MS = 5 * 60_000;
/** The send order's hashes stay in memory up to this, then go to a temporary file. */
const HASH_SPOOL_MEMORY_BYTES = 1024 * 1024;

/** Ingests one extract blob; returns what it did. Configuration errors land in the run report, not in an exception. */
export async function ingestExtract(input: IngestInput, deps: IngestDeps): Promise<IngestResult> {
  const file = `${input.container}/${input.name}`;
  const runId = runIdFor(input.container, input.name, input.etag, input.lastModified);
  const { ledger, logger } = deps;
  const sourceName = sourceOfBlob(input.name);
  let source: SourceSettings | undefined;
  let unusable: UnusableInput | undefined;
  try {
    source = resolveSource(await deps.loadSources(), sourceName);
  } catch (err) {
    unusable = unusableInput(err);
  }
  const run = await ledger.beginRun({ runId, file, etag: input.etag, startedAt: deps.clock.now().toISOString(), source: sourceName, kind: source?.kind ?? 'full' });
  const empty = {
    runId,
    source: sourceName,
    held: run.state === 'held',
    rows: run.rows ?? 0,
    valid: run.valid ?? 0,
    rejected: run.rejected ?? 0,
    unchanged: 0,
    leavers: 0,
    withoutManager: 0,
    enqueued: 0,
  };
  if (run.state !== 'ingesting') {
    logger.info('Extract already ingested; nothing to do', { runId, state: run.state });
    return { ...empty, ingested: false };
  }
  logger.info('Ingest started', { runId, source: sourceName });
  emitEvent(EVENTS.runStarted, { runId, source: sourceName, kind: source?.kind ?? 'full', mode: 'pipeline' });

  let mapping: Mapping | undefined;
  let extract;
  if (source !== undefined) {
    try {
      mapping = await deps.loadMapping(source);
      extract = await openExtract(input.content, { file });
    } catch (err) {
      unusable = unusableInput(err);
    }
  }
  if (unusable !== undefined || source === undefined || mapping === undefined || extract === undefined) {
    return endUnusable(deps, run, unusable ?? { rule: 'extract', message: `${file}: the file could not be read.` }, empty);
  }

  const spool = new TempFileSpool();
  const store = new OperationStore();
  try {
    let read: ReadResult;
    try {
      // Binding the mapping to the header (a column the file lacks) and reading a file that turns out
      // broken half-way both throw here: the file is unusable, not the run retryable.
      read = await readCandidates(extract, mapping, spool, store, runId, deps);
    } catch (err) {
      return await endUnusable(deps, run, unusableInput(err), empty);
    }
    // Only a usable extract supersedes a held run: a broken file must not take away the held one's approval.
    await supersedeHeld(deps, source, runId);
    const { table } = read;
    // Reports of a manager rejected here, and not in the directory, go without the reference (hashed so).
    const known = peopleLookup((id) => ledger.getPerson(id));
    const dropped = await table.releaseFromRejectedManagers(known, store);
    await store.flush();
    // Each record's decision is kept in the table (plan.records stays empty); how many are sent, for the budget and a held run's event.
    let queued = 0;
    const decision = await decideNight(ledger, {
      source,
      candidates: table.records(),
      present: table,
      rows: read.rows,
      rejected: read.rejected,
      now: deps.clock.now().getTime(),
      fingerprint: mappingFingerprint(mapping.document ?? mapping.source),
      onRecord: (c, d) => {
        table.decide(c.row, d);
        if (d.state !== 'unchanged') queued++;
      },
    });
    const held = decision.held.length > 0;
    await noteManagerWarnings(decision, file, table, known, source.name);
    await estimateBudget(deps, decision, queued, runId, source.name);
    const enqueued = await writeRecords(deps, runId, source, decision, table, queued, store, held);
    await markOwnership(deps, decision, source, held);
    const at = deps.clock.now().toISOString();
    await ledger.finishIngest(runId, {
      rows: read.rows,
      valid: table.length,
      rejected: read.rejected,
      at,
      plan: decision.summary,
      ...(held ? { held: decision.held } : {}),
    });
    const counts = {
      rows: read.rows,
      valid: table.length,
      rejected: read.rejected,
      unchanged: decision.plan.counts.unchanged + decision.plan.counts.otherSource,
      leavers: decision.leavers.length,
      withoutManager: dropped.length,
    };
    if (held) {
      await ledger.setSourceState(source.name, { heldRunId: runId });
      const stored = (await ledger.getRun(runId)) as RunRecord;
      await writeRunReport(ledger, deps.reports, stored, undefined);
      // For the alert: the thresholds by name, with their numbers; no HR data.
      logger.warn('Run held', {
        runId,
        source: source.name,
        thresholds: decision.held.map((h) => h.threshold),
        limits: decision.held.map((h) => h.limit),
        actuals: decision.held.map((h) => h.actual),
        ...counts,
      });
      emitEvent(EVENTS.runHeld, {
        runId,
        source: source.name,
        mode: 'pipeline',
        stage: 'guard',
        thresholds: decision.held.map((h) => h.threshold),
        limits: decision.held.map((h) => h.limit),
        actuals: decision.held.map((h) => h.actual),
        rows: counts.rows,
        rejected: counts.rejected,
        notSent: queued + decision.leavers.length,
      });
    } else {
      await adoptRun(ledger, source, runId, read.rows, decision.summary);
      const disables = decision.plan.counts.disableAbsent + decision.plan.counts.disableInactive;
      logger.info('Ingest finished', { runId, source: source.name, ...counts, enqueued, disables });
      const budget = decision.summary.budget;
      emitEvent(EVENTS.runIngested, {
        runId,
        source: source.name,
        mode: 'pipeline',
        ...counts,
        enqueued,
        disables,
        requestsPlanned: budget?.requests,
        budgetDays: budget?.days,
        callsLeft: budget?.callsLeft,
      });
    }
    return { runId, source: source.name, ingested: true, held, ...counts, enqueued };
  } finally {
    await Promise.all([spool.dispose(), store.dispose()]);
  }
}

// The input cannot be used: the run ends at once, final, with its report saying why. Report first,
// then the run's state, so a crash in between writes the same report on the retry. Anything but
// the input's own errors (storage down) is rethrown, for the host to retry.
function unusableInput(err: unknown): UnusableInput {
  if (err instanceof ExtractError) return { rule: 'extract', message: err.message };
  if (err instanceof MappingError) return { rule: 'mapping', message: err.message };
  if (err instanceof SourcesError) return { rule: 'sources', message: err.message };
  throw err;
}

async function endUnusable(deps: IngestDeps, run: RunRecord, why: UnusableInput, empty: Omit<IngestResult, 'ingested'>): Promise<IngestResult> {
  const at = deps.clock.now().toISOString();
  const ended: RunRecord = { ...run, state: 'unusable', rows: 0, valid: 0, rejected: 0, ingestedAt: at, endedAt: at, unusable: why };
  await writeRunReport(deps.ledger, deps.reports, ended, at);
  await deps.ledger.finishIngest(run.runId, { rows: 0, valid: 0, rejected: 0, at, unusable: why });
  // For the alert: the rule, not the message (it can name columns of the file, never HR values, but stays in the report).
  deps.logger.error('Extract could not be used; see the run report', { runId: run.runId, source: run.source, rule: why.rule });
  emitEvent(EVENTS.runUnusable, { runId: run.runId, source: run.source, rule: why.rule });
  return { ...empty, ingested: true, held: false, rows: 0, valid: 0, rejected: 0, unusable: why };
}

// Rows naming a manager who is neither in the extract nor in People: a warning each in the run's plan
// (their records are sent as they are; the service may know the manager by other means). Only rows
// whose manager the extract does not hold can be warned about, so only those are looked at.
async function noteManagerWarnings(decision: NightlyDecision, file: string, table: CandidateTable, known: KnownPeople, source: string): Promise<void> {
  const problems = await unknownManagerWarnings(file, table.unknownManagerRefs(), table, known);
  if (problems.length === 0) return;
  const s = decision.summary;
  const room = Math.max(0, MAX_PLAN_WARNINGS - s.warnings.length);
  s.warnings.push(
    ...problems.slice(0, room).map((p) => ({ rule: p.rule, externalId: p.externalId ?? '', ...(p.line === undefined ? {} : { line: p.line }), source, message: p.message })),
  );
  s.warningsTotal += problems.length;
}

// What the run costs of the daily budget, in the plan (report, status) and, when it takes more than
// today's calls, in a warning with the days it will take. Managers brought along and resends come on top.
async function estimateBudget(deps: IngestDeps, decision: NightlyDecision, queued: number, runId: string, source: string): Promise<void> {
  if (deps.gate === undefined) return;
  const toSend = queued + decision.leavers.length;
  if (toSend === 0) return;
  let view;
  try {
    view = await deps.gate.view();
  } catch (err) {
    deps.logger.warn('Could not read the daily budget; the run goes on without an estimate', { runId, error: err instanceof Error ? err.name : 'unknown' });
    return;
  }
  const estimate = budgetEstimate(Math.ceil(toSend / MAX_OPERATIONS_PER_REQUEST), view);
  decision.summary.budget = estimate;
  if (estimate.days > 1) deps.logger.warn('Run needs more than the daily budget', { runId, source, ...estimate });
}

interface ReadResult {
  /** The valid records, and every externalId the extract holds, rejected rows included. */
  table: CandidateTable;
  rows: number;
  rejected: number;
}

// Scans the extract: rejected rows go to the ledger as they come, valid operations to the store.
async function readCandidates(
  extract: Awaited<ReturnType<typeof openExtract>>,
  mapping: Mapping,
  spool: TempFileSpool,
  store: OperationStore,
  runId: string,
  deps: IngestDeps,
): Promise<ReadResult> {
  const rejected: RejectedRow[] = [];
  const pending: Promise<void>[] = [];
  const flush = async (): Promise<void> => {
    if (rejected.length > 0) await deps.ledger.addRejected(runId, rejected.splice(0));
  };
  const table = new CandidateTable();
  const scan = await scanExtract(extract, mapping, {
    spool,
    onProblem: (p: Problem) => {
      if (p.severity !== 'error') return;
      if (p.externalId !== undefined) table.addPresent(p.externalId);
      rejected.push(rejectedRow(p));
      if (rejected.length >= CHUNK) pending.push(flush());
    },
  });
  await allSettledOrThrow(pending);
  table.reserve(scan.valid, scan.rows);
  let tooLarge = 0;
  for await (const op of spool.read()) {
    if (scan.withdrawn.has(op.externalId)) continue;
    table.addPresent(op.externalId);
    if (!singleMessageFits({ v: 1, runId, externalId: op.externalId, line: op.line, attempt: 1, op: op.json })) {
      rejected.push({
        line: op.line,
        externalId: op.externalId,
        rule: 'too-large',
        message: 'the SCIM operation is larger than a queue message can carry (64 KiB with Base64); shorten the longest values',
      });
      tooLarge++;
      continue;
    }
    table.add(op.externalId, op.line, op.json, store.add(op.json));
    if (store.shouldFlush) await store.flush();
  }
  await store.flush();
  await flush();
  return { table, rows: scan.rows, rejected: scan.rejected + tooLarge };
}

// Records first, then their messages: unchanged ones in any order, the rest disables first, then
// one management depth at a time, so every manager's message is in the queue before any report's.
// The records are made from the table one group at a time: unchanged ones as a pass over the plan
// finds them, the rest in send order, a permutation of their numbers (sendPermutation).
async function writeRecords(
  deps: IngestDeps,
  runId: string,
  source: SourceSettings,
  decision: NightlyDecision,
  table: CandidateTable,
  queued: number,
  store: OperationStore,
  held: boolean,
): Promise<number> {
  // One object per record, its optional fields set only when present: a million records made
  // through spreads and rest copies were a fifth of what a 1M-row first night allocated here.
  const recordOf = (row: number, hash: string): { record: NewRecord; stored: number } => {
    const r = table.unhashed(row);
    const d = table.decision(row);
    const record: NewRecord = { externalId: r.externalId, line: r.line, payloadHash: hash, source: source.name, note: d.note, payload: '' };
    if (r.managerId !== undefined) record.managerId = r.managerId;
    if (r.withoutManager !== undefined) record.withoutManager = r.withoutManager;
    // Runs moments apart (npm run local, a file dropped twice): the last confirmation's log entry must not confirm this one.
    const confirmedAt = d.state === 'unchanged' ? undefined : confirmedAtOf(decision.people, r.externalId);
    if (confirmedAt !== undefined) record.seenUpTo = new Date(confirmedAt).toISOString();
    if (d.intent !== undefined) record.intent = d.intent;
    return { record, stored: r.stored };
  };
  // The records sent, by number: the table's rows planned `queued`, in file order, then the leavers.
  const sendRows = new Int32Array(queued);
  let unchanged: NewRecord[] = [];
  let q = 0;
  for (let row = 0; row < table.length; row++) {
    if (table.decision(row).state === 'unchanged') {
      const { record } = recordOf(row, table.hash(row));
      record.state = 'unchanged';
      unchanged.push(record);
      if (unchanged.length >= GROUP_RECORDS) {
        await deps.ledger.addRecords(runId, unchanged);
        unchanged = [];
      }
      continue;
    }
    sendRows[q++] = row;
  }
  if (unchanged.length > 0) await deps.ledger.addRecords(runId, unchanged);
  const leaverOf = (l: NightlyDecision['leavers'][number]): NewRecord & { json: string } => ({
    externalId: l.externalId,
    line: 0,
    payload: l.json,
    json: l.json,
    payloadHash: l.hash,
    source: source.name,
    intent: 'disable',
    seenUpTo: l.confirmedAt,
    note: l.complete ? ABSENT : `${ABSENT} (no complete record was kept: externalId and active only)`,
    ...(l.managerId === undefined ? {} : { managerId: l.managerId }),
  });
  const items = queued + decision.leavers.length;
  const order = sendOrderOf(table, sendRows, decision.leavers, (id) => deps.ledger.partitionOf(runId, id));
  const manages = managersOfSends(table, sendRows);
  // The hashes the records still need, in send order, go to a file the send loop reads back as it
  // goes, and the table lets go of its own and of finding ids (40 MB at 1M rows), held through the
  // send loop, where ingest's memory peaks.
  const hashes = new TempFileSpool(HASH_SPOOL_MEMORY_BYTES);
  let hashOfNext: AsyncIterator<SerializedOperation> | undefined;
  try {
    for (let i = 0; i < items; i++) {
      const n = order[i] as number;
      if (n >= queued) continue;
      const pending = hashes.write({ externalId: '', line: 0, json: table.hash(sendRows[n] as number) });
      if (pending !== undefined) await pending;
    }
    table.dropHashes();
    table.dropLookup();
    hashOfNext = hashes.read()[Symbol.asyncIterator]();
    return await sendInOrder(hashOfNext);
  } finally {
    // A send that failed half-way leaves the file open: close it before the file goes.
    await hashOfNext?.return?.();
    await hashes.dispose();
  }

  async function sendInOrder(hashesInOrder: AsyncIterator<SerializedOperation>): Promise<number> {
    let enqueued = 0;
    const backlog = { told: false, waitedMs: 0 };
    // Request-sized batches of the send order, across depths: each is one message and, at upload,
    // one request. A report whose manager is in an earlier batch still in flight waits for it there.
    // Records are written a group of batches at a time: a group spreads over the run's 16
    // partitions in as many transactions as one batch would, and a sequence of round trips per batch
    // made ingest the slowest stage (60 s for 20,000 records, measured by bench:pipeline).
    let next: { record: NewRecord; json: string } | undefined;
    const item = async (i: number): Promise<{ record: NewRecord; json: string }> => {
      const n = order[i] as number;
      if (n >= queued) {
        const { json, ...record } = leaverOf(decision.leavers[n - queued] as NightlyDecision['leavers'][number]);
        return { record, json };
      }
      const hash = await hashesInOrder.next();
      if (hash.done === true) throw new Error('ingest: the hash file ended before the send order');
      const { record, stored } = recordOf(sendRows[n] as number, hash.value.json);
      return { record, json: await store.read(stored) };
    };
    for (let i = 0; i < items;) {
      const records: NewRecord[] = [];
      const batches: OperationMessage[][] = [];
      // Batches holding someone who manages a record of this run, by index in `batches`.
      const managing = new Set<number>();
      const trusted = new Map<string, NewRecord>();
      let batch: OperationMessage[] = [];
      let bytes = REQUEST_FRAME_BYTES;
      while (i < items && (records.length < GROUP_RECORDS || batch.length > 0)) {
        next ??= await item(i);
        const { record, json } = next;
        const size = Buffer.byteLength(json) + 1;
        if (batch.length >= DEFAULT_BATCH_LIMITS.maxOperations || (batch.length > 0 && bytes + size > DEFAULT_BATCH_LIMITS.maxBytes)) {
          batches.push(batch);
          batch = [];
          bytes = REQUEST_FRAME_BYTES;
          continue;
        }
        bytes += size;
        const n = order[i] as number;
        i++;
        next = undefined;
        record.payload = json;
        record.state = held ? 'held' : 'queued';
        records.push(record);
        if (n < queued) {
          if (manages[sendRows[n] as number] === 0) trusted.set(record.externalId, record);
          else managing.add(batches.length);
        }
        batch.push({ v: 1, runId, externalId: record.externalId, line: record.line, attempt: 1, op: json });
      }
      if (batch.length > 0) batches.push(batch);
      // Written enqueued: the messages follow at once. A crash in between leaves the host's retry of
      // this ingest to send them (again, for any that went: upload drops the second copy as stale).
      const versions = new Map<string, string>();
      const need = new Set(await deps.ledger.addRecords(runId, records, { sending: true, versions }));
      if (need.size === 0) continue;
      for (const b of batches) for (const m of b) withVersion(m, trusted.get(m.externalId), versions.get(m.externalId));
      const texts = batches.flatMap((b, at) => encodeBatch(b.filter((m) => need.has(m.externalId))).map((text) => ({ text, managers: managing.has(at) })));
      const capped = !held && deps.queueBacklog !== undefined && deps.queueBacklog > 0;
      const step = capped ? Math.max(1, deps.queueBacklog as number) : texts.length;
      for (let t = 0; t < texts.length; t += step) {
        const some = texts.slice(t, t + step);
        if (capped) await roomInQueue(deps, deps.queueBacklog as number, some.length, runId, backlog);
        await sendAll(some, (text) => deps.queue.send(text));
      }
      enqueued += need.size;
    }
    return enqueued;
  }
}

// Records of a step ordered by partition together (locality.ts): a stretch of 4,096 holds ~256
// records of each of a run's 16 partitions, so a request of 50 falls in one or two, and the
// stretch's operations span a few MB of the operation store's file, which its pages hold while the
// send loop reads them.
const PARTITION_STRETCH = 4096;

// The send order (sendPermutation) of the records planned to go, `sendRows` by number, then the
// leavers; each step ordered by the ledger partition of the record, then of its manager. A
// request's records then sit in one partition or two (1.7 on average, against 15.4 in file
// order), which upload reads with a query per 14 of them and marks submitted in one transaction
// each. Ordered by the manager's partition first, the managers upload reads to see they went sat
// in fewer partitions (1.4 against 6.6), but the records themselves in 7.0: now that upload knows
// which managers went without reading them (sent-records.ts), the record's own partition saves
// more (bench:pipeline at 20,000 rows: table transactions from 0.16 to 0.07 per record, queries
// from 0.14 to 0.10). The reports a request holds have their managers spread over many batches of
// the step above; upload's looks and take-along (upload.ts) keep that from stalling, and the host
// fetching while invocations wait (host.json newBatchThreshold) keeps the looks short.
function sendOrderOf(table: CandidateTable, sendRows: Int32Array, leavers: NightlyDecision['leavers'], partitionOf: (externalId: string) => string): Int32Array {
  const queued = sendRows.length;
  const items = queued + leavers.length;
  const itemOfRow = new Int32Array(table.length).fill(-1);
  for (let q = 0; q < queued; q++) itemOfRow[sendRows[q] as number] = q;
  const rankOf = (i: number): number => (i < queued ? intentRank(table.decision(sendRows[i] as number).intent) : 0);
  const { order, depth } = sendPermutation(items, rankOf, (i) => {
    if (i >= queued) return -1;
    const m = table.managerRow(sendRows[i] as number);
    return m < 0 ? -1 : (itemOfRow[m] as number);
  });
  byPartitionWithinStepsInPlace(
    order,
    (i) => rankOf(i) * (items + 1) + (depth[i] as number),
    (i) => {
      if (i >= queued) return `${partitionOf((leavers[i - queued] as NightlyDecision['leavers'][number]).externalId)}|`;
      const row = sendRows[i] as number;
      // A disable's manager exists already: upload does not read it.
      const manager = table.decision(row).intent === 'disable' ? undefined : table.managerOf(row);
      return `${partitionOf(table.externalIdOf(row))}|${manager === undefined ? '' : partitionOf(manager)}`;
    },
    PARTITION_STRETCH,
  );
  return order;
}

// Rows that manage someone this run sends (a disable's manager aside: upload never looks at it).
// Upload may take such a manager along with a report, and its own message then comes stale, so its
// message carries no version and upload reads the record; anyone else's message carries the
// version ingest created it at, and upload trusts it (withVersion).
function managersOfSends(table: CandidateTable, sendRows: Int32Array): Uint8Array {
  const manages = new Uint8Array(table.length);
  for (const row of sendRows) {
    const m = table.managerRow(row);
    if (m >= 0 && table.decision(row).intent !== 'disable') manages[m] = 1;
  }
  return manages;
}

// The record as created, on its first message: only for one that manages no one sent (leavers,
// whose managers upload may take along too, never get it) and that this call created (one that
// existed, from an ingest retried after a crash, may have gone: upload reads it).
function withVersion(m: OperationMessage, record: NewRecord | undefined, version: string | undefined): void {
  if (record === undefined || version === undefined) return;
  m.written = { version, ...(record.managerId === undefined ? {} : { managerId: record.managerId }), ...(record.intent === undefined ? {} : { intent: record.intent }) };
}

// Who owns whom: marks for the owner's next run to warn about, and hand-overs. A held run hands
// nobody over (it changes nothing until a person decides); its marks are only warnings.
async function markOwnership(deps: IngestDeps, decision: NightlyDecision, source: SourceSettings, held: boolean): Promise<void> {
  for (const c of decision.plan.contested) await deps.ledger.markAlsoIn(c.externalId, source.name);
  for (const id of decision.plan.uncontested) await deps.ledger.markAlsoIn(id, undefined);
  if (!held) for (const h of decision.plan.handovers) await deps.ledger.handOver(h.externalId, h.to);
}

// A newer extract of a source supersedes its held run: that run ends unsent (its records stay
// `held`), with its report saying so.
async function supersedeHeld(deps: IngestDeps, source: SourceSettings, runId: string): Promise<void> {
  const state = await deps.ledger.getSourceState(source.name);
  const heldRunId = state?.heldRunId;
  if (heldRunId === undefined || heldRunId === runId) return;
  const at = deps.clock.now().toISOString();
  if (await deps.ledger.decideHeld(heldRunId, { kind: 'superseded', at, by: runId })) {
    const run = await deps.ledger.getRun(heldRunId);
    if (run !== undefined) await writeRunReport(deps.ledger, deps.reports, run, at);
    deps.logger.info('Held run superseded by a newer extract of its source', { runId: heldRunId, by: runId, source: source.name });
  }
  await deps.ledger.setSourceState(source.name, { heldRunId: '' }, { heldRunId });
}

// Waits until `n` more messages fit under the cap (or the queue is empty, for a cap below one chunk).
// A group's records are written first; their messages follow as room allows.
async function roomInQueue(deps: IngestDeps, cap: number, n: number, runId: string, state: { told: boolean; waitedMs: number }): Promise<void> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  while (state.waitedMs < BACKLOG_MAX_WAIT_MS) {
    const count = await deps.queue.approximateCount();
    if (count === 0 || count + n <= cap) return;
    if (!state.told) {
      deps.logger.info('Operations queue at its backlog cap; ingest waits for upload', { runId, queued: count, cap });
      state.told = true;
    }
    await sleep(BACKLOG_POLL_MS);
    state.waitedMs += BACKLOG_POLL_MS;
    if (state.waitedMs >= BACKLOG_MAX_WAIT_MS) {
      deps.logger.warn('Operations queue stayed at its backlog cap; ingest sends the rest without waiting', { runId, queued: count, cap, waitedSeconds: state.waitedMs / 1000 });
    }
  }
}

function rejectedRow(p: Problem): RejectedRow {
  return {
    ...(p.line === undefined ? {} : { line: p.line }),
    ...(p.externalId === undefined ? {} : { externalId: p.externalId }),
    ...(p.column === undefined ? {} : { column: p.column }),
    ...(p.attribute === undefined ? {} : { attribute: p.attribute }),
    rule: p.rule,
    message: p.message,
  };
}

/**
 * Sends messages up to SEND_CONCURRENCY at a time, but none before every earlier message holding
 * managers is on the queue: sent all at once, a report's message often landed ahead of its
 * manager's, and the upload that took it took the manager along in a short request, leaving the
 * manager's own message stale (bench:pipeline on Azurite's in-memory store: 426-435 requests and
 * ~740 messages for 20,000 records, 129 such requests in one run).
 */
async function sendAll(texts: ReadonlyArray<{ text: string; managers: boolean }>, send: (text: string) => Promise<void>): Promise<void> {
  let managersQueued: Promise<void> = Promise.resolve();
  // Messages are taken in order, so each one's wait is chained when it is taken.
  await allSettledInTurns(texts, SEND_CONCURRENCY, ({ text, managers }) => {
    // A failed manager message fails the ones after it unsent: the reports would wait for it anyway.
    const sent = managersQueued.then(() => send(text));
    if (managers) managersQueued = sent;
    return sent;
  });
}
