// Stage 2, behind the queue trigger: the triggering message — a batch of up to 50 operations, as
// ingest cut them, or one — topped up with waiting ones to 50 becomes one BulkRequest. On 202 the records are marked submitted. Throttling and passing failures put
// every message back with a delay, as new messages, so no dequeue count is spent; a request the
// service refuses as a whole is split so each operation is judged alone; anything else is
// rethrown so the host retries the message and, after maxDequeueCount, poisons it — with the
// reason kept in the ledger for the report.
import { createHash, randomUUID } from 'node:crypto';
import { GateClosedError, ProvisioningError, callsMade } from '../provisioning/errors.js';
import { MAX_OPERATIONS_PER_REQUEST, BULK_REQUEST_SCHEMA } from '../scim/schemas.js';
import type { BulkOperation, BulkRequest } from '../scim/types.js';
import { decodeOperations, encodeMessage, requestBatches, withoutWritten } from './messages.js';
import type { OperationMessage } from './messages.js';
import { managersFirst } from '../delta/order.js';
import { EVENTS } from '../telemetry/catalogue.js';
import { emitEvent } from '../telemetry/emit.js';
import type { LedgerRecord, ReceivedMessage, RecordState, UploadDeps } from './ports.js';
import { allSettledOrThrow } from '../core/settled.js';
import { groupBy } from '../core/group-by.js';
import { Holds, runRecordKey } from './in-flight.js';

export interface UploadOptions {
  /** Operations per request, at most 50. */
  maxOperations: number;
  /** Byte cap of one request body. */
  maxBytes: number;
  /** How long extra messages stay hidden while this invocation holds them. */
  holdSeconds: number;
  /** Delay before resending after a passing failure without Retry-After. */
  retryDelaySeconds: number;
  /** Messages waiting for the gate come back up to this much after its time, spread at random. */
  waitJitterSeconds: number;
  /** A short request of a run still being ingested waits this long for more of its messages (0: never waits). */
  gatherSeconds: number;
  /** How many times a message waits to fill a request before it goes in whatever request there is. */
  maxGathers: number;
  /** How many times a request whose managers are unsent looks at them again before it takes them along. */
  managerChecks: number;
  /** How long it waits before each look. */
  managerCheckMs: number;
  /** How long a record another upload of this process holds goes back to the queue for. */
  busySeconds: number;
}

export const DEFAULT_UPLOAD_OPTIONS: UploadOptions = {
  maxOperations: MAX_OPERATIONS_PER_REQUEST,
  maxBytes: 1024 * 1024,
  holdSeconds: 300,
  retryDelaySeconds: 30,
  waitJitterSeconds: 60,
  gatherSeconds: 2,
  maxGathers: 10,
  managerChecks: 5,
  managerCheckMs: 1000,
  busySeconds: 5,
};

export type UploadOutcome = 'submitted' | 'stale' | 'requeued' | 'split' | 'dead-lettered' | 'waiting' | 'gathering';

// One operation this invocation holds, and the queue message it came in (none: the trigger, which
// the host deletes). A message carries one operation or a batch; it is deleted once every operation
// it carried has been sent or put back, never before, so a crash in between loses none.
interface Held {
  message: OperationMessage;
  from?: Taken;
  /**
   * A manager taken along from the ledger: its own message is still on the queue or in flight, so
   * it is sent with this request or not at all, never put back. Put back with a request the gate
   * turned away, it came back beside its own message after the gate's time, both read it unsent,
   * and it went twice (9 managers in bench:api at 5,000 workers).
   */
  along?: true;
}
function heldKey(h: Held): string {
  return runRecordKey(h.message.runId, h.message.externalId);
}

interface Taken {
  received: ReceivedMessage;
  open: number;
  gone: boolean;
}

/** Uploads the triggering message and what waits behind it; resolves when every held message is settled. */
export async function uploadOperations(trigger: unknown, deps: UploadDeps, options: UploadOptions = DEFAULT_UPLOAD_OPTIONS): Promise<UploadOutcome> {
  const firsts = decodeOperations(trigger).map((message): Held => ({ message }));
  const first = firsts[0] as Held;
  const solo = firsts.length === 1 && first.message.solo === true;
  // The gate closed moments ago (job paused, bucket full, budget spent): this message waits too,
  // without taking others or reading storage.
  const hint = deps.gate?.closedHint?.(firsts.every((h) => h.message.attempt > 1 || isDisable(h.message.op)) ? 'reserved' : 'normal');
  if (hint !== undefined) {
    await wait(firsts, hint, deps, options);
    return 'waiting';
  }
  const held: Held[] = [...firsts];
  if (!solo) held.push(...(await takeWaiting(deps, options, options.maxOperations - held.length)));
  const holds = new Holds(deps.inFlight);
  try {
    // A record another upload of this process holds (a manager it took along, say) is left to it:
    // its message comes back in a few seconds, stale if that upload sent it.
    const busy = held.filter((h) => !holds.take(h.message.runId, h.message.externalId));
    if (busy.length > 0) {
      await putBack(busy, deps, options.busySeconds);
      deps.logger.info('Records another upload holds go back for a moment', { operations: busy.length });
    }
    return await sendHeld(
      held.filter((h) => !busy.includes(h)),
      holds,
      deps,
      options,
    );
  } finally {
    holds.releaseAll();
  }
}

async function sendHeld(held: Held[], holds: Holds, deps: UploadDeps, options: UploadOptions): Promise<UploadOutcome> {
  const { live: current, seen, ingesting } = await dropStale(held, deps);
  // What went stale is no longer held: an upload beside would wait for it, or put it back, for nothing.
  const liveKeys = new Set(current.map(heldKey));
  for (const h of held) if (!liveKeys.has(heldKey(h))) holds.drop(h.message.runId, h.message.externalId);
  if (current.length === 0) return 'stale';
  let step = await managersBeforeReports(current, seen, holds, deps, options);
  // A manager of this request's reports still unsent and held by an upload beside this one is most
  // likely waiting for its turn at the rate limit: sent now, the reports could overtake it and
  // fail, and brought along, it would go twice. So the request waits here a few moments for it,
  // reading nothing while it is held; put back at once, it came round again and again while the
  // managers' batch queued for the limiter (408 put-backs for 400 requests, each reading its
  // records again, at 20,000 records in bench:pipeline). Managers on the queue are not waited for
  // (in-flight.ts): managersBeforeReports took them along already. Each look comes as soon as the
  // upload holding them lets go (having sent them, most often) or after managerCheckMs, whichever
  // is first: looks only at the second made the first requests of a run wait ~1 s for managers whose
  // request took 0.1–0.3 s (bench:pipeline, 20,000 rows).
  for (let check = 0; step.pending.length > 0 && check < options.managerChecks; check++) {
    await untilFree(step.pending, deps, options.managerCheckMs);
    if (step.pending.some((m) => deps.inFlight?.has(m.runId, m.externalId) === true)) continue;
    step = await managersBeforeReports(current, seen, holds, deps, options);
  }
  const waited = step.pending.length > 0;
  if (waited) {
    // Still held beside it after every look: the upload holding them waits itself, for its own
    // managers, say. Put back whole, this request went behind the batches that wait for its own
    // records, each of them waited and went back behind it in turn, and the queue went round two
    // messages per wait (bench:pipeline sent 72 of 400 requests, then nothing for over ten minutes).
    // So the managers go along now, ahead of their reports, at the risk of going twice. Nor does a
    // short request that waited go back to gather: that too would put it behind them.
    deps.logger.info('Managers still unsent after waiting go ahead of their reports', { managers: step.pending.length, operations: current.length });
    step = await managersBeforeReports(current, seen, holds, deps, options, false);
  }
  const live = step.ordered;
  const fitted = fit(live, options);
  const { released } = fitted;
  // A request that was full when taken and is short only because other requests already sent some
  // of its records (managers they took along) goes as it is: gathered, it would go to the back of
  // the queue, behind the batches that wait for the rest of it.
  if (!waited && held.length < options.maxOperations && shouldGather(fitted.sending, released, ingesting, options)) {
    // Managers brought along from the ledger still have their own messages on the queue.
    await gather(current, deps, options);
    return 'gathering';
  }
  let { sending } = fitted;
  // What did not fit goes back at once, as one message, no longer held: another upload may take it.
  const back = released.filter((h) => current.includes(h));
  await putBack(back, deps, 0);
  for (const h of back) holds.drop(h.message.runId, h.message.externalId);
  const reserved = (h: Held): boolean => h.message.attempt > 1 || seen.get(h.message.runId)?.get(h.message.externalId)?.intent === 'disable';

  const request: BulkRequest = {
    schemas: [BULK_REQUEST_SCHEMA],
    Operations: sending.map((h) => JSON.parse(h.message.op) as BulkOperation),
    failOnErrors: null,
  };
  let byRun = groupByRun(sending);
  try {
    let result;
    const cls = sending.every(reserved) ? 'reserved' : 'normal';
    try {
      result = await deps.client.uploadBulkRequest(request, { callClass: cls, runIds: [...byRun.keys()] });
    } catch (err) {
      // The budget is down to its reserve: disables and retries go on it, the rest wait their turn.
      const mine = sending.filter(reserved);
      if (!(err instanceof GateClosedError && err.why === 'budget' && cls === 'normal' && mine.length > 0)) throw err;
      await wait(
        sending.filter((h) => !reserved(h)),
        err,
        deps,
        options,
      );
      sending = mine;
      byRun = groupByRun(sending);
      request.Operations = sending.map((h) => JSON.parse(h.message.op) as BulkOperation);
      result = await deps.client.uploadBulkRequest(request, { callClass: 'reserved', runIds: [...byRun.keys()] });
    }
    const at = deps.clock.now().toISOString();
    // The records as dropStale read them: each write is conditional on that version, with no second read.
    // The request's count goes beside the marks (it never fails the upload): one round trip less.
    await allSettledOrThrow([
      (async () => {
        for (const [runId, ids] of byRun) {
          await deps.ledger.markSubmitted(runId, ids, { requestId: result.requestId, at }, seen.get(runId));
          deps.sent?.add(runId, ids);
        }
      })(),
      noteRequest(deps, byRun, { requestId: result.requestId, at, status: 'accepted', ...(result.calls === 1 ? {} : { calls: result.calls }) }),
    ]);
    await settle(sending, deps);
    deps.logger.info('Bulk request accepted', { requestId: result.requestId, operations: sending.length, runIds: [...byRun.keys()] });
    return 'submitted';
  } catch (err) {
    if (!(err instanceof ProvisioningError)) {
      // Our own failure (the ledger unreachable, say) after or before the POST: hand the extras back
      // now rather than after the hold; the host retries the trigger, and the ledger check keeps
      // whatever was recorded from being sent twice.
      await releaseOpen(held, deps, true);
      throw err;
    }
    // Every call made counts, the ones a retry made before the gate closed too.
    const calls = callsMade(err);
    if (calls > 0)
      await noteRequest(deps, byRun, { requestId: err.requestId ?? randomUUID(), at: deps.clock.now().toISOString(), status: err.kind, ...(calls === 1 ? {} : { calls }) });
    if (err instanceof GateClosedError) {
      // The messages wait (as new ones, no dequeue spent) until the gate's time.
      await wait(sending, err, deps, options);
      return 'waiting';
    }
    if (err.kind === 'throttled' || err.kind === 'transient' || err.kind === 'bucket-full') {
      const wait = 'retryAfterMs' in err && typeof err.retryAfterMs === 'number' ? Math.ceil(err.retryAfterMs / 1000) : options.retryDelaySeconds;
      // As after a wait: the record is read when the message comes back (short put-backs keep the version).
      await putBack(sending, deps, Math.min(wait, 7 * 24 * 3600), withoutWritten);
      deps.logger.warn('Bulk request not accepted; messages put back', { kind: err.kind, waitSeconds: wait, operations: sending.length });
      return 'requeued';
    }
    if (err.kind === 'invalid-request' && sending.length > 1) {
      await putBack(sending, deps, 0, (m) => ({ ...m, solo: true }));
      deps.logger.warn('Bulk request refused as a whole; sending its operations one by one', { status: err.status, requestId: err.requestId, operations: sending.length });
      return 'split';
    }
    if (err.kind === 'invalid-request') {
      const h = sending[0] as Held;
      await deps.ledger.transition(h.message.runId, h.message.externalId, {
        type: 'refused-by-service',
        at: deps.clock.now().getTime(),
        code: err.code ?? `HTTP ${err.status ?? 400}`,
        reason: err.serviceMessage ?? err.message,
      });
      await settle(sending, deps);
      deps.logger.warn('Operation refused by the service; dead-lettered', {
        runId: h.message.runId,
        externalId: h.message.externalId,
        status: err.status,
        requestId: err.requestId,
      });
      return 'dead-lettered';
    }
    // Auth, wrong ids: no resend helps until someone fixes the configuration. Keep the reason, release
    // the extras, and let the host count this message towards the poison queue.
    for (const [runId, ids] of byRun) await deps.ledger.noteFailure(runId, ids, { errorCode: err.name, reason: err.message });
    await releaseOpen(sending, deps, false);
    deps.logger.error('Bulk request failed; the host will retry the message', { kind: err.kind, status: err.status, requestId: err.requestId });
    throw err;
  }
}

// Messages that may not be sent yet go back as new copies, hidden until the gate's time plus a
// spread of up to a minute. The spread is one per closure, not one per message: everything a
// closure turned away comes back in the same second, so uploads find it together and send full
// requests. Drawn per message, it brought the messages back one by one as requests of one record
// (3.5-3.9 times the minimum calls under faults, measured by bench:api); different closures still
// come back at different times.
async function wait(held: Held[], closed: { why: string; until: number }, deps: UploadDeps, options: UploadOptions): Promise<void> {
  if (held.length === 0) return;
  const now = deps.clock.now().getTime();
  const until = Number.isFinite(closed.until) ? closed.until : now + 24 * 3_600_000;
  const back = until + closureSpread(`${closed.why}|${until}`, options.waitJitterSeconds) * 1000;
  const seconds = Math.min(7 * 24 * 3600, Math.max(1, Math.ceil((back - now) / 1000)));
  // A message back after a while stops carrying the record as ingest wrote it: by then (the gate's
  // time) the record may have moved on — stopped and approved, sent by a copy — and upload reads it.
  await putBack(held, deps, seconds, withoutWritten);
  deps.logger.info('Uploads wait', { why: closed.why, until: new Date(until).toISOString(), operations: held.length });
  emitEvent(EVENTS.uploadsWait, { why: closed.why, until: new Date(until).toISOString(), operations: held.length, runIds: [...new Set(held.map((h) => h.message.runId))] });
}

// A request short of 50 while its run's ingest is still adding messages is a call spent on a few
// records that a moment later would have filled it: behind a gate that just reopened, uploads drain
// the queue faster than ingest fills it and sent every trickle as its own request (62 short requests
// of 439 at 20,000 workers, measured by bench:api). First attempts of runs still ingesting wait a
// moment instead, a bounded number of times; retries, solo sends and runs whose ingest is done go now.
function shouldGather(sending: Held[], released: Held[], ingesting: Set<string>, options: UploadOptions): boolean {
  if (options.gatherSeconds <= 0 || released.length > 0 || sending.length >= options.maxOperations) return false;
  return sending.every((h) => ingesting.has(h.message.runId) && h.message.attempt === 1 && h.message.solo !== true && (h.message.gathered ?? 0) < options.maxGathers);
}

// The messages come back as new copies on a shared grid of gatherSeconds, so what two uploads put
// back in the same moment returns in the same second and fills one request, not two.
async function gather(held: Held[], deps: UploadDeps, options: UploadOptions): Promise<void> {
  const step = options.gatherSeconds * 1000;
  const now = deps.clock.now().getTime();
  const back = Math.ceil(now / step) * step + step;
  const seconds = Math.max(1, Math.ceil((back - now) / 1000));
  await putBack(held, deps, seconds, (m) => ({ ...m, gathered: (m.gathered ?? 0) + 1 }));
}

// New copies first, hidden for `seconds` (0: visible at once), then the originals go: a crash in
// between leaves a duplicate, which dropStale discards. No dequeue count is spent.
// Operations go back together, as request-sized batches, so they return as one request rather
// than as fragments competing uploads share out; ones marked solo go back one per message.
async function putBack(held: Held[], deps: UploadDeps, seconds: number, change: (m: OperationMessage) => OperationMessage = (m) => m): Promise<void> {
  if (held.length === 0) return;
  const messages = held.filter((h) => h.along !== true).map((h) => change(h.message));
  const texts = messages.some((m) => m.solo === true) ? messages.map(encodeMessage) : requestBatches(messages);
  for (const text of texts) await deps.queue.send(text, seconds > 0 ? { visibilityTimeoutSeconds: seconds } : undefined);
  await settle(held, deps);
}

/** Seconds in [0, max] that every message turned away by the same closure shares (a hash of the closure, not a draw). */
export function closureSpread(closure: string, max: number): number {
  if (max <= 0) return 0;
  return createHash('sha256').update(closure).digest().readUInt32BE(0) % (Math.floor(max) + 1);
}

function isDisable(op: string): boolean {
  try {
    return (JSON.parse(op) as { data?: { active?: unknown } }).data?.active === false;
  } catch {
    return false;
  }
}

// Whole messages while they fit the room left; a batch that does not fit is split — what fits is
// held, the rest goes back at once as a new message — so the request fills, and no message is
// handed back untouched (each hand-back would count towards its poisoning as a dequeue).
//
// A message carries up to a request's worth of operations, so it asks for as many messages as the
// room needs at the operations per message seen so far (a full batch's at first), not one message
// per operation: asked for `room` messages, it held up to 32 batches to keep a few operations of the
// first, and sent the others back as new messages behind the rest of the queue — behind batches
// that wait for their records.
async function takeWaiting(deps: UploadDeps, options: UploadOptions, room: number): Promise<Held[]> {
  const out: Held[] = [];
  let seenMessages = 0;
  let seenOperations = 0;
  while (out.length < room) {
    const perMessage = seenMessages === 0 ? options.maxOperations : Math.max(1, Math.floor(seenOperations / seenMessages));
    // Queue storage hands out at most 32 messages per call.
    const asked = Math.min(32, Math.ceil((room - out.length) / perMessage));
    const batch = await deps.queue.receive(asked, options.holdSeconds);
    if (batch.length === 0) break;
    for (const received of batch) {
      let messages: OperationMessage[];
      try {
        messages = decodeOperations(received.text);
      } catch {
        // Not ours to judge here: back it goes, and the host poisons it as a trigger of its own.
        await deps.queue.release(received);
        continue;
      }
      if (messages.length === 1 && messages[0]?.solo === true) {
        await deps.queue.release(received);
        continue;
      }
      seenMessages++;
      seenOperations += messages.length;
      const taken: Taken = { received, open: messages.length, gone: false };
      const mine = messages.map((message): Held => ({ message, from: taken }));
      const fits = Math.max(0, room - out.length);
      out.push(...mine.slice(0, fits));
      await putBack(mine.slice(fits), deps, 0);
    }
    if (batch.length < asked) break;
  }
  return out;
}

// A message is stale when its record moved on (submitted, final) or another message for the same attempt came first.
//
// The records are read, except two kinds that need no read. A first attempt of a record this
// process knows went (sent-records.ts) is stale. A first attempt carrying the record as ingest
// created it (messages.ts, `written`) is trusted as it is: such a record manages no one the run
// sends, so no upload takes it along, and its message is the only one. Reading them was 4 queries
// per request (a filter holds at most 15 comparisons), each a scan of the run's partition in Azure
// and of the whole table in Azurite, where it was the largest share of the table service's work
// (bench:pipeline). What the trust gives up: a message delivered twice after a crash between the
// mark and its deletion is sent twice, once more in a request; the mark, conditional on that
// version, then finds the record moved on and re-reads it (run-ledger.ts, transitionAll).
async function dropStale(held: Held[], deps: UploadDeps): Promise<{ live: Held[]; seen: Map<string, Map<string, LedgerRecord>>; ingesting: Set<string> }> {
  const live: Held[] = [];
  const seen = new Set<string>();
  const read = new Map<string, Map<string, LedgerRecord>>();
  const ingesting = new Set<string>();
  for (const [runId, group] of groupBy(held, (h) => h.message.runId)) {
    const first = (h: Held): boolean => h.message.attempt === 1;
    const gone = (h: Held): boolean => first(h) && deps.sent?.has(runId, h.message.externalId) === true;
    const asWritten = (h: Held): boolean => first(h) && h.message.written !== undefined && !gone(h);
    const unread = group.filter((h) => !gone(h) && !asWritten(h)).map((h) => h.message.externalId);
    // A run stopped for too many failures sends nothing more (one read per run per batch); reconcile
    // holds its records. Both reads at once: each round trip holds the invocation's slot.
    const [run, records] = await Promise.all([deps.ledger.getRun(runId), unread.length === 0 ? new Map<string, LedgerRecord>() : deps.ledger.getRecords(runId, unread)]);
    const stopped = run !== undefined && (run.stoppedAt !== undefined || run.state === 'held');
    if (run?.state === 'ingesting') ingesting.add(runId);
    // Trusted only while the run is being sent: a copy that outlived it (held, approved, ended) is read.
    const sending = run?.state === 'ingesting' || run?.state === 'ingested';
    const trusted = group.filter((h) => asWritten(h) && !records.has(h.message.externalId));
    if (sending) for (const h of trusted) records.set(h.message.externalId, writtenRecord(runId, h.message));
    else if (trusted.length > 0 && !stopped)
      for (const [id, r] of await deps.ledger.getRecords(
        runId,
        trusted.map((h) => h.message.externalId),
      ))
        records.set(id, r);
    read.set(runId, records);
    for (const h of group) {
      const key = heldKey(h);
      const r = gone(h) ? undefined : records.get(h.message.externalId);
      const current = !stopped && r !== undefined && r.state === 'queued' && r.attempts + 1 === h.message.attempt && !seen.has(key);
      if (current) {
        seen.add(key);
        live.push(h);
      } else {
        await settle([h], deps);
      }
    }
  }
  if (live.length < held.length) deps.logger.info('Dropped stale or duplicate messages', { dropped: held.length - live.length });
  return { live, seen: read, ingesting };
}

// A record as ingest created it, from its first message: queued, never sent, at the version
// written. Its payload hash is left empty: upload only moves a record's state, which a conditional
// merge of the changed properties does without it.
function writtenRecord(runId: string, m: OperationMessage): LedgerRecord {
  const w = m.written as NonNullable<OperationMessage['written']>;
  return {
    runId,
    externalId: m.externalId,
    line: m.line,
    state: 'queued',
    attempts: 0,
    payload: m.op,
    payloadHash: '',
    enqueued: true,
    version: w.version,
    ...(w.managerId === undefined ? {} : { managerId: w.managerId }),
    ...(w.intent === undefined ? {} : { intent: w.intent }),
  };
}

// Managers reach the service before their reports. Within the request a manager comes first; and a
// report whose manager in the same run has not been sent yet brings the manager along, from the
// ledger, ahead of it (the manager's own message then finds its record sent and is dropped as
// stale). Two uploads running side by side would otherwise post a layer of managers and its reports
// in either order, and a report that arrives first fails — and so, one after another, does everyone
// below it (measured before this: 4,965 of 5,000 records sent twice on a first night that lost the
// race at the top of the chart).
//
// A manager never sent yet still has its own message — ingest's batches go managers first, so it
// is in an earlier batch, on the queue or held by an upload beside this one. Unless told not to
// (`wait` false, once the request has looked at them enough), a request that may still gather
// waits for a manager held beside it rather than taking it along: two uploads taking the same
// manager, one along and one from its own message, sent it twice (8–16 records a night at 5,000
// workers, measured by bench:api). One on the queue goes along at once, held by this upload so the
// one that takes its message leaves it be (in-flight.ts).
async function managersBeforeReports(
  live: Held[],
  seen: Map<string, Map<string, LedgerRecord>>,
  holds: Holds,
  deps: UploadDeps,
  options: UploadOptions,
  wait = true,
): Promise<{ ordered: Held[]; pending: Array<{ runId: string; externalId: string }> }> {
  const pending: Array<{ runId: string; externalId: string }> = [];
  const room = options.maxOperations;
  const mayWait = wait && options.gatherSeconds > 0 && live.every((h) => h.message.solo !== true && (h.message.gathered ?? 0) < options.maxGathers);
  const present = new Set(live.map(heldKey));
  // A disable's manager exists already (the leaver was confirmed with it): nothing to wait for or take along.
  const managerOf = (runId: string, id: string): string | undefined => {
    const r = seen.get(runId)?.get(id);
    const m = r?.managerId;
    return m === undefined || m === id || r?.intent === 'disable' ? undefined : m;
  };
  const out = [...live];
  let frontier = live.map((h) => ({ runId: h.message.runId, id: h.message.externalId }));
  // Up the chain a few levels at most. A full batch takes them too: managers sort first, and the
  // request's last reports go back to the queue instead (fit).
  for (let level = 0; level < 10 && frontier.length > 0 && out.length - live.length < room; level++) {
    const wanted = new Map<string, Set<string>>();
    for (const f of frontier) {
      const m = managerOf(f.runId, f.id);
      // A manager this process knows went is not read again (sent-records.ts).
      if (m !== undefined && !present.has(runRecordKey(f.runId, m)) && deps.sent?.has(f.runId, m) !== true) wanted.set(f.runId, (wanted.get(f.runId) ?? new Set()).add(m));
    }
    frontier = [];
    for (const [runId, ids] of wanted) {
      const found = await deps.ledger.getRecords(runId, [...ids]);
      noteGone(deps, runId, found);
      for (const m of found.values()) {
        if (m.state !== 'queued' || out.length - live.length >= room || present.has(runRecordKey(runId, m.externalId))) continue;
        // Sent by an upload beside since it was read (it notes the record before it lets go of it).
        if (m.attempts === 0 && deps.sent?.has(runId, m.externalId) === true) continue;
        // Checked and held with no await between: an upload beside sees it held, or this one sees it held there.
        if (mayWait && deps.inFlight?.has(runId, m.externalId) === true) {
          pending.push({ runId, externalId: m.externalId });
          continue;
        }
        holds.take(runId, m.externalId);
        present.add(runRecordKey(runId, m.externalId));
        (seen.get(runId) ?? (seen.set(runId, new Map()).get(runId) as Map<string, LedgerRecord>)).set(m.externalId, m);
        out.push({ message: { v: 1, runId, externalId: m.externalId, line: m.line, attempt: m.attempts + 1, op: m.payload }, along: true });
        frontier.push({ runId, id: m.externalId });
      }
    }
  }
  if (out.length > live.length) deps.logger.info('Managers not yet sent go ahead of their reports', { managers: out.length - live.length });
  const ordered = managersFirst(
    out.map((h) => {
      const m = managerOf(h.message.runId, h.message.externalId);
      return { h, externalId: heldKey(h), ...(m === undefined ? {} : { managerId: runRecordKey(h.message.runId, m) }) };
    }),
  ).map((x) => x.h);
  if (pending.length === 0) return { ordered, pending };
  // Taken along only once the request goes: until then an upload beside may send them.
  for (const h of out) if (h.along === true) holds.drop(h.message.runId, h.message.externalId);
  return { ordered: live, pending };
}

// Notes the managers read that went, or have nothing to send. A held or dead-lettered one never
// went, and approval or replay queues it again for its first send; one sent back after it went is
// the trade-off sent-records.ts names.
const GONE: ReadonlySet<RecordState> = new Set(['submitted', 'confirmed', 'disabled', 'skipped', 'unchanged']);
function noteGone(deps: UploadDeps, runId: string, found: ReadonlyMap<string, LedgerRecord>): void {
  deps.sent?.add(
    runId,
    [...found.values()].filter((r) => GONE.has(r.state)).map((r) => r.externalId),
  );
}

// Waits until no upload of this process holds the records, or `ms` at most.
async function untilFree(records: Array<{ runId: string; externalId: string }>, deps: UploadDeps, ms: number): Promise<void> {
  const waiting = deps.inFlight?.whenFree(records);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const nap = deps.sleep?.(ms) ?? new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  try {
    await (waiting === undefined ? nap : Promise.race([waiting.free, nap]));
  } finally {
    waiting?.cancel();
    clearTimeout(timer);
  }
}

function fit(live: Held[], options: UploadOptions): { sending: Held[]; released: Held[] } {
  const sending: Held[] = [];
  const released: Held[] = [];
  let bytes = 100;
  for (const h of live) {
    const size = Buffer.byteLength(h.message.op) + 1;
    if (sending.length < options.maxOperations && (sending.length === 0 || bytes + size <= options.maxBytes)) {
      sending.push(h);
      bytes += size;
    } else {
      released.push(h);
    }
  }
  return { sending, released };
}

async function settle(held: Held[], deps: UploadDeps): Promise<void> {
  // The trigger message (none taken) is deleted by the host when this invocation succeeds. The rest
  // go once all they carried is settled, at once: one at a time, 49 round trips made each
  // invocation hold its slot that much longer.
  const done: Taken[] = [];
  for (const h of held) {
    const t = h.from;
    if (t === undefined || t.gone) continue;
    t.open--;
    if (t.open <= 0) {
      t.gone = true;
      done.push(t);
    }
  }
  await allSettledOrThrow(done.map((t) => deps.queue.delete(t.received)));
}

// Messages still held go back untouched, visible at once. `all`: every one this invocation took
// (its own failure: a copy put back meanwhile makes a duplicate, which dropStale discards);
// otherwise only the messages of these operations.
async function releaseOpen(held: Held[], deps: UploadDeps, all: boolean): Promise<void> {
  const open = new Set<Taken>();
  for (const h of held) if (h.from !== undefined && !h.from.gone) open.add(h.from);
  for (const t of open) t.gone = true;
  const releases = [...open].map((t) => deps.queue.release(t.received));
  if (all) await Promise.allSettled(releases);
  else await Promise.all(releases);
}

// Each run counts the calls that carried its records. A count is not worth failing the upload over.
async function noteRequest(deps: UploadDeps, byRun: Map<string, string[]>, q: { requestId: string; at: string; status: string; calls?: number }): Promise<void> {
  try {
    await Promise.all([...byRun].map(([runId, ids]) => deps.ledger.noteRequest(runId, { ...q, operations: ids.length })));
  } catch (err) {
    deps.logger.warn('Could not record the request in the run', { requestId: q.requestId, error: err instanceof Error ? err.name : 'unknown' });
  }
}

function groupByRun(held: Held[]): Map<string, string[]> {
  return new Map([...groupBy(held, (h) => h.message.runId)].map(([runId, group]) => [runId, group.map((h) => h.message.externalId)]));
}
