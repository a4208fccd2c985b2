// What a direct sync sends, decided before anything is sent: the extract's valid records (reports
// of a manager rejected here released from the reference), and with a ledger the nightly plan —
// only what changed, leavers disabled, nothing at all when the guard holds the run.
import { scanExtract } from '../convert/convert.js';
import type { ScanResult } from '../convert/convert.js';
import type { OperationStore } from '../convert/operation-store.js';
import type { TempFileSpool } from '../convert/spool.js';
import { peopleLookup, readCandidates, unknownManagerWarnings } from '../delta/managers.js';
import type { ManagerDropped } from '../delta/managers.js';
import { managersFirst } from '../delta/order.js';
import type { Candidate } from '../delta/plan.js';
import type { Extract } from '../extract/types.js';
import type { Mapping } from '../mapping/types.js';
import type { Logger } from '../core/logger.js';
import type { BatchLimits } from '../scim/bulk.js';
import type { Problem } from '../scim/problem.js';
import { EVENTS } from '../telemetry/catalogue.js';
import { emitEvent } from '../telemetry/emit.js';
import { planSyncRun } from './ledger-run.js';
import type { LedgerMirror, SendItem, SyncNightly } from './ledger-run.js';
import type { SyncReport } from './types.js';

/** The extract as read: its valid records, who it names, and the reports released from a rejected manager. */
export interface ExtractRead {
  scan: ScanResult;
  /** Everyone the extract names, rejected rows included: a person whose row is rejected has not left. */
  present: Set<string>;
  candidates: Candidate[];
  dropped: ManagerDropped[];
}

/** What this sync sends, in send order, and what the ledger decided. */
export interface SendPlan {
  queued: SendItem[];
  ledger?: SyncReport['ledger'];
  /** Mirrors the records into the ledger; absent without a ledger or when the run is held. */
  mirror?: LedgerMirror;
  /** Whether the directory held someone before this sync (People); nobody is known without a ledger. */
  inDirectory: (externalId: string) => boolean;
}

export interface ReadContext {
  spool: TempFileSpool;
  store: OperationStore;
  limits: BatchLimits;
  nightly: SyncNightly | undefined;
  onProblem: (problem: Problem) => void;
  logger: Logger;
}

/** Scans the extract into the store and says what is wrong with its rows and their manager references. */
export async function readExtract(extract: Extract, mapping: Mapping, ctx: ReadContext): Promise<ExtractRead> {
  const { spool, store, nightly, logger } = ctx;
  const present = new Set<string>();
  const onProblem = (p: Problem): void => {
    if (p.severity === 'error' && p.externalId !== undefined) present.add(p.externalId);
    ctx.onProblem(p);
  };
  const scan = await scanExtract(extract, mapping, { spool, onProblem, limits: ctx.limits });
  logger.info('Extract read', { rows: scan.rows, valid: scan.valid, rejected: scan.rejected });
  // A manager rejected here will not exist: unless the directory has them, their reports go without the reference.
  const known = nightly === undefined ? undefined : peopleLookup((id) => nightly.ledger.getPerson(id));
  const released = await readCandidates(spool.read(), scan, present, known, store);
  for (const w of released.warnings) ctx.onProblem(w);
  const refs = released.candidates.flatMap((c) => (c.managerId === undefined ? [] : [{ externalId: c.externalId, line: c.line, managerId: c.managerId }]));
  for (const p of await unknownManagerWarnings(scan.file, refs, present, known)) ctx.onProblem(p);
  if (released.dropped.length > 0) logger.info('Reports of rejected managers go without the manager reference', { records: released.dropped.length });
  return { scan, present, candidates: released.candidates, dropped: released.dropped };
}

/** Without a ledger every valid record is sent, managers first; with one, the nightly plan decides (and records the run). */
export async function planSend(read: ExtractRead, nightly: SyncNightly | undefined, ctx: { store: OperationStore; startedAt: number; logger: Logger }): Promise<SendPlan> {
  const { scan, candidates, present } = read;
  if (nightly === undefined) {
    const queued = managersFirst(candidates).map(({ externalId, line, stored, managerId }) => ({ externalId, line, stored, ...(managerId === undefined ? {} : { managerId }) }));
    return { queued, inDirectory: () => false };
  }
  const source = nightly.source;
  const planned = await planSyncRun(nightly, { candidates, present, rows: scan.rows, rejected: scan.rejected, now: ctx.startedAt, store: ctx.store });
  const p = planned.plan;
  ctx.logger.info(p.holding ? 'Run held' : 'Run planned', {
    runId: p.runId,
    source: source.name,
    toSend: p.toSend.length,
    unchanged: p.unchanged,
    leavers: p.leavers,
    thresholds: p.held.map((h) => h.threshold),
  });
  emitEvent(EVENTS.runStarted, { runId: p.runId, source: source.name, kind: source.kind, mode: 'sync' });
  if (p.holding) {
    emitEvent(EVENTS.runHeld, {
      runId: p.runId,
      source: source.name,
      mode: 'sync',
      stage: 'guard',
      thresholds: p.held.map((h) => h.threshold),
      limits: p.held.map((h) => h.limit),
      actuals: p.held.map((h) => h.actual),
      rows: scan.rows,
      rejected: scan.rejected,
      notSent: p.toSend.length,
    });
  }
  return {
    queued: p.holding ? [] : p.toSend,
    ledger: { runId: p.runId, source: source.name, plan: p.summary, held: p.held, holding: p.holding, unchanged: p.unchanged, leavers: p.leavers },
    ...(p.holding ? {} : { mirror: planned.mirror }),
    inDirectory: planned.inDirectory,
  };
}
