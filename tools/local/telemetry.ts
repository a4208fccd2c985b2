// `npm run local --verbose` shows hrsync's telemetry events as they are emitted: one line each on
// stderr, beside the functions' log lines, through the same OpenTelemetry pipeline Azure uses (only
// the exporter differs). Ids and counts only, as in Application Insights.
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { installTelemetry } from '../../functions/telemetry.js';
import type { TelemetryPipeline } from '../../functions/telemetry.js';
import { CUSTOM_EVENT_NAME_ATTRIBUTE } from '../../lib/telemetry/emit.js';

// Long id lists (a request's 50 externalIds) are cut to their first few and a count.
const SHOWN = 3;

function show(value: unknown): string {
  if (Array.isArray(value)) {
    const items = value.map(String);
    return items.length <= SHOWN + 1 ? items.join(',') : `${items.slice(0, SHOWN).join(',')},…(${items.length})`;
  }
  return String(value);
}

/** One line for an event: `event <name> key=value …`. */
export function eventLine(record: Pick<ReadableLogRecord, 'attributes'>): string {
  const { [CUSTOM_EVENT_NAME_ATTRIBUTE]: name, ...fields } = record.attributes;
  return `event ${String(name)} ${Object.entries(fields)
    .map(([k, v]) => `${k}=${show(v)}`)
    .join(' ')}`.trimEnd();
}

/** Writes each event as a line. */
export class LineEventExporter implements LogRecordExporter {
  constructor(private readonly write: (line: string) => void) {}

  export(records: ReadableLogRecord[], done: Parameters<LogRecordExporter['export']>[1]): void {
    for (const r of records) if (r.attributes[CUSTOM_EVENT_NAME_ATTRIBUTE] !== undefined) this.write(`${eventLine(r)}\n`);
    // ExportResultCode.SUCCESS (@opentelemetry/core, not a dependency of ours).
    done({ code: 0 });
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** Registers the line exporter for this process's events. */
export function startLocalTelemetry(write: (line: string) => void): Promise<TelemetryPipeline> {
  return installTelemetry({ logs: new LineEventExporter(write) });
}
