// The pipeline's ledger on Azure Table storage (the PipelineLedger port). Four tables, named in
// tables.ts: runs (one entity per run), records (per run: one entity per record, keyed
// `R|<id>` in one of 16 partitions `<runId>~<hex>`; one per rejected-row problem, keyed
// `X|<line>|<hash>`, and one per bulkUpload call, keyed `Q|<requestId>`, in partition
// `<runId>`), people (one per externalId across runs: the record last confirmed, for delta,
// leavers and ownership) and checkpoints (reconcile's place in the provisioning logs, and each
// source's state). State changes are conditional on the entity's ETag and decided by
// lib/core/lifecycle, so two instances racing on one record change it once.
import type { TableClient, TableEntityResult, TransactionAction } from '@azure/data-tables';
import { odata } from '@azure/data-tables';
import { sha256Hex } from '../core/digest.js';
import { emptyCounts, nextState } from '../core/lifecycle.js';
import { allSettledInTurns, allSettledOrThrow } from '../core/settled.js';
import type { LifecycleEvent, LifecyclePolicy, Transition } from '../core/lifecycle.js';
import type {
  HeldThreshold,
  LedgerRecord,
  NewRecord,
  OutcomeTally,
  PersonRecord,
  PipelineLedger,
  RecordState,
  RecordSummary,
  RejectedRow,
  RunPlanSummary,
  RunRecord,
  RunRequest,
  SourceState,
  TransitionOptions,
  UnusableInput,
} from './types.js';
import { PEOPLE_PARTITIONS, clip, compareTimes, entityBytes, personBucket, recordKey, recordPartition, splitPayload } from './keys.js';
import { RECORD_VIEW, lifecycleView, recordEntity, some, str, toPerson, toRecord, toRequest, toRun, toSourceState } from './entities.js';
import type { Entity } from './entities.js';
import type { LedgerTableNames } from './tables.js';

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

export { recordKey } from './keys.js';
export type { PersonRecord } from './types.js';

const RUN_PARTITION = 'run';
const SOURCE_PARTITION = 'source';
/** A transaction holds at most 100 entities of one partition and 4 MiB. */
const TX_ENTITIES = 100;
const TX_BYTES = 3.5 * 1024 * 1024;
// Transactions one call has in flight. A reconcile pass wrote its ~1,600 confirmations and People
// entries as 30-odd transactions of up to 100 entities at once, and every upload's few small
// requests to the store queued behind them. In bench:pipeline, passes every 15 s instead of 5 (three
// times the writes at once) gave 80-84% of the ceiling against 86-90%; two at a time raised the
// worst of six runs from 76.4% to 85.1%.
const TRANSACTIONS_AT_ONCE = 2;
// Table storage takes at most 15 comparisons in a filter: the partition and 14 row keys.
const MAX_KEYS_PER_QUERY = 14;
/** The People properties delta and leavers read: everything but the payload. */
const PERSON_VIEW = ['externalId', 'lastConfirmedHash', 'lastConfirmedAt', 'lastRunId', 'managerId', 'active', 'source', 'alsoIn'];
/** Plan warnings kept on the run entity (a string property holds 32K characters). */
const MAX_PLAN_CHARS = 30_000;

/** Splits entities into transactions: one partition each, within the count and size limits. */
function transactions(entities: readonly Entity[]): Entity[][] {
  const byPartition = new Map<string, Entity[]>();
  for (const e of entities) {
    const list = byPartition.get(e.partitionKey);
    if (list === undefined) byPartition.set(e.partitionKey, [e]);
    else list.push(e);
  }
  return [...byPartition.values()].flatMap(chunked);
}

function chunked(entities: readonly Entity[]): Entity[][] {
  const out: Entity[][] = [];
  let current: Entity[] = [];
  let bytes = 0;
  for (const e of entities) {
    const size = entityBytes(e);
    if (current.length > 0 && (current.length === TX_ENTITIES || bytes + size > TX_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(e);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

function status(err: unknown): number | undefined {
  const s = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

// A run's records still on their way. Reconcile reads these each pass, not the whole run: on a
// night of 20,000, the pages it reads shrink as records are confirmed instead of staying at 20.
function openFilter(runId: string): string {
  return `${recordsOf(runId)} and (state eq 'queued' or state eq 'submitted')`;
}

// A run's records (in `state`, if given): its partitions `<runId>~<hex>` lie between `<runId>~` and `<runId>~~`.
function recordsOf(runId: string, state?: RecordState): string {
  const run = odata`PartitionKey gt ${`${runId}~`} and PartitionKey lt ${`${runId}~~`}`;
  return state === undefined ? run : `${run} and ${odata`state eq ${state}`}`;
}

// A person as People keeps them after a confirmation at `at`.
function personEntity(r: LedgerRecord, at: string): Entity {
  let active: boolean | undefined;
  try {
    const op = JSON.parse(r.payload) as { data?: { active?: unknown } };
    if (typeof op.data?.active === 'boolean') active = op.data.active;
  } catch {
    active = undefined;
  }
  return {
    partitionKey: personBucket(r.externalId),
    rowKey: recordKey(r.externalId),
    externalId: r.externalId,
    lastConfirmedHash: r.payloadHash,
    lastConfirmedAt: at,
    lastRunId: r.runId,
    // Merge keeps a stale manager or flag otherwise, so clear them explicitly.
    managerId: r.managerId ?? '',
    source: r.source ?? 'default',
    ...(active === undefined ? {} : { active }),
    // The complete record, so a leaver can be disabled with it.
    ...splitPayload(r.payload),
  };
}

// The properties a transition writes on the record.
function transitionUpdate(t: Transition): Record<string, unknown> {
  const out: Record<string, unknown> = { state: t.to, attempts: t.attempts, refusals: t.refusals };
  if (t.lastRequestId !== undefined) out['lastRequestId'] = t.lastRequestId;
  if (t.lastSubmittedAt !== undefined) out['lastSubmittedAt'] = iso(t.lastSubmittedAt);
  if (t.lastOutcomeAt !== undefined) out['lastOutcomeAt'] = iso(t.lastOutcomeAt);
  if (t.action !== undefined) out['lastAction'] = t.action;
  if (t.errorCode !== undefined) out['lastErrorCode'] = t.errorCode;
  if (t.reason !== undefined) out['lastReason'] = clip(t.reason);
  // Every move clears the message flag: the next message is the caller's to send and mark.
  out['enqueued'] = false;
  out['waitingFor'] = t.waitFor ?? '';
  // Sent without its manager from now on: what People learn on confirmation is what was sent.
  if (t.payload !== undefined) Object.assign(out, splitPayload(t.payload));
  if (t.payloadHash !== undefined) out['payloadHash'] = t.payloadHash;
  if (t.withoutManager !== undefined) out['withoutManager'] = t.withoutManager;
  return out;
}

// The moves that end a record with its person written to People: confirmed, disabled, skipped.
function remembersPerson(t: Transition): boolean {
  return t.to === 'confirmed' || t.to === 'disabled' || t.to === 'skipped';
}

// A record that ends with its person remembered (confirmed, disabled, skipped) keeps its outcome
// but not its payload. People holds the complete record the next run compares with and a leaver is
// disabled from; a second copy of every changed worker's HR attributes per night, kept as long as
// the run's records, is personal data nothing reads again (only open records are sent, and a
// dead-lettered one, replayed, keeps its own). Merge cannot remove a property: each part the
// entity has goes blank, and none are counted. It also keeps the ledger small: in Azurite's file
// store, every save writes the whole database.
function payloadDropped(t: Transition, e: Entity): Record<string, unknown> {
  if (!remembersPerson(t)) return {};
  const parts = typeof e['payloadParts'] === 'number' ? e['payloadParts'] : 1;
  const out: Record<string, unknown> = { payloadParts: 0 };
  for (let i = 0; i < parts; i++) out[`payload${i}`] = '';
  return out;
}

/** The plan as a run property, its warnings cut to fit one string property. */
function planProperty(plan: RunPlanSummary): string {
  let text = JSON.stringify(plan);
  const warnings = [...plan.warnings];
  while (text.length > MAX_PLAN_CHARS && warnings.length > 0) {
    warnings.splice(Math.floor(warnings.length / 2));
    text = JSON.stringify({ ...plan, warnings });
  }
  return text;
}

/** The ledger over the four tables; `table(name)` gives a TableClient (see lib/storage). */
export class RunLedger implements PipelineLedger {
  private readonly ready = new Map<string, Promise<unknown>>();
  private readonly clients = new Map<string, TableClient>();

  constructor(
    private readonly names: LedgerTableNames,
    private readonly table: (name: string) => TableClient,
  ) {}

  private async client(name: string): Promise<TableClient> {
    // One client per table: building one parses the connection and assembles its HTTP pipeline,
    // which profiling showed as ~5% of the functions' CPU when done for every call.
    let client = this.clients.get(name);
    if (client === undefined) {
      client = this.table(name);
      this.clients.set(name, client);
    }
    let created = this.ready.get(name);
    if (created === undefined) {
      created = client.createTable().catch((err: unknown) => {
        if (status(err) !== 409) throw err;
      });
      this.ready.set(name, created);
    }
    await created;
    return client;
  }

  private runs(): Promise<TableClient> {
    return this.client(this.names.runs);
  }
  private recs(): Promise<TableClient> {
    return this.client(this.names.records);
  }

  private async getEntity(client: TableClient, pk: string, rk: string): Promise<TableEntityResult<Entity> | undefined> {
    try {
      return await client.getEntity<Entity>(pk, rk);
    } catch (err) {
      if (status(err) === 404) return undefined;
      throw err;
    }
  }

  /** Applies `change` to one entity under its ETag, re-reading after a conflict; false when `change` declines. */
  private async change(
    client: TableClient,
    pk: string,
    rk: string,
    change: (e: Entity) => Record<string, unknown> | undefined,
    known?: Entity & { etag: string },
  ): Promise<boolean> {
    for (let attempt = 0; attempt < 5; attempt++) {
      // A version the caller already read saves the first read; a stale one costs a 412 and a read.
      const current = attempt === 0 && known !== undefined && known.etag !== '' ? known : await this.getEntity(client, pk, rk);
      if (current === undefined) return false;
      const update = change(current);
      if (update === undefined) return false;
      try {
        await client.updateEntity({ partitionKey: pk, rowKey: rk, ...update }, 'Merge', { etag: current.etag });
        return true;
      } catch (err) {
        if (status(err) !== 412) throw err;
      }
    }
    throw new Error(`ledger entity ${pk}/${rk} kept changing under us; try again`);
  }

  /** `change` on one record's entity, starting from `seen` when it is that record as read (its version saves the read). */
  private async changeRecord(runId: string, externalId: string, change: (e: Entity) => Record<string, unknown> | undefined, seen?: LedgerRecord): Promise<boolean> {
    const known = seen?.runId === runId && seen.externalId === externalId ? recordEntity(seen) : undefined;
    return this.change(await this.recs(), recordPartition(runId, externalId), recordKey(externalId), change, known);
  }

  async beginRun(run: { runId: string; file: string; etag: string; startedAt: string; source: string; kind: 'full' | 'changes'; mode?: 'sync' }): Promise<RunRecord> {
    const runs = await this.runs();
    try {
      await runs.createEntity({
        partitionKey: RUN_PARTITION,
        rowKey: run.runId,
        file: run.file,
        blobEtag: run.etag,
        state: 'ingesting',
        startedAt: run.startedAt,
        source: run.source,
        kind: run.kind,
        ...(run.mode === undefined ? {} : { mode: run.mode }),
      });
    } catch (err) {
      if (status(err) !== 409) throw err;
    }
    const e = await this.getEntity(runs, RUN_PARTITION, run.runId);
    if (e === undefined) throw new Error(`run ${run.runId} vanished after it was created`);
    return toRun(e);
  }

  async addRecords(runId: string, records: readonly NewRecord[], options: { sending?: boolean; versions?: Map<string, string> } = {}): Promise<string[]> {
    if (records.length === 0) return [];
    const recs = await this.recs();
    const sending = options.sending === true;
    const sendable = (r: NewRecord): boolean => (r.state ?? 'queued') === 'queued';
    const entity = (r: NewRecord): Entity => ({
      partitionKey: recordPartition(runId, r.externalId),
      rowKey: recordKey(r.externalId),
      externalId: r.externalId,
      line: r.line,
      state: r.state ?? 'queued',
      attempts: 0,
      // Marked at once when the caller sends its message right after: a second write of every record
      // (markEnqueued) was a fifth of the table service's work while ingest ran (bench:pipeline).
      enqueued: sending && sendable(r),
      payloadHash: r.payloadHash,
      ...(r.managerId === undefined ? {} : { managerId: r.managerId }),
      ...splitPayload(r.payload),
      ...(r.intent === undefined ? {} : { intent: r.intent }),
      ...(r.note === undefined ? {} : { note: clip(r.note) }),
      ...(r.source === undefined ? {} : { source: r.source }),
      ...(r.seenUpTo === undefined ? {} : { lastOutcomeAt: r.seenUpTo }),
      ...(r.withoutManager === undefined ? {} : { withoutManager: r.withoutManager }),
    });
    const seen = new Set<string>();
    for (const r of records) {
      // Two operations on one entity in a transaction fail it as a whole with a 400; say why instead.
      if (seen.has(r.externalId)) throw new RangeError(`externalId ${JSON.stringify(r.externalId)} appears twice in one addRecords call`);
      seen.add(r.externalId);
    }
    const byKey = new Map(records.map((r) => [recordKey(r.externalId), r]));
    const need: string[] = [];
    // Partitions are independent: their transactions go at once.
    await allSettledOrThrow(
      transactions(records.map(entity)).map(async (chunk) => {
        try {
          // The common case: none exists yet, one transaction for the lot.
          const done = await recs.submitTransaction(chunk.map((e): TransactionAction => ['create', e]));
          for (const e of chunk) if (sendable(byKey.get(e.rowKey) as NewRecord)) need.push(e['externalId'] as string);
          if (options.versions !== undefined) for (const [id, etag] of createdVersions(done.subResponses, byKey)) options.versions.set(id, etag);
        } catch (err) {
          if (status(err) !== 409) throw err;
          // A retry after a crash: keep what exists (it may have moved on), create the rest.
          for (const e of chunk) {
            const r = byKey.get(e.rowKey) as NewRecord;
            try {
              const created = await recs.createEntity(e);
              if (sendable(r)) need.push(r.externalId);
              if (created.etag !== undefined) options.versions?.set(r.externalId, created.etag);
            } catch (createErr) {
              if (status(createErr) !== 409) throw createErr;
              const existing = await this.getEntity(recs, e.partitionKey, e.rowKey);
              // A retried ingest cannot tell whether a first attempt's message went before the crash: it
              // sends it again, and upload drops whichever copy comes second as stale.
              if (existing !== undefined && existing['state'] === 'queued' && (sending ? existing['attempts'] === 0 : existing['enqueued'] !== true)) need.push(r.externalId);
            }
          }
        }
      }),
    );
    // In the order given (ingest sends disables first, then managers first).
    const order = new Map(records.map((r, i) => [r.externalId, i]));
    need.sort((a, b) => (order.get(a) as number) - (order.get(b) as number));
    return need;
  }

  async markEnqueued(runId: string, externalIds: readonly string[]): Promise<void> {
    const recs = await this.recs();
    const entities = externalIds.map((id): Entity => ({ partitionKey: recordPartition(runId, id), rowKey: recordKey(id), enqueued: true, waitingFor: '' }));
    await allSettledOrThrow(transactions(entities).map((chunk) => recs.submitTransaction(chunk.map((e): TransactionAction => ['update', e, 'Merge']))));
  }

  async addRejected(runId: string, rows: readonly RejectedRow[]): Promise<void> {
    const recs = await this.recs();
    // Keyed by content, so writing the same problem twice (a retried ingest) stores it once.
    const byKey = new Map<string, Entity>();
    for (const row of rows) {
      const hash = sha256Hex(JSON.stringify([row.rule, row.attribute ?? '', row.column ?? '', row.externalId ?? '', row.message])).slice(0, 16);
      const rowKey = `X|${String(row.line ?? 0).padStart(10, '0')}|${hash}`;
      byKey.set(rowKey, {
        partitionKey: runId,
        rowKey,
        rule: row.rule,
        message: clip(row.message),
        ...(row.line === undefined ? {} : { line: row.line }),
        ...(row.externalId === undefined ? {} : { externalId: row.externalId }),
        ...(row.column === undefined ? {} : { column: row.column }),
        ...(row.attribute === undefined ? {} : { attribute: row.attribute }),
      });
    }
    for (const chunk of transactions([...byKey.values()])) {
      await recs.submitTransaction(chunk.map((e): TransactionAction => ['upsert', e, 'Replace']));
    }
  }

  async *listRejected(runId: string): AsyncIterable<RejectedRow> {
    const recs = await this.recs();
    for await (const e of recs.listEntities<Entity>({ queryOptions: { filter: odata`PartitionKey eq ${runId} and RowKey ge 'X|' and RowKey lt 'X}'` } })) {
      yield {
        rule: str(e, 'rule') ?? '',
        message: str(e, 'message') ?? '',
        ...(typeof e['line'] === 'number' ? { line: e['line'] } : {}),
        ...(str(e, 'externalId') === undefined ? {} : { externalId: str(e, 'externalId') as string }),
        ...(str(e, 'column') === undefined ? {} : { column: str(e, 'column') as string }),
        ...(str(e, 'attribute') === undefined ? {} : { attribute: str(e, 'attribute') as string }),
      };
    }
  }

  async finishIngest(
    runId: string,
    c: { rows: number; valid: number; rejected: number; at: string; plan?: RunPlanSummary; held?: HeldThreshold[]; unusable?: UnusableInput },
  ): Promise<void> {
    const held = c.held !== undefined && c.held.length > 0;
    await this.change(await this.runs(), RUN_PARTITION, runId, (e) =>
      e['state'] === 'ingesting'
        ? {
            state: c.unusable !== undefined ? 'unusable' : held ? 'held' : 'ingested',
            rows: c.rows,
            valid: c.valid,
            rejected: c.rejected,
            ingestedAt: c.at,
            ...(c.plan === undefined ? {} : { plan: planProperty(c.plan) }),
            ...(held ? { held: JSON.stringify(c.held) } : {}),
            ...(c.unusable === undefined ? {} : { unusable: JSON.stringify({ rule: c.unusable.rule, message: clip(c.unusable.message, 4000) }), endedAt: c.at }),
          }
        : undefined,
    );
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const e = await this.getEntity(await this.runs(), RUN_PARTITION, runId);
    return e === undefined ? undefined : toRun(e);
  }

  async getRecords(runId: string, externalIds: readonly string[]): Promise<Map<string, LedgerRecord>> {
    const recs = await this.recs();
    const out = new Map<string, LedgerRecord>();
    const byPartition = new Map<string, string[]>();
    for (const id of new Set(externalIds)) {
      const pk = recordPartition(runId, id);
      byPartition.set(pk, [...(byPartition.get(pk) ?? []), id]);
    }
    // A request's 50 records fall in ~16 partitions: one query per partition (per 14 records, as a
    // filter holds at most 15 comparisons) rather than a read per record — a third of the
    // operations, each billed and served as one.
    const reads: Array<Promise<void>> = [];
    for (const [pk, ids] of byPartition) {
      for (let i = 0; i < ids.length; i += MAX_KEYS_PER_QUERY) {
        const chunk = ids.slice(i, i + MAX_KEYS_PER_QUERY);
        reads.push(
          (async () => {
            if (chunk.length === 1) {
              const e = await this.getEntity(recs, pk, recordKey(chunk[0] as string));
              if (e !== undefined) out.set(chunk[0] as string, toRecord(e));
              return;
            }
            const filter = `${odata`PartitionKey eq ${pk}`} and (${chunk.map((id) => odata`RowKey eq ${recordKey(id)}`).join(' or ')})`;
            for await (const e of recs.listEntities<Entity>({ queryOptions: { filter } })) {
              const r = toRecord(e);
              out.set(r.externalId, r);
            }
          })(),
        );
      }
    }
    await Promise.all(reads);
    return out;
  }

  partitionOf(runId: string, externalId: string): string {
    return recordPartition(runId, externalId);
  }

  async markSubmitted(runId: string, externalIds: readonly string[], at: { requestId: string; at: string }, seen?: ReadonlyMap<string, LedgerRecord>): Promise<void> {
    const event: LifecycleEvent = { type: 'submitted', requestId: at.requestId, at: Date.parse(at.at) };
    // Records as upload read them go together, a transaction per partition on the versions read;
    // any not read go alone.
    const items: Array<{ seen: LedgerRecord; event: LifecycleEvent }> = [];
    const alone: string[] = [];
    for (const id of externalIds) {
      const r = seen?.get(id);
      if (r === undefined) alone.push(id);
      else items.push({ seen: r, event });
    }
    await allSettledOrThrow([this.transitionAll(runId, items), ...alone.map((id) => this.transition(runId, id, event))]);
  }

  async noteFailure(runId: string, externalIds: readonly string[], f: { errorCode: string; reason: string }): Promise<void> {
    await allSettledOrThrow(externalIds.map((id) => this.changeRecord(runId, id, () => ({ lastErrorCode: f.errorCode, lastReason: clip(f.reason) }))));
  }

  async transition(runId: string, externalId: string, event: LifecycleEvent, options: TransitionOptions = {}): Promise<Transition | undefined> {
    let applied: Transition | undefined;
    let record: LedgerRecord | undefined;
    const changed = await this.changeRecord(
      runId,
      externalId,
      (e) => {
        const t = nextState(lifecycleView(e), event, options.policy);
        applied = t;
        if (t === undefined) return undefined;
        record = toRecord(e);
        return { ...transitionUpdate(t), ...payloadDropped(t, e) };
      },
      options.seen,
    );
    if (!changed || applied === undefined || record === undefined) return undefined;
    const t: Transition = applied;
    if (remembersPerson(t)) await this.rememberPerson(record, iso(t.lastOutcomeAt) ?? new Date().toISOString());
    return t;
  }

  async transitionAll(runId: string, items: ReadonlyArray<{ seen: LedgerRecord; event: LifecycleEvent }>, policy?: LifecyclePolicy): Promise<Map<string, Transition | undefined>> {
    const out = new Map<string, Transition | undefined>();
    const alone: Array<{ seen: LedgerRecord; event: LifecycleEvent }> = [];
    const planned = new Map<string, { seen: LedgerRecord; event: LifecycleEvent; t: Transition }>();
    const updates: Entity[] = [];
    const etags = new Map<string, string>();
    for (const item of items) {
      const known = recordEntity(item.seen);
      if (known.etag === '' || item.seen.runId !== runId) {
        alone.push(item);
        continue;
      }
      const t = nextState(lifecycleView(known), item.event, policy);
      // As transition() does with a version it was handed: a move that does not apply to it is declined, unread.
      if (t === undefined) {
        out.set(item.seen.externalId, undefined);
        continue;
      }
      const key = `${known.partitionKey}\u0000${known.rowKey}`;
      planned.set(key, { ...item, t });
      etags.set(key, known.etag);
      updates.push({ partitionKey: known.partitionKey, rowKey: known.rowKey, ...transitionUpdate(t), ...payloadDropped(t, known) });
    }
    const one = async (item: { seen: LedgerRecord; event: LifecycleEvent }): Promise<void> => {
      out.set(item.seen.externalId, await this.transition(runId, item.seen.externalId, item.event, { seen: item.seen, ...(policy === undefined ? {} : { policy }) }));
    };
    const recs = await this.recs();
    const remembered: Array<{ record: LedgerRecord; at: string }> = [];
    await allSettledOrThrow([
      ...alone.map(one),
      allSettledInTurns(transactions(updates), TRANSACTIONS_AT_ONCE, async (chunk) => {
        const mine = chunk.map((e) => planned.get(`${e.partitionKey}\u0000${e.rowKey}`) as { seen: LedgerRecord; event: LifecycleEvent; t: Transition });
        try {
          await recs.submitTransaction(chunk.map((e): TransactionAction => ['update', e, 'Merge', { etag: etags.get(`${e.partitionKey}\u0000${e.rowKey}`) as string }]));
        } catch (err) {
          const code = status(err);
          if (code !== 412 && code !== 404) throw err;
          // One of them moved meanwhile: the transaction changed nothing; each goes alone, re-read.
          await allSettledOrThrow(mine.map(one));
          return;
        }
        for (const { seen, t } of mine) {
          out.set(seen.externalId, t);
          if (remembersPerson(t)) remembered.push({ record: seen, at: iso(t.lastOutcomeAt) ?? new Date().toISOString() });
        }
      }),
    ]);
    await this.rememberPeople(remembered);
    return out;
  }

  // People for many confirmations: first nights create them, one transaction per People partition;
  // a partition where someone exists already goes one person at a time (the later confirmation wins).
  private async rememberPeople(list: ReadonlyArray<{ record: LedgerRecord; at: string }>): Promise<void> {
    if (list.length === 0) return;
    const people = await this.client(this.names.people);
    const byKey = new Map<string, { record: LedgerRecord; at: string }>();
    const entities: Entity[] = [];
    // People already known (an update, a disable, a resend) are changed one by one, the later confirmation winning.
    const known = new Set(list.filter((x) => x.record.intent !== undefined && x.record.intent !== 'create'));
    for (const x of list) {
      if (known.has(x)) continue;
      const e = personEntity(x.record, x.at);
      const key = `${e.partitionKey}\u0000${e.rowKey}`;
      // One person twice in one pass (two runs): the later confirmation alone, after the rest.
      if (byKey.has(key)) continue;
      byKey.set(key, x);
      entities.push(e);
    }
    const twice = list.filter((x) => !known.has(x) && byKey.get(`${personBucket(x.record.externalId)}\u0000${recordKey(x.record.externalId)}`) !== x);
    await allSettledInTurns(transactions(entities), TRANSACTIONS_AT_ONCE, async (chunk) => {
      if (chunk.length === 1) {
        const x = byKey.get(`${chunk[0]?.partitionKey}\u0000${chunk[0]?.rowKey}`) as { record: LedgerRecord; at: string };
        await this.rememberPerson(x.record, x.at);
        return;
      }
      try {
        await people.submitTransaction(chunk.map((e): TransactionAction => ['create', e]));
      } catch (err) {
        if (status(err) !== 409) throw err;
        for (const e of chunk) {
          const x = byKey.get(`${e.partitionKey}\u0000${e.rowKey}`) as { record: LedgerRecord; at: string };
          await this.rememberPerson(x.record, x.at);
        }
      }
    });
    await allSettledOrThrow([...known].map((x) => this.rememberPerson(x.record, x.at)));
    for (const x of twice) await this.rememberPerson(x.record, x.at);
  }

  // What the directory now holds for this person, for delta runs, leavers and manager order.
  // Confirmations can arrive out of order across runs, so only a later one replaces an earlier one.
  private async rememberPerson(r: LedgerRecord, at: string): Promise<void> {
    const people = await this.client(this.names.people);
    const entity = personEntity(r, at);
    const { partitionKey: pk, rowKey: rk } = entity;
    try {
      await people.createEntity(entity);
      return;
    } catch (err) {
      if (status(err) !== 409) throw err;
    }
    await this.change(people, pk, rk, (e) => {
      if (compareTimes(str(e, 'lastConfirmedAt') ?? '', at) > 0) return undefined;
      // The owner confirming the person ends any claim the other source had left on them only when it is that source.
      return str(e, 'alsoIn') === (r.source ?? 'default') ? { ...entity, alsoIn: '' } : entity;
    });
  }

  async getPerson(externalId: string, options: { payload?: boolean } = {}): Promise<PersonRecord | undefined> {
    const e = await this.getEntity(await this.client(this.names.people), personBucket(externalId), recordKey(externalId));
    return e === undefined ? undefined : toPerson(e, options.payload === true);
  }

  async *listPeople(): AsyncIterable<PersonRecord> {
    const people = await this.client(this.names.people);
    const filter = odata`PartitionKey ge ${PEOPLE_PARTITIONS.from} and PartitionKey le ${PEOPLE_PARTITIONS.to}`;
    for await (const e of people.listEntities<Entity>({ queryOptions: { filter, select: PERSON_VIEW } })) yield toPerson(e);
  }

  async markAlsoIn(externalId: string, source: string | undefined): Promise<void> {
    const people = await this.client(this.names.people);
    await this.change(people, personBucket(externalId), recordKey(externalId), (e) => ((str(e, 'alsoIn') ?? '') === (source ?? '') ? undefined : { alsoIn: source ?? '' }));
  }

  async handOver(externalId: string, to: string): Promise<void> {
    const people = await this.client(this.names.people);
    // No hash: the new owner's next run sends its own record, so People learns it from a confirmation.
    await this.change(people, personBucket(externalId), recordKey(externalId), () => ({ source: to, alsoIn: '', lastConfirmedHash: '' }));
  }

  async noteRequest(runId: string, request: RunRequest): Promise<void> {
    const recs = await this.recs();
    await recs.upsertEntity(
      {
        partitionKey: runId,
        rowKey: `Q|${request.requestId}`,
        requestId: request.requestId,
        at: request.at,
        operations: request.operations,
        status: clip(request.status, 1000),
        ...(request.calls === undefined ? {} : { calls: request.calls }),
      },
      'Replace',
    );
  }

  async *listRequests(runId: string): AsyncIterable<RunRequest> {
    const recs = await this.recs();
    for await (const e of recs.listEntities<Entity>({ queryOptions: { filter: odata`PartitionKey eq ${runId} and RowKey ge 'Q|' and RowKey lt 'Q}'` } })) yield toRequest(e);
  }

  async listOpenRuns(): Promise<RunRecord[]> {
    const runs = await this.runs();
    const out: RunRecord[] = [];
    const filter = odata`PartitionKey eq ${RUN_PARTITION} and (state eq 'ingesting' or state eq 'ingested')`;
    for await (const e of runs.listEntities<Entity>({ queryOptions: { filter } })) {
      const run = toRun(e);
      if (run.mode !== 'sync') out.push(run);
    }
    return out;
  }

  /** Every run, newest first (run ids start with their date). */
  async listRuns(): Promise<RunRecord[]> {
    const runs = await this.runs();
    const out: RunRecord[] = [];
    for await (const e of runs.listEntities<Entity>({ queryOptions: { filter: odata`PartitionKey eq ${RUN_PARTITION}` } })) out.push(toRun(e));
    return out.sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.runId.localeCompare(a.runId));
  }

  async *listRecords(runId: string, state?: RecordState): AsyncIterable<LedgerRecord> {
    const recs = await this.recs();
    const filter = recordsOf(runId, state);
    for await (const e of recs.listEntities<Entity>({ queryOptions: { filter } })) yield toRecord(e);
  }

  async *listRecordSummaries(runId: string, state?: RecordState): AsyncIterable<RecordSummary> {
    const recs = await this.recs();
    const filter = recordsOf(runId, state);
    const select = [
      'PartitionKey',
      'RowKey',
      'externalId',
      'line',
      'state',
      'attempts',
      'intent',
      'note',
      'lastAction',
      'lastErrorCode',
      'lastReason',
      'withoutManager',
      'waitingFor',
    ];
    for await (const e of recs.listEntities<Entity>({ queryOptions: { filter, select } })) yield toRecord(e);
  }

  async *listOpenRecords(runId: string): AsyncIterable<LedgerRecord> {
    const recs = await this.recs();
    // Queued records without their payload: while a run is sent, most of it is queued, and every
    // pass listed all of it, payloads and all, to use none of them. Without a version, a change
    // handed one reads it again before it writes. Queued first: upload moves records from queued
    // to submitted while the two are listed, so one it moves in between is in the second list;
    // listed submitted first, it would be in neither, and its log entry would be read for no one.
    const queued = new Map<string, LedgerRecord>();
    for await (const e of recs.listEntities<Entity>({ queryOptions: { filter: recordsOf(runId, 'queued'), select: [...RECORD_VIEW] } })) {
      const r = toRecord(e);
      delete r.version;
      queued.set(r.externalId, r);
    }
    for await (const e of recs.listEntities<Entity>({ queryOptions: { filter: recordsOf(runId, 'submitted') } })) {
      const r = toRecord(e);
      queued.delete(r.externalId);
      yield r;
    }
    yield* queued.values();
  }

  async countOpen(runId: string): Promise<{ queued: number; submitted: number }> {
    const recs = await this.recs();
    const out = { queued: 0, submitted: 0 };
    for await (const e of recs.listEntities<Entity>({ queryOptions: { filter: openFilter(runId), select: ['state'] } })) {
      const s = str(e, 'state');
      if (s === 'queued' || s === 'submitted') out[s]++;
    }
    return out;
  }

  async countByState(runId: string): Promise<Record<RecordState, number>> {
    const counts = emptyCounts();
    const recs = await this.recs();
    const filter = recordsOf(runId);
    for await (const e of recs.listEntities<Entity>({ queryOptions: { filter, select: ['state'] } })) {
      const s = str(e, 'state') as RecordState | undefined;
      if (s !== undefined && s in counts) counts[s]++;
    }
    return counts;
  }

  async completeRun(runId: string, at: string): Promise<boolean> {
    return this.change(await this.runs(), RUN_PARTITION, runId, (e) => (e['state'] === 'ingested' ? { state: 'complete', endedAt: at } : undefined));
  }

  async decideHeld(runId: string, decision: { kind: 'approved' | 'discarded' | 'superseded'; at: string; by?: string }): Promise<boolean> {
    return this.change(await this.runs(), RUN_PARTITION, runId, (e) =>
      e['state'] === 'held'
        ? {
            state: decision.kind === 'approved' ? 'ingested' : decision.kind,
            decision: JSON.stringify(decision),
            ...(decision.kind === 'approved' ? { stoppedAt: '' } : { endedAt: decision.at }),
          }
        : undefined,
    );
  }

  async addOutcomes(runId: string, add: OutcomeTally): Promise<OutcomeTally | undefined> {
    let after: OutcomeTally | undefined;
    await this.change(await this.runs(), RUN_PARTITION, runId, (e) => {
      after = { outcomes: num(e['outcomes']) + add.outcomes, failures: num(e['failures']) + add.failures };
      return { ...after };
    });
    return after;
  }

  async stopRun(runId: string, threshold: HeldThreshold, at: string): Promise<boolean> {
    return this.change(await this.runs(), RUN_PARTITION, runId, (e) => {
      const run = toRun(e);
      if (run.state !== 'ingested' || run.stoppedAt !== undefined) return undefined;
      const held = [...(run.held ?? []).filter((h) => h.threshold !== threshold.threshold), threshold];
      // A decision about an earlier hold (the guard at ingest) does not cover this one.
      return { held: JSON.stringify(held), stoppedAt: at, decision: '' };
    });
  }

  async holdStoppedRun(runId: string): Promise<boolean> {
    return this.change(await this.runs(), RUN_PARTITION, runId, (e) => (e['state'] === 'ingested' && some(e, 'stoppedAt') !== undefined ? { state: 'held' } : undefined));
  }

  async reopenRun(runId: string): Promise<void> {
    await this.change(await this.runs(), RUN_PARTITION, runId, (e) => (e['state'] === 'complete' ? { state: 'ingested' } : undefined));
  }

  async getCheckpoint(): Promise<string | undefined> {
    const e = await this.getEntity(await this.client(this.names.checkpoints), 'reconcile', 'logs');
    return e === undefined ? undefined : str(e, 'at');
  }

  async setCheckpoint(at: string): Promise<void> {
    const table = await this.client(this.names.checkpoints);
    try {
      await table.createEntity({ partitionKey: 'reconcile', rowKey: 'logs', at });
      return;
    } catch (err) {
      if (status(err) !== 409) throw err;
    }
    // Only forward: two reconcilers racing never move it back.
    await this.change(table, 'reconcile', 'logs', (e) => (compareTimes(str(e, 'at') ?? '', at) < 0 ? { at } : undefined));
  }

  /**
   * The API gate's row (daily budget window, job state, upload pause) in checkpoints, `api|gate`:
   * read with its ETag, written only over the version read, so racing instances never both spend
   * the last call.
   */
  gateStore(): { read(): Promise<{ row?: Record<string, unknown>; etag?: string }>; write(row: Record<string, unknown>, etag: string | undefined): Promise<boolean> } {
    const PK = 'api';
    const RK = 'gate';
    return {
      read: async () => {
        const e = await this.getEntity(await this.client(this.names.checkpoints), PK, RK);
        return e === undefined ? {} : { row: e as Record<string, unknown>, etag: e.etag };
      },
      write: async (row, etag) => {
        const table = await this.client(this.names.checkpoints);
        try {
          // Replace, so a property the row no longer has (a lifted pause) goes too.
          if (etag === undefined) await table.createEntity({ partitionKey: PK, rowKey: RK, ...row });
          else await table.updateEntity({ partitionKey: PK, rowKey: RK, ...row }, 'Replace', { etag });
          return true;
        } catch (err) {
          if (status(err) === 409 || status(err) === 412) return false;
          throw err;
        }
      },
    };
  }

  async getSourceState(source: string): Promise<SourceState | undefined> {
    const e = await this.getEntity(await this.client(this.names.checkpoints), SOURCE_PARTITION, source);
    return e === undefined ? undefined : toSourceState(e);
  }

  async setSourceState(source: string, patch: Partial<Omit<SourceState, 'source'>>, onlyIf?: Partial<Omit<SourceState, 'source'>>): Promise<void> {
    const table = await this.client(this.names.checkpoints);
    const values = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    if (onlyIf === undefined) {
      await table.upsertEntity({ partitionKey: SOURCE_PARTITION, rowKey: source, ...values }, 'Merge');
      return;
    }
    await this.change(table, SOURCE_PARTITION, source, (e) => {
      const state = toSourceState(e);
      return Object.entries(onlyIf).every(([k, v]) => state[k as keyof SourceState] === v) ? values : undefined;
    });
  }
}

// The version each created record got, by externalId. A sub-response names its entity by the row
// key as it appears in the response's Location (percent-encoded: 'R|' comes back 'R%7C'); one that
// cannot be matched gives no version, and its reader reads the record instead.
function createdVersions(responses: ReadonlyArray<{ rowKey?: string; etag?: string }>, byKey: ReadonlyMap<string, NewRecord>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const r of responses) {
    if (r.rowKey === undefined || r.etag === undefined) continue;
    let key: string;
    try {
      key = decodeURIComponent(r.rowKey);
    } catch {
      continue;
    }
    const record = byKey.get(key);
    if (record !== undefined) out.push([record.externalId, r.etag]);
  }
  return out;
}
