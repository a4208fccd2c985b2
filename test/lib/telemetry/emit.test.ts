// lib/telemetry's emitters: no-ops without a provider, catalogue names and fields through the
// OpenTelemetry API into an in-memory exporter, and failure reasons as counts.
import { logs } from '@opentelemetry/api-logs';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { afterEach, describe, expect, it } from 'vitest';
import { EVENTS } from '../../../lib/telemetry/catalogue.js';
import { CUSTOM_EVENT_NAME_ATTRIBUTE, countsBy, emitEvent, recordBulkUploadCall } from '../../../lib/telemetry/emit.js';

afterEach(() => {
  logs.disable();
});

describe('emitEvent', () => {
  it('does nothing, and throws nothing, without a provider', () => {
    expect(() => {
      emitEvent(EVENTS.runStarted, { runId: 'r' });
      recordBulkUploadCall(202, 1, 0);
    }).not.toThrow();
  });

  it('sends a log record named after the event, with the custom-event attribute and the given fields only', () => {
    const exporter = new InMemoryLogRecordExporter();
    logs.setGlobalLoggerProvider(new LoggerProvider({ processors: [new SimpleLogRecordProcessor(exporter)] }));
    emitEvent(EVENTS.uploadsWait, { why: 'budget', operations: 12, runIds: ['r1', 'r2'], until: undefined });
    emitEvent(EVENTS.runCompleted, { runId: 'r1', durationSeconds: Number.NaN });
    const [wait, completed] = exporter.getFinishedLogRecords();
    expect(wait?.eventName).toBe('hrsync.uploads.wait');
    expect(wait?.attributes).toEqual({ [CUSTOM_EVENT_NAME_ATTRIBUTE]: 'hrsync.uploads.wait', why: 'budget', operations: 12, runIds: ['r1', 'r2'] });
    // A number that is not one is left out rather than sent as "NaN".
    expect(completed?.attributes).toEqual({ [CUSTOM_EVENT_NAME_ATTRIBUTE]: 'hrsync.run.completed', runId: 'r1' });
  });
});

describe('countsBy', () => {
  it('counts by key, most frequent first, at most `max` keys, skipping empty keys', () => {
    const rows = [{ rule: 'email-format' }, { rule: 'too-long' }, { rule: 'email-format' }, { rule: '' }, { rule: 'date' }];
    expect(countsBy(rows, (r) => r.rule)).toBe('{"email-format":2,"date":1,"too-long":1}');
    expect(countsBy(rows, (r) => r.rule, 1)).toBe('{"email-format":2}');
    expect(countsBy([], (r: { rule: string }) => r.rule)).toBe('{}');
  });
});
