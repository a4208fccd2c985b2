// The pipeline at a glance, from the ledger and the API gate: what `hrsync status` shows without a
// run id. Held and stopped runs are found among every run, not only the latest listed, because
// each waits for a person however old it is; what waits is counted per open run, by cause.
import type { GateView } from '../provisioning/gate.js';
import type { JobHealth } from '../provisioning/job.js';
import type { PipelineLedger, RecordState, RunRecord } from './ports.js';
import { queuedBreakdown } from './run-status.js';
import type { QueuedBreakdown } from './run-status.js';

/** A run with its records counted by state. */
export interface RunLine {
  run: RunRecord;
  counts: Record<RecordState, number>;
}

/** An open run's records still to be sent or confirmed. */
export interface OpenRun extends QueuedBreakdown {
  runId: string;
  source: string;
  submitted: number;
}

/**
 * Every queued record of the open runs counted once, by the first thing it waits for:
 * queued = forManager + retrying + forBudget + forJob + forPause + sendable.
 */
export interface Waiting {
  openRuns: number;
  queued: number;
  /** Sent and accepted, waiting for their outcome in the provisioning logs. */
  submitted: number;
  forManager: number;
  /** Waiting for the time of their next attempt after a retryable failure. */
  retrying: number;
  /** Kept back by the daily budget (creates and updates; disables too once nothing is left). */
  forBudget: number;
  /** Kept back because the job is not Active. */
  forJob: number;
  /** Kept back by the pause after "bucket full". */
  forPause: number;
  /** Nothing keeps them: the upload stage takes them as the queue hands them over. */
  sendable: number;
  /** When the gate that keeps them opens again (ISO, or "never" at this budget). */
  until?: string;
}

/** What `hrsync status` shows and prints as JSON. */
export interface PipelineOverview {
  /** The latest runs, newest first. */
  runs: RunLine[];
  /** Every held run: each waits for `hrsync approve` or `hrsync discard`. */
  held: RunLine[];
  /** Runs the failure share stopped while sending: held once what they sent is final. */
  stopped: RunLine[];
  open: OpenRun[];
  waiting: Waiting;
  api: GateView;
}

type OverviewLedger = Pick<PipelineLedger, 'listRecordSummaries' | 'countByState'> & { listRuns(): Promise<RunRecord[]> };

/** The overview of the ledger and gate; `job`, a fresher read than reconcile's, decides the gate without being stored. */
export async function pipelineOverview(
  ledger: OverviewLedger,
  gate: { view(job?: JobHealth): Promise<GateView> },
  options: { limit: number; job?: JobHealth },
): Promise<PipelineOverview> {
  const all = await ledger.listRuns();
  const latest = all.slice(0, options.limit);
  const held = all.filter((r) => r.state === 'held');
  const stopped = all.filter((r) => r.state === 'ingested' && r.stoppedAt !== undefined);
  // hrsync sync's runs are sent by its own process; the functions and their gate never see them.
  const openRuns = all.filter((r) => (r.state === 'ingesting' || r.state === 'ingested') && r.mode !== 'sync');
  const wanted = new Map([...latest, ...held, ...stopped, ...openRuns].map((r) => [r.runId, r]));
  const [api, counted] = await Promise.all([
    gate.view(options.job),
    Promise.all([...wanted.values()].map(async (run): Promise<RunLine> => ({ run, counts: await ledger.countByState(run.runId) }))),
  ]);
  const countsOf = new Map(counted.map((l) => [l.run.runId, l]));
  const line = (r: RunRecord): RunLine => countsOf.get(r.runId) ?? { run: r, counts: {} as Record<RecordState, number> };
  const open = await Promise.all(
    openRuns.map(async (r): Promise<OpenRun> => {
      const c = line(r).counts;
      const b = c.queued > 0 ? await queuedBreakdown(ledger, r.runId) : { queued: 0, waitingForManager: 0, retrying: 0, disables: 0, ready: 0 };
      return { runId: r.runId, source: r.source, submitted: c.submitted, ...b };
    }),
  );
  return { runs: latest.map(line), held: held.map(line), stopped: stopped.map(line), open, waiting: waitingOf(open, api), api };
}

/** Attributes the open runs' queued records to what keeps each back, as the gate stands. */
export function waitingOf(open: readonly OpenRun[], api: GateView): Waiting {
  const sum = (f: (o: OpenRun) => number): number => open.reduce((n, o) => n + f(o), 0);
  const ready = sum((o) => o.ready);
  const disables = sum((o) => o.disables);
  const w: Waiting = {
    openRuns: open.length,
    queued: sum((o) => o.queued),
    submitted: sum((o) => o.submitted),
    forManager: sum((o) => o.waitingForManager),
    retrying: sum((o) => o.retrying),
    forBudget: 0,
    forJob: 0,
    forPause: 0,
    sendable: ready + disables,
  };
  const closed = api.closed;
  if (closed === undefined || ready + disables === 0) return w;
  // The budget view is for creates and updates; disables keep going on the reserve until it too is spent.
  const kept = closed.why === 'budget' && api.left > 0 ? ready : ready + disables;
  const key = closed.why === 'budget' ? 'forBudget' : closed.why === 'job' ? 'forJob' : 'forPause';
  return { ...w, [key]: kept, sendable: ready + disables - kept, until: closed.until };
}
