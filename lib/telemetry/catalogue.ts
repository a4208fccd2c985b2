// Every custom event and metric hrsync emits, by name with its fields. The emitters take their
// field names from here (typed), and tools/infra-check reads the same constants to check that the
// workbook and alert queries in infra/ ask only for events and fields the code emits.
//
// Fields are ids and counts only: run ids, sources, request ids, states, numbers. Never names,
// emails, UPNs, addresses or row values. externalIds appear only where the JSON log lines already
// carry them (the ids of a bulk request the service accepted).

/** What one field may hold: ids, states and counts. */
export type TelemetryValue = string | number | boolean | readonly string[] | readonly number[];

/** An event: its name in Application Insights (customEvents.name) and the fields it may carry (customDimensions). */
export interface EventSpec {
  readonly name: string;
  readonly fields: readonly string[];
  /** When it is emitted, for docs/telemetry.md and the workbook's readers. */
  readonly when: string;
}

/** A metric (customMetrics.name). */
export interface MetricSpec {
  readonly name: string;
  readonly kind: 'counter' | 'histogram' | 'gauge';
  readonly unit: string;
  readonly description: string;
  /** Attributes it is split by (customMetrics.customDimensions). */
  readonly attributes: readonly string[];
}

const RUN_COUNTS = ['rows', 'valid', 'rejected', 'unchanged', 'leavers', 'withoutManager'] as const;

/** The events, by the name the code uses for each. */
export const EVENTS = {
  runStarted: {
    name: 'hrsync.run.started',
    fields: ['runId', 'source', 'kind', 'mode'],
    when: 'ingest (or hrsync sync) starts reading an extract',
  },
  runIngested: {
    name: 'hrsync.run.ingested',
    fields: ['runId', 'source', 'mode', ...RUN_COUNTS, 'enqueued', 'disables', 'requestsPlanned', 'budgetDays', 'callsLeft'],
    when: 'the extract is read and planned and its records are queued (not held)',
  },
  runHeld: {
    name: 'hrsync.run.held',
    fields: ['runId', 'source', 'mode', 'stage', 'thresholds', 'limits', 'actuals', 'rows', 'rejected', 'notSent'],
    when: 'the guard holds a run before sending (stage guard), or a stopped run is held once what it sent is final (stage failureShare)',
  },
  runStopped: {
    name: 'hrsync.run.stopped',
    fields: ['runId', 'source', 'mode', 'outcomes', 'failures', 'percent', 'limit', 'notSent'],
    when: "more than the source's maxFailedPercent of a run's outcomes failed: it stops sending",
  },
  runUnusable: {
    name: 'hrsync.run.unusable',
    fields: ['runId', 'source', 'rule'],
    when: 'the extract, its mapping or the sources file cannot be used: nothing was read or sent',
  },
  runCompleted: {
    name: 'hrsync.run.completed',
    fields: [
      'runId',
      'source',
      'mode',
      'rows',
      'valid',
      'rejected',
      'records',
      'created',
      'updated',
      'confirmed',
      'disabled',
      'unchanged',
      'skipped',
      'deadLettered',
      'held',
      'open',
      'withoutManager',
      'requests',
      'requestsAccepted',
      'durationSeconds',
      'failureCodes',
      'rejectedRules',
    ],
    when: "every record of a run is final: every outcome count of the run report, and the failure reasons as counts (failureCodes: the service's error code → records dead-lettered; rejectedRules: validation rule → problems), JSON objects",
  },
  bulkUpload: {
    name: 'hrsync.bulkupload',
    fields: ['requestId', 'operations', 'latencyMs', 'status', 'throttleWaitMs', 'callClass', 'runIds', 'externalIds'],
    when: 'each bulkUpload call, retries included (status 0: no answer); externalIds only on 202, as the log line has them',
  },
  uploadsWait: {
    name: 'hrsync.uploads.wait',
    fields: ['why', 'until', 'operations', 'runIds'],
    when: 'records go back to the queue because the gate is closed: budget spent, job not active, bucket full',
  },
  budget: {
    name: 'hrsync.budget',
    fields: ['used', 'left', 'dailyCalls', 'reserve', 'closedWhy', 'nextCallAt'],
    when: 'each reconcile pass: the daily budget of bulkUpload calls, used and left (sliding 24 hours)',
  },
  jobState: {
    name: 'hrsync.job.state',
    fields: ['jobStatus', 'active', 'was', 'quarantineReason', 'nextAttempt'],
    when: 'each reconcile pass that read the provisioning job',
  },
  recordsWaiting: {
    name: 'hrsync.records.waiting',
    fields: ['runId', 'source', 'queued', 'submitted', 'waitingForManager'],
    when: 'each reconcile pass, for every run not yet final: records queued (waiting to be sent, for the budget or the job among them), submitted, and held back until their manager is final',
  },
  recordsPoisoned: {
    name: 'hrsync.records.poisoned',
    fields: ['runId', 'records'],
    when: 'reconcile dead-letters records whose messages the host moved to the poison queue',
  },
  reconcilePass: {
    name: 'hrsync.reconcile.pass',
    fields: ['openRuns', 'confirmed', 'disabled', 'skipped', 'resent', 'deadLettered', 'completedRuns', 'stoppedRuns'],
    when: 'each reconcile pass with open runs',
  },
  syncFinished: {
    name: 'hrsync.sync.finished',
    fields: ['runId', 'source', 'requests', 'uploaded', 'resent', 'confirmed', 'skipped', 'failed', 'notConfirmed', 'deferred', 'held', 'rejected'],
    when: 'hrsync sync ends',
  },
} as const satisfies Record<string, EventSpec>;

/** The metrics, by the name the code uses for each. */
export const METRICS = {
  bulkUploadCalls: { name: 'hrsync.bulkupload.calls', kind: 'counter', unit: '{call}', description: 'bulkUpload calls by HTTP status (0: no answer)', attributes: ['status'] },
  bulkUploadLatency: { name: 'hrsync.bulkupload.latency', kind: 'histogram', unit: 'ms', description: 'time from sending a bulkUpload call to its answer', attributes: ['status'] },
  throttleWait: { name: 'hrsync.bulkupload.throttle_wait', kind: 'counter', unit: 'ms', description: 'time asked to wait by 429 answers', attributes: [] },
  budgetUsed: { name: 'hrsync.budget.used', kind: 'gauge', unit: '{call}', description: 'bulkUpload calls in the last 24 hours', attributes: [] },
  budgetLeft: { name: 'hrsync.budget.left', kind: 'gauge', unit: '{call}', description: 'bulkUpload calls left of the daily budget', attributes: [] },
  records: { name: 'hrsync.records', kind: 'counter', unit: '{record}', description: 'records of completed runs by final outcome', attributes: ['outcome', 'source'] },
  recordsWaiting: {
    name: 'hrsync.records.waiting',
    kind: 'gauge',
    unit: '{record}',
    description: 'records of open runs waiting, by what for (manager, queued)',
    attributes: ['reason'],
  },
} as const satisfies Record<string, MetricSpec>;

export type EventKey = keyof typeof EVENTS;
export type EventOf<K extends EventKey> = (typeof EVENTS)[K];
/** The fields an event may carry; absent ones are left out. */
export type FieldsOf<E extends EventSpec> = { readonly [F in E['fields'][number]]?: TelemetryValue | undefined };
