// Blob created in the extracts container → ingest stage.
import { Readable } from 'node:stream';
import type { InvocationContext } from '@azure/functions';
import { loadExtractsSource } from '../lib/config/pipeline.js';
import { ingestExtract } from '../lib/pipeline/ingest.js';
import { blobVersion } from '../lib/pipeline/blob-trigger.js';
import { register } from './definition.js';
import { contextLogger } from './log.js';
import { pipelineRuntime } from './runtime.js';
import { withTelemetry } from './telemetry.js';

export const ingest = register({
  name: 'ingest',
  kind: 'storageBlob',
  options: {
    path: '%HRSYNC_EXTRACTS_CONTAINER%/{name}',
    connection: 'HRSYNC_STORAGE',
    // Flex Consumption delivers blob events through Event Grid only. Read as the function
    // registers, so a bad value fails loading with the setting named instead of polling in silence.
    source: loadExtractsSource(),
    handler: withTelemetry(async (blob: unknown, context: InvocationContext): Promise<void> => {
      const rt = pipelineRuntime();
      const content = Buffer.isBuffer(blob) ? blob : Buffer.from(typeof blob === 'string' ? blob : JSON.stringify(blob));
      const version = blobVersion(context.triggerMetadata ?? {}, content);
      await ingestExtract(
        { container: rt.settings.extractsContainer, name: version.name, etag: version.etag, lastModified: version.lastModified, content: Readable.from([content]) },
        {
          ledger: rt.ledger, queue: rt.queue, reports: rt.reports, logger: contextLogger(context), clock: { now: () => new Date() },
          loadSources: () => rt.loadSources(), loadMapping: (source) => rt.loadMapping(source), queueBacklog: rt.settings.queueBacklog, gate: rt.gate,
        },
      );
    }, { flush: true }),
  },
});
