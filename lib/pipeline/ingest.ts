// Stage 1, behind the blob trigger: one extract → a run in the ledger, its rejected rows in
// the run's report, and one queue message per valid SCIM operation, managers first.
// Idempotent per run and row: a re-delivered blob or a retry after a crash half-way adds
// nothing twice and loses nothing (records are written before their messages, and only
// records without a message get one).
import { scanExtract } from '../convert/convert.js';
import { TempFileSpool } from '../convert/spool.js';
import { ExtractError } from '../extract/errors.js';
import { openExtract } from '../extract/open.js';
import type { ExtractInput } from '../extract/input.js';
import { MappingError } from '../mapping/errors.js';
import type { Mapping } from '../mapping/types.js';
import type { Problem } from '../scim/problem.js';
import { managerOf, managersFirst } from '../delta/order.js';
import type { QueuedOperation } from '../delta/order.js';
import { OperationStore } from '../convert/operation-store.js';
import { encodeMessage, messageFits } from './messages.js';
import type { NewRecord, PipelineDeps, RejectedRow } from './ports.js';
import { payloadHash, runIdFor } from './run-id.js';

export interface IngestInput {
  container: string;
  name: string;
  etag: string;
  /** When this version of the blob was written. */
  lastModified: Date;
  content: ExtractInput;
}

export interface IngestDeps extends PipelineDeps {
  loadMapping(): Promise<Mapping>;
  /** Most messages to leave waiting in the queue before pausing for upload to take some; 0 or absent for no cap. */
  queueBacklog?: number;
  /** How ingest waits while the queue is at its cap (a timer in production). */
  sleep?: (ms: number) => Promise<void>;
}

export interface IngestResult {
  runId: string;
  /** False when the run had been ingested already (a re-delivered blob). */
  ingested: boolean;
  rows: number;
  valid: number;
  rejected: number;
  enqueued: number;
}

const CHUNK = 100;
const SEND_CONCURRENCY = 16;
// A capped ingest looks at the queue again this often: at the API's limit upload takes ~400
// messages a second, so a 500-message cap must be topped up within about a second.
const BACKLOG_POLL_MS = 200;
// Waiting stops after this long in all (the count includes messages held or delayed for an hour,
// which may not fall for a while): the rest is sent at once, well inside the host's 10-minute
// functionTimeout, rather than the invocation being cut off and retried.
const BACKLOG_MAX_WAIT_MS = 5 * 60_000;

/** Ingests one extract blob; returns what it did. Configuration errors land in the run report, not in an exception. */
export async function ingestExtract(input: IngestInput, deps: IngestDeps): Promise<IngestResult> {
  const file = `${input.container}/${input.name}`;
  const runId = runIdFor(input.container, input.name, input.etag, input.lastModified);
  const { ledger, logger } = deps;
  const run = await ledger.beginRun({ runId, file, etag: input.etag, startedAt: deps.clock.now().toISOString() });
  if (run.state !== 'ingesting') {
    logger.info('Extract already ingested; nothing to do', { runId, state: run.state });
    return { runId, ingested: false, rows: run.rows ?? 0, valid: run.valid ?? 0, rejected: run.rejected ?? 0, enqueued: 0 };
  }
  logger.info('Ingest started', { runId });

  const rejected: RejectedRow[] = [];
  const flushRejected = async (): Promise<void> => {
    if (rejected.length === 0) return;
    await ledger.addRejected(runId, rejected.splice(0));
  };

  let mapping: Mapping;
  let extract;
  try {
    mapping = await deps.loadMapping();
    extract = await openExtract(input.content, { file });
  } catch (err) {
    if (!(err instanceof ExtractError) && !(err instanceof MappingError)) throw err;
    // The whole file is unusable: the run ends with one rejected entry that says why.
    const rule = err instanceof MappingError ? 'mapping' : 'extract';
    await ledger.addRejected(runId, [{ rule, message: err.message }]);
    await ledger.finishIngest(runId, { rows: 0, valid: 0, rejected: 0, at: deps.clock.now().toISOString() });
    logger.error('Extract could not be read; see the run report', { runId, rule });
    return { runId, ingested: true, rows: 0, valid: 0, rejected: 0, enqueued: 0 };
  }

  const spool = new TempFileSpool();
  const store = new OperationStore();
  try {
    const pending: Promise<void>[] = [];
    const scan = await scanExtract(extract, mapping, {
      spool,
      onProblem: (p: Problem) => {
        if (p.severity !== 'error') return;
        rejected.push(rejectedRow(p));
        if (rejected.length >= CHUNK) pending.push(flushRejected());
      },
    });
    await Promise.all(pending);

    // Managers first, so a report rarely reaches the service before its manager.
    const queued: QueuedOperation[] = [];
    for await (const op of spool.read()) {
      if (scan.withdrawn.has(op.externalId)) continue;
      const managerId = managerOf(op.json);
      queued.push({ externalId: op.externalId, line: op.line, stored: store.add(op.json), ...(managerId === undefined ? {} : { managerId }) });
      if (store.shouldFlush) await store.flush();
    }
    await store.flush();

    let enqueued = 0;
    let valid = 0;
    const backlog = { told: false, waitedMs: 0 };
    // Chunks never straddle two depths: a chunk's messages go out in parallel, chunks one after another,
    // so every manager's message is in the queue before any of its reports'.
    const ordered = managersFirst(queued);
    for (let i = 0; i < ordered.length;) {
      let end = i + 1;
      while (end < ordered.length && end - i < CHUNK && ordered[end]?.depth === ordered[i]?.depth) end++;
      const chunk = ordered.slice(i, end);
      i = end;
      const records: NewRecord[] = [];
      const texts = new Map<string, string>();
      for (const q of chunk) {
        const json = await store.read(q.stored);
        const text = encodeMessage({ v: 1, runId, externalId: q.externalId, line: q.line, attempt: 1, op: json });
        if (!messageFits(text)) {
          rejected.push({ line: q.line, externalId: q.externalId, rule: 'too-large', message: 'the SCIM operation is larger than a queue message can carry (64 KiB with Base64); shorten the longest values' });
          continue;
        }
        texts.set(q.externalId, text);
        records.push({ externalId: q.externalId, line: q.line, payload: json, payloadHash: payloadHash(json), ...(q.managerId === undefined ? {} : { managerId: q.managerId }) });
      }
      valid += records.length;
      if (deps.queueBacklog !== undefined && deps.queueBacklog > 0) await roomInQueue(deps, deps.queueBacklog, records.length, runId, backlog);
      const need = await ledger.addRecords(runId, records);
      await sendAll(need.map((id) => texts.get(id) as string), (text) => deps.queue.send(text));
      await ledger.markEnqueued(runId, need);
      enqueued += need.length;
    }
    await flushRejected();
    const rejectedRows = scan.rejected + (queued.length - valid);
    await ledger.finishIngest(runId, { rows: scan.rows, valid, rejected: rejectedRows, at: deps.clock.now().toISOString() });
    logger.info('Ingest finished', { runId, rows: scan.rows, valid, rejected: rejectedRows, enqueued });
    return { runId, ingested: true, rows: scan.rows, valid, rejected: rejectedRows, enqueued };
  } finally {
    await Promise.all([spool.dispose(), store.dispose()]);
  }
}

// Waits until `n` more messages fit under the cap (or the queue is empty, for a cap below one chunk).
// Records are written only once their messages can follow, so none waits long without one.
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

async function sendAll(texts: readonly string[], send: (text: string) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < texts.length) {
      const text = texts[next++] as string;
      await send(text);
    }
  };
  await Promise.all(Array.from({ length: Math.min(SEND_CONCURRENCY, texts.length) }, worker));
}
