// Emits the catalogue's events and metrics through the OpenTelemetry API only. Without a registered
// provider (the CLI, most tests) every call is a no-op; functions/telemetry.ts registers the Azure
// Monitor exporters in Azure, tools/local a line per event on stderr, tests an in-memory exporter.
// An event is a log record carrying `microsoft.custom_event.name`, which the Azure Monitor exporter
// turns into a customEvents row (its other attributes become customDimensions, as strings).
import { metrics } from '@opentelemetry/api';
import type { Counter, Gauge, Histogram, MeterProvider } from '@opentelemetry/api';
import { logs, SeverityNumber } from '@opentelemetry/api-logs';
import type { AnyValueMap, Logger, LoggerProvider } from '@opentelemetry/api-logs';
import { METRICS } from './catalogue.js';
import type { EventSpec, FieldsOf, TelemetryValue } from './catalogue.js';

/** The instrumentation scope of every event and metric. */
export const TELEMETRY_SCOPE = 'hrsync';

/** The log record attribute that makes the Azure Monitor exporter send a custom event of that name. */
export const CUSTOM_EVENT_NAME_ATTRIBUTE = 'microsoft.custom_event.name';

type Instruments = {
  calls: Counter;
  latency: Histogram;
  throttleWait: Counter;
  budgetUsed: Gauge;
  budgetLeft: Gauge;
  records: Counter;
  recordsWaiting: Gauge;
};

// Per provider: a provider registered after the first emission (lazily, in Azure) gets its own.
const loggers = new WeakMap<LoggerProvider, Logger>();
const instruments = new WeakMap<MeterProvider, Instruments>();

function logger(): Logger {
  const provider = logs.getLoggerProvider();
  let l = loggers.get(provider);
  if (l === undefined) loggers.set(provider, (l = provider.getLogger(TELEMETRY_SCOPE)));
  return l;
}

function meters(): Instruments {
  const provider = metrics.getMeterProvider();
  let i = instruments.get(provider);
  if (i === undefined) {
    const meter = provider.getMeter(TELEMETRY_SCOPE);
    const opts = (m: { unit: string; description: string }): { unit: string; description: string } => ({ unit: m.unit, description: m.description });
    i = {
      calls: meter.createCounter(METRICS.bulkUploadCalls.name, opts(METRICS.bulkUploadCalls)),
      latency: meter.createHistogram(METRICS.bulkUploadLatency.name, opts(METRICS.bulkUploadLatency)),
      throttleWait: meter.createCounter(METRICS.throttleWait.name, opts(METRICS.throttleWait)),
      budgetUsed: meter.createGauge(METRICS.budgetUsed.name, opts(METRICS.budgetUsed)),
      budgetLeft: meter.createGauge(METRICS.budgetLeft.name, opts(METRICS.budgetLeft)),
      records: meter.createCounter(METRICS.records.name, opts(METRICS.records)),
      recordsWaiting: meter.createGauge(METRICS.recordsWaiting.name, opts(METRICS.recordsWaiting)),
    };
    instruments.set(provider, i);
  }
  return i;
}

// Telemetry never fails the work it describes.
function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // nothing to do: a broken exporter must not stop a run
  }
}

/** Emits one catalogue event; fields left undefined are omitted. */
export function emitEvent<E extends EventSpec>(event: E, fields: FieldsOf<E>): void {
  safely(() => {
    const attributes: AnyValueMap = { [CUSTOM_EVENT_NAME_ATTRIBUTE]: event.name };
    for (const [k, v] of Object.entries(fields) as Array<[string, TelemetryValue | undefined]>) {
      if (v !== undefined && (typeof v !== 'number' || Number.isFinite(v))) attributes[k] = typeof v === 'object' ? [...v] : v;
    }
    logger().emit({ eventName: event.name, severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: event.name, attributes });
  });
}

/** Records one bulkUpload call's answer (status 0: none) and how long it took. */
export function recordBulkUploadCall(status: number, latencyMs: number, throttleWaitMs: number): void {
  safely(() => {
    const m = meters();
    m.calls.add(1, { status });
    m.latency.record(latencyMs, { status });
    if (throttleWaitMs > 0) m.throttleWait.add(throttleWaitMs);
  });
}

/** Records the daily budget as it stands. */
export function recordBudget(used: number, left: number): void {
  safely(() => {
    const m = meters();
    m.budgetUsed.record(used);
    m.budgetLeft.record(left);
  });
}

/** Counts a completed run's records by final outcome. */
export function recordOutcomes(source: string, counts: Readonly<Record<string, number>>): void {
  safely(() => {
    const m = meters();
    for (const [outcome, n] of Object.entries(counts)) if (n > 0) m.records.add(n, { outcome, source });
  });
}

/** Records how many records of open runs wait, by what for. */
export function recordWaiting(reason: 'manager' | 'queued', records: number): void {
  safely(() => meters().recordsWaiting.record(records, { reason }));
}

/** How many items have each key (a JSON object, the most frequent `max` keys), for fields like failureCodes: codes and counts, never values. */
export function countsBy<T>(items: readonly T[], key: (item: T) => string | undefined, max = 20): string {
  const counts = new Map<string, number>();
  for (const item of items) {
    const k = key(item);
    if (k !== undefined && k !== '') counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return JSON.stringify(Object.fromEntries([...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, max)));
}
