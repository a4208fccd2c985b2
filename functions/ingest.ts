// Blob created in the extracts container → ingest stage.
//
// The blob trigger stays (with source EventGrid on Flex Consumption: the host puts each event on
// its own queue, so an ingest may run for minutes, is retried, and lands on the blob poison queue
// that hrsync status reads). But the handler reads the blob itself, by name, in ranges through
// lib/storage (managed identity or connection string, as configured), instead of using the
// Buffer the host hands over: what ingest holds of an extract is one range, not the whole file.
// Why not the other ways: a Node handler cannot get the blob without its content from the
// trigger (dataType is ignored, azure-functions-nodejs-worker#517); SDK-type binding
// (`sdkBinding: true`) needs @azure/functions-extensions-blob, which is not published on npm;
// an Event Grid trigger answers Event Grid only when the function ends, and Event Grid redelivers
// after 30 s (azure-functions-eventgrid-extension#72), which a 1M-row ingest always exceeds.
import type { InvocationContext } from '@azure/functions';
import { loadExtractsSource } from '../lib/config/pipeline.js';
import { ingestExtract } from '../lib/pipeline/ingest.js';
import { openBlob } from '../lib/pipeline/blob-read.js';
import { blobName } from '../lib/pipeline/blob-trigger.js';
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
    // The trigger's content is not used (see above); it is dropped at once.
    handler: withTelemetry(
      async (_content: unknown, context: InvocationContext): Promise<void> => {
        const rt = pipelineRuntime();
        const logger = contextLogger(context);
        const container = rt.settings.extractsContainer;
        const name = blobName(context.triggerMetadata ?? {});
        if (name === undefined) throw new Error('the blob trigger named no blob (no blobTrigger or name in its metadata)');
        const file = `${container}/${name}`;
        const blob = await openBlob(rt.storage.blobService.getContainerClient(container).getBlobClient(name), file);
        if (blob === undefined) {
          logger.warn('Extract blob no longer exists; nothing to ingest', { file });
          return;
        }
        try {
          await ingestExtract(
            { container, name, etag: blob.etag, lastModified: blob.lastModified, content: blob.content },
            {
              ledger: rt.ledger,
              queue: rt.queue,
              reports: rt.reports,
              logger,
              clock: { now: () => new Date() },
              loadSources: () => rt.loadSources(),
              loadMapping: (source) => rt.loadMapping(source),
              queueBacklog: rt.settings.queueBacklog,
              gate: rt.gate,
            },
          );
        } finally {
          blob.close();
        }
      },
      { flush: true },
    ),
  },
});
