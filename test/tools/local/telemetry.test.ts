// npm run local --verbose prints hrsync's telemetry events, one line each, through the OpenTelemetry
// pipeline the functions use in Azure (only the exporter differs).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TelemetryPipeline } from '../../../functions/telemetry.js';
import { EVENTS } from '../../../lib/telemetry/catalogue.js';
import { emitEvent } from '../../../lib/telemetry/emit.js';
import { eventLine, startLocalTelemetry } from '../../../tools/local/telemetry.js';

const lines: string[] = [];
let pipeline: TelemetryPipeline;
beforeAll(async () => {
  pipeline = await startLocalTelemetry((line) => lines.push(line));
});
afterAll(async () => {
  await pipeline.shutdown();
});

describe('the local event lines', () => {
  it('writes each emitted event as it happens, its fields as key=value', () => {
    emitEvent(EVENTS.runHeld, { runId: 'r-7', source: 'hr', stage: 'guard', thresholds: ['maxShrinkPercent'], limits: [20], actuals: [75], notSent: 0 });
    expect(lines).toEqual(['event hrsync.run.held runId=r-7 source=hr stage=guard thresholds=maxShrinkPercent limits=20 actuals=75 notSent=0\n']);
  });

  it('cuts a long id list to its first three and a count', () => {
    const ids = Array.from({ length: 50 }, (_, i) => `E${String(i).padStart(6, '0')}`);
    expect(eventLine({ attributes: { 'microsoft.custom_event.name': 'hrsync.bulkupload', status: 202, externalIds: ids } })).toBe(
      'event hrsync.bulkupload status=202 externalIds=E000000,E000001,E000002,…(50)',
    );
  });
});
