// `hrsync replay --poison`: moves messages the host gave up on back to the operations queue once
// their cause (a missing permission, a wrong job id) is fixed. Each record is reopened in the
// ledger first, so its run waits for it again and upload accepts the message; the poison copy
// is deleted only after the new message is on the queue, so a crash leaves a duplicate (which
// upload drops), never a lost record.
import { decodeOperations, encodeMessage, withoutWritten } from './messages.js';
import type { OperationMessage } from './messages.js';
import type { LedgerRecord, OperationQueue, PipelineLedger, ReceivedMessage } from './ports.js';

export interface ReplayOptions {
  /** Report what would move; change nothing. */
  dryRun: boolean;
  /** Only messages of this run. */
  runId?: string;
  /** Stop after reading this many poison messages. */
  max: number;
  /** How long a message read here stays hidden from others (reconcile) while replay decides. */
  holdSeconds: number;
}

export const DEFAULT_REPLAY_OPTIONS: ReplayOptions = { dryRun: false, max: 10_000, holdSeconds: 300 };

/** What happened to one operation of a poison message. */
export type ReplayAction =
  | 'moved' // back on the operations queue, its record queued again
  | 'stale' // its record already ended confirmed or skipped, or is submitted: deleted, nothing to send
  | 'other-run' // not the run asked for: left in place
  | 'unknown-record' // no such record in the ledger (its run's tables were removed?): left in place
  | 'undecodable'; // not an hrsync operation message: left in place

export interface ReplaySummary {
  /** Poison messages read (a batch counts once; its operations count in `counts`). */
  read: number;
  counts: Record<ReplayAction, number>;
  /** Records moved back (or that would be, with dryRun), by run. */
  movedByRun: Record<string, string[]>;
}

export interface ReplayDeps {
  ledger: Pick<PipelineLedger, 'getRecords' | 'transition' | 'reopenRun' | 'markEnqueued'>;
  queue: Pick<OperationQueue, 'send'>;
  poison: OperationQueue;
}

/** A replay that read nothing. */
export function emptyReplaySummary(): ReplaySummary {
  return { read: 0, counts: { moved: 0, stale: 0, 'other-run': 0, 'unknown-record': 0, undecodable: 0 }, movedByRun: {} };
}

/** Moves poison messages back to the operations queue; one pass over what is visible now. */
export async function replayPoison(deps: ReplayDeps, options: ReplayOptions = DEFAULT_REPLAY_OPTIONS): Promise<ReplaySummary> {
  const summary = emptyReplaySummary();
  const leftInPlace: ReceivedMessage[] = [];
  const seen = new Set<string>();
  try {
    while (summary.read < options.max) {
      const batch = (await deps.poison.receive(Math.min(32, options.max - summary.read), options.holdSeconds)).filter((m) => !seen.has(m.messageId));
      if (batch.length === 0) break;
      for (const m of batch) {
        seen.add(m.messageId);
        summary.read++;
        const actions = await replayMessage(deps, options, m);
        for (const action of actions) {
          summary.counts[action.kind]++;
          if (action.kind === 'moved') (summary.movedByRun[action.runId] ??= []).push(action.externalId);
        }
        // A batch goes once none of its operations stays; one that must stay keeps the whole message
        // (its moved operations are queued again, so a later replay finds them stale).
        if (actions.some((a) => a.keep)) leftInPlace.push(m);
        else if (!options.dryRun) await deps.poison.delete(m);
      }
    }
  } finally {
    // What stays in the poison queue becomes visible again at once, for the next replay or reconcile.
    for (const m of leftInPlace) await deps.poison.release(m);
  }
  return summary;
}

type Decision = { kind: ReplayAction; keep: boolean; runId: string; externalId: string };

async function replayMessage(deps: ReplayDeps, options: ReplayOptions, m: ReceivedMessage): Promise<Decision[]> {
  let messages: OperationMessage[];
  try {
    messages = decodeOperations(m.text);
  } catch {
    return [{ kind: 'undecodable', keep: true, runId: '', externalId: '' }];
  }
  const out: Decision[] = [];
  for (const message of messages) out.push(await replayOne(deps, options, message));
  return out;
}

async function replayOne(deps: ReplayDeps, options: ReplayOptions, message: OperationMessage): Promise<Decision> {
  const ids = { runId: message.runId, externalId: message.externalId };
  if (options.runId !== undefined && message.runId !== options.runId) return { kind: 'other-run', keep: true, ...ids };
  const record = (await deps.ledger.getRecords(message.runId, [message.externalId])).get(message.externalId);
  if (record === undefined) return { kind: 'unknown-record', keep: true, ...ids };
  // Reconcile has not dead-lettered it yet (queued), or has (dead-lettered): either way it still needs sending.
  const needsSending = record.state === 'dead-lettered' || record.state === 'queued';
  if (options.dryRun) return { kind: needsSending ? 'moved' : 'stale', keep: true, ...ids };
  if (!needsSending) return { kind: 'stale', keep: false, ...ids };
  const current = record.state === 'dead-lettered' ? await reopen(deps, record) : record;
  if (current === undefined) return { kind: 'stale', keep: true, ...ids }; // changed under us; the next replay decides again
  // Sent as the record now is, read above: not as ingest once wrote it.
  await deps.queue.send(encodeMessage({ ...withoutWritten(message), attempt: current.attempts + 1, op: current.payload }));
  await deps.ledger.markEnqueued(message.runId, [message.externalId]);
  return { kind: 'moved', keep: false, ...ids };
}

// Back to queued (not yet enqueued: if replay dies before sending, reconcile sends the message),
// and its run back to sending so reconcile finishes it and writes its report again.
async function reopen(deps: ReplayDeps, record: LedgerRecord): Promise<LedgerRecord | undefined> {
  if ((await deps.ledger.transition(record.runId, record.externalId, { type: 'replayed' }, { seen: record })) === undefined) return undefined;
  await deps.ledger.reopenRun(record.runId);
  return (await deps.ledger.getRecords(record.runId, [record.externalId])).get(record.externalId);
}
