// The pipeline's ledger on Azure Table storage (the PipelineLedger port). Four tables, named in
// tables.ts: runs (one entity per run), records (per run: one entity per record, keyed
// `R|<id>` in one of 16 partitions `<runId>~<hex>`, and one per rejected-row problem, keyed
// `X|<line>|<hash>` in partition `<runId>`), people (one per
// externalId across runs: what was last confirmed — for skipping unchanged records, finding
// leavers and ordering managers first in later steps) and checkpoints (reconcile's place in
// the provisioning logs). State changes are conditional on the entity's ETag, so two
// instances racing on one record change it once.
import { createHash } from 'node:crypto';
import type { TableClient, TableEntityResult, TransactionAction } from '@azure/data-tables';
import { odata } from '@azure/data-tables';
import type {
  LedgerRecord, NewRecord, PipelineLedger, RecordState, RejectedRow, RunRecord, RunState,
} from './types.js';
import { clip, compareTimes, entityBytes, joinPayload, personBucket, recordKey, recordPartition, runOfPartition, splitPayload } from './keys.js';
import type { LedgerTableNames } from './tables.js';

export { recordKey } from './keys.js';

const RUN_PARTITION = 'run';
/** A transaction holds at most 100 entities of one partition and 4 MiB. */
const TX_ENTITIES = 100;
const TX_BYTES = 3.5 * 1024 * 1024;

type Entity = Record<string, unknown> & { partitionKey: string; rowKey: string };

/** What the ledger remembers of one person across runs (the People table). */
export interface PersonRecord {
  externalId: string;
  lastConfirmedHash: string;
  lastConfirmedAt: string;
  lastRunId: string;
  managerId?: string;
  active?: boolean;
}

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

function str(e: Entity, key: string): string | undefined {
  const v = e[key];
  return typeof v === 'string' ? v : undefined;
}

function toRecord(e: Entity): LedgerRecord {
  const optional = (key: keyof LedgerRecord): Partial<LedgerRecord> => {
    const v = str(e, key);
    return v === undefined ? {} : { [key]: v };
  };
  return {
    runId: runOfPartition(e.partitionKey),
    externalId: str(e, 'externalId') ?? '',
    line: Number(e['line'] ?? 0),
    state: (str(e, 'state') ?? 'queued') as RecordState,
    attempts: Number(e['attempts'] ?? 0),
    payload: joinPayload(e),
    payloadHash: str(e, 'payloadHash') ?? '',
    enqueued: e['enqueued'] === true,
    ...optional('managerId'), ...optional('lastRequestId'), ...optional('lastSubmittedAt'), ...optional('lastOutcomeAt'),
    ...optional('lastErrorCode'), ...optional('lastReason'),
    // Merge updates cannot remove a property, so '' stands for none.
    ...(str(e, 'waitingFor') ? { waitingFor: str(e, 'waitingFor') as string } : {}),
    ...(typeof e['etag'] === 'string' ? { version: e['etag'] } : {}),
  };
}

// The entity a record was read from, for a change that starts from it (see LedgerRecord.version).
function recordEntity(r: LedgerRecord): Entity & { etag: string } {
  return {
    partitionKey: recordPartition(r.runId, r.externalId), rowKey: recordKey(r.externalId), etag: r.version ?? '',
    externalId: r.externalId, line: r.line, state: r.state, attempts: r.attempts, enqueued: r.enqueued, payloadHash: r.payloadHash,
    ...splitPayload(r.payload), waitingFor: r.waitingFor ?? '',
    ...Object.fromEntries((['managerId', 'lastRequestId', 'lastSubmittedAt', 'lastOutcomeAt', 'lastErrorCode', 'lastReason'] as const)
      .filter((k) => r[k] !== undefined).map((k) => [k, r[k]])),
  };
}

function toPerson(e: Entity): PersonRecord {
  const manager = str(e, 'managerId');
  return {
    externalId: str(e, 'externalId') ?? '', lastConfirmedHash: str(e, 'lastConfirmedHash') ?? '', lastConfirmedAt: str(e, 'lastConfirmedAt') ?? '',
    lastRunId: str(e, 'lastRunId') ?? '', ...(manager === undefined || manager === '' ? {} : { managerId: manager }),
    ...(typeof e['active'] === 'boolean' ? { active: e['active'] } : {}),
  };
}

function toRun(e: Entity): RunRecord {
  const n = (key: string): Partial<RunRecord> => (typeof e[key] === 'number' ? { [key]: e[key] } : {});
  const s = (key: string): Partial<RunRecord> => (typeof e[key] === 'string' ? { [key]: e[key] } : {});
  return {
    runId: e.rowKey, file: str(e, 'file') ?? '', etag: str(e, 'blobEtag') ?? '', state: (str(e, 'state') ?? 'ingesting') as RunState,
    startedAt: str(e, 'startedAt') ?? '', ...s('ingestedAt'), ...s('endedAt'), ...n('rows'), ...n('valid'), ...n('rejected'),
  };
}

/** The ledger over the four tables; `table(name)` gives a TableClient (see lib/storage). */
export class RunLedger implements PipelineLedger {
  private readonly ready = new Map<string, Promise<unknown>>();
  private readonly clients = new Map<string, TableClient>();

  constructor(private readonly names: LedgerTableNames, private readonly table: (name: string) => TableClient) {}

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
      created = client.createTable().catch((err: unknown) => { if (status(err) !== 409) throw err; });
      this.ready.set(name, created);
    }
    await created;
    return client;
  }

  private runs(): Promise<TableClient> { return this.client(this.names.runs); }
  private recs(): Promise<TableClient> { return this.client(this.names.records); }

  private async getEntity(client: TableClient, pk: string, rk: string): Promise<TableEntityResult<Entity> | undefined> {
    try {
      return await client.getEntity<Entity>(pk, rk);
    } catch (err) {
      if (status(err) === 404) return undefined;
      throw err;
    }
  }

  /** Applies `change` to one entity under its ETag, re-reading after a conflict; false when `change` declines. */
  private async change(client: TableClient, pk: string, rk: string, change: (e: Entity) => Record<string, unknown> | undefined, known?: Entity & { etag: string }): Promise<boolean> {
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

  async beginRun(run: { runId: string; file: string; etag: string; startedAt: string }): Promise<RunRecord> {
    const runs = await this.runs();
    try {
      await runs.createEntity({ partitionKey: RUN_PARTITION, rowKey: run.runId, file: run.file, blobEtag: run.etag, state: 'ingesting', startedAt: run.startedAt });
    } catch (err) {
      if (status(err) !== 409) throw err;
    }
    const e = await this.getEntity(runs, RUN_PARTITION, run.runId);
    if (e === undefined) throw new Error(`run ${run.runId} vanished after it was created`);
    return toRun(e);
  }

  async addRecords(runId: string, records: readonly NewRecord[]): Promise<string[]> {
    if (records.length === 0) return [];
    const recs = await this.recs();
    const entity = (r: NewRecord): Entity => ({
      partitionKey: recordPartition(runId, r.externalId), rowKey: recordKey(r.externalId), externalId: r.externalId, line: r.line, state: 'queued', attempts: 0,
      enqueued: false, payloadHash: r.payloadHash, ...(r.managerId === undefined ? {} : { managerId: r.managerId }), ...splitPayload(r.payload),
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
    await Promise.all(transactions(records.map(entity)).map(async (chunk) => {
      try {
        // The common case: none exists yet, one transaction for the lot.
        await recs.submitTransaction(chunk.map((e): TransactionAction => ['create', e]));
        need.push(...chunk.map((e) => e['externalId'] as string));
      } catch (err) {
        if (status(err) !== 409) throw err;
        // A retry after a crash: keep what exists (it may have moved on), create the rest.
        for (const e of chunk) {
          const r = byKey.get(e.rowKey) as NewRecord;
          try {
            await recs.createEntity(e);
            need.push(r.externalId);
          } catch (createErr) {
            if (status(createErr) !== 409) throw createErr;
            const existing = await this.getEntity(recs, e.partitionKey, e.rowKey);
            if (existing !== undefined && existing['state'] === 'queued' && existing['enqueued'] !== true) need.push(r.externalId);
          }
        }
      }
    }));
    // In the order given (ingest sends managers first).
    const order = new Map(records.map((r, i) => [r.externalId, i]));
    need.sort((a, b) => (order.get(a) as number) - (order.get(b) as number));
    return need;
  }

  async markEnqueued(runId: string, externalIds: readonly string[]): Promise<void> {
    const recs = await this.recs();
    const entities = externalIds.map((id): Entity => ({ partitionKey: recordPartition(runId, id), rowKey: recordKey(id), enqueued: true, waitingFor: '' }));
    await Promise.all(transactions(entities).map((chunk) => recs.submitTransaction(chunk.map((e): TransactionAction => ['update', e, 'Merge']))));
  }

  async addRejected(runId: string, rows: readonly RejectedRow[]): Promise<void> {
    const recs = await this.recs();
    // Keyed by content, so writing the same problem twice (a retried ingest) stores it once.
    const byKey = new Map<string, Entity>();
    for (const row of rows) {
      const hash = createHash('sha256').update(JSON.stringify([row.rule, row.attribute ?? '', row.column ?? '', row.externalId ?? '', row.message])).digest('hex').slice(0, 16);
      const rowKey = `X|${String(row.line ?? 0).padStart(10, '0')}|${hash}`;
      byKey.set(rowKey, { partitionKey: runId, rowKey, rule: row.rule, message: clip(row.message),
        ...(row.line === undefined ? {} : { line: row.line }), ...(row.externalId === undefined ? {} : { externalId: row.externalId }),
        ...(row.column === undefined ? {} : { column: row.column }), ...(row.attribute === undefined ? {} : { attribute: row.attribute }) });
    }
    for (const chunk of transactions([...byKey.values()])) {
      await recs.submitTransaction(chunk.map((e): TransactionAction => ['upsert', e, 'Replace']));
    }
  }

  async *listRejected(runId: string): AsyncIterable<RejectedRow> {
    const recs = await this.recs();
    for await (const e of recs.listEntities<Entity>({ queryOptions: { filter: odata`PartitionKey eq ${runId} and RowKey ge 'X|' and RowKey lt 'X}'` } })) {
      yield {
        rule: str(e, 'rule') ?? '', message: str(e, 'message') ?? '',
        ...(typeof e['line'] === 'number' ? { line: e['line'] } : {}), ...(str(e, 'externalId') === undefined ? {} : { externalId: str(e, 'externalId') as string }),
        ...(str(e, 'column') === undefined ? {} : { column: str(e, 'column') as string }), ...(str(e, 'attribute') === undefined ? {} : { attribute: str(e, 'attribute') as string }),
      };
    }
  }

  async finishIngest(runId: string, c: { rows: number; valid: number; rejected: number; at: string }): Promise<void> {
    await this.change(await this.runs(), RUN_PARTITION, runId, (e) => (e['state'] === 'ingesting'
      ? { state: 'ingested', rows: c.rows, valid: c.valid, rejected: c.rejected, ingestedAt: c.at } : undefined));
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const e = await this.getEntity(await this.runs(), RUN_PARTITION, runId);
    return e === undefined ? undefined : toRun(e);
  }

  async getRecords(runId: string, externalIds: readonly string[]): Promise<Map<string, LedgerRecord>> {
    const recs = await this.recs();
    const out = new Map<string, LedgerRecord>();
    await Promise.all(externalIds.map(async (id) => {
      const e = await this.getEntity(recs, recordPartition(runId, id), recordKey(id));
      if (e !== undefined) out.set(id, toRecord(e));
    }));
    return out;
  }

  async markSubmitted(runId: string, externalIds: readonly string[], at: { requestId: string; at: string }, seen?: ReadonlyMap<string, LedgerRecord>): Promise<void> {
    await Promise.all(externalIds.map((id) => this.changeRecord(runId, id, (e) => {
      // The same request recorded twice (a retried invocation) counts once.
      if (e['lastRequestId'] === at.requestId || (e['state'] !== 'queued' && e['state'] !== 'submitted')) return undefined;
      return { state: 'submitted', attempts: Number(e['attempts'] ?? 0) + 1, lastRequestId: at.requestId, lastSubmittedAt: at.at, enqueued: false };
    }, seen?.get(id))));
  }

  async noteFailure(runId: string, externalIds: readonly string[], f: { errorCode: string; reason: string }): Promise<void> {
    await Promise.all(externalIds.map((id) => this.changeRecord(runId, id, () => ({ lastErrorCode: f.errorCode, lastReason: clip(f.reason) }))));
  }

  async finish(runId: string, externalId: string, o: { state: 'confirmed' | 'skipped' | 'dead-lettered'; at: string; errorCode?: string; reason?: string }, seen?: LedgerRecord): Promise<boolean> {
    let record: LedgerRecord | undefined;
    const changed = await this.changeRecord(runId, externalId, (e) => {
      if (e['state'] !== 'queued' && e['state'] !== 'submitted') return undefined;
      record = toRecord(e);
      return { state: o.state, lastOutcomeAt: o.at, ...(o.errorCode === undefined ? {} : { lastErrorCode: o.errorCode }), ...(o.reason === undefined ? {} : { lastReason: clip(o.reason) }) };
    }, seen);
    if (changed && record !== undefined && o.state !== 'dead-lettered') await this.rememberPerson(record, o.at);
    return changed;
  }

  // What the directory now holds for this person, for delta runs, leavers and manager order later on.
  // Confirmations can arrive out of order across runs, so only a later one replaces an earlier one.
  private async rememberPerson(r: LedgerRecord, at: string): Promise<void> {
    const people = await this.client(this.names.people);
    const pk = personBucket(r.externalId);
    const rk = recordKey(r.externalId);
    let active: boolean | undefined;
    try {
      const op = JSON.parse(r.payload) as { data?: { active?: unknown } };
      if (typeof op.data?.active === 'boolean') active = op.data.active;
    } catch {
      active = undefined;
    }
    const entity: Entity = {
      partitionKey: pk, rowKey: rk, externalId: r.externalId, lastConfirmedHash: r.payloadHash, lastConfirmedAt: at, lastRunId: r.runId,
      // Merge keeps a stale manager or flag otherwise, so clear them explicitly.
      managerId: r.managerId ?? '', ...(active === undefined ? {} : { active }),
    };
    try {
      await people.createEntity(entity);
      return;
    } catch (err) {
      if (status(err) !== 409) throw err;
    }
    await this.change(people, pk, rk, (e) => (compareTimes(str(e, 'lastConfirmedAt') ?? '', at) <= 0 ? entity : undefined));
  }

  /** What was last confirmed for `externalId` in any run; undefined when never confirmed. */
  async getPerson(externalId: string): Promise<PersonRecord | undefined> {
    const e = await this.getEntity(await this.client(this.names.people), personBucket(externalId), recordKey(externalId));
    return e === undefined ? undefined : toPerson(e);
  }

  /** Everyone ever confirmed: with a full extract's records, the leavers are those the extract no longer holds. */
  async *listPeople(): AsyncIterable<PersonRecord> {
    const people = await this.client(this.names.people);
    for await (const e of people.listEntities<Entity>()) yield toPerson(e);
  }

  async requeue(runId: string, externalId: string, why: { errorCode: string; reason: string; at: string }, options: { waitFor?: string } = {}): Promise<boolean> {
    return this.changeRecord(runId, externalId, (e) => (e['state'] === 'submitted'
      ? { state: 'queued', enqueued: false, lastErrorCode: why.errorCode, lastReason: clip(why.reason), lastOutcomeAt: why.at, waitingFor: options.waitFor ?? '' } : undefined));
  }

  async reopen(runId: string, externalId: string): Promise<LedgerRecord | undefined> {
    // Not yet enqueued: if the caller dies before sending, reconcile sends the message instead.
    const ok = await this.changeRecord(runId, externalId, (e) => (e['state'] === 'dead-lettered' ? { state: 'queued', enqueued: false, waitingFor: '' } : undefined));
    if (!ok) return undefined;
    await this.change(await this.runs(), RUN_PARTITION, runId, (e) => (e['state'] === 'complete' ? { state: 'ingested' } : undefined));
    return (await this.getRecords(runId, [externalId])).get(externalId);
  }

  async listOpenRuns(): Promise<RunRecord[]> {
    const runs = await this.runs();
    const out: RunRecord[] = [];
    for await (const e of runs.listEntities<Entity>({ queryOptions: { filter: odata`PartitionKey eq ${RUN_PARTITION} and state ne 'complete'` } })) out.push(toRun(e));
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
    const filter = state === undefined
      ? odata`PartitionKey gt ${`${runId}~`} and PartitionKey lt ${`${runId}~~`}`
      : odata`PartitionKey gt ${`${runId}~`} and PartitionKey lt ${`${runId}~~`} and state eq ${state}`;
    for await (const e of recs.listEntities<Entity>({ queryOptions: { filter } })) yield toRecord(e);
  }

  async countByState(runId: string): Promise<Record<RecordState, number>> {
    const counts: Record<RecordState, number> = { queued: 0, submitted: 0, confirmed: 0, skipped: 0, 'dead-lettered': 0 };
    const recs = await this.recs();
    const filter = odata`PartitionKey gt ${`${runId}~`} and PartitionKey lt ${`${runId}~~`}`;
    for await (const e of recs.listEntities<Entity>({ queryOptions: { filter, select: ['state'] } })) {
      const s = str(e, 'state') as RecordState | undefined;
      if (s !== undefined && s in counts) counts[s]++;
    }
    return counts;
  }

  async completeRun(runId: string, at: string): Promise<boolean> {
    return this.change(await this.runs(), RUN_PARTITION, runId, (e) => (e['state'] === 'ingested' ? { state: 'complete', endedAt: at } : undefined));
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
}
