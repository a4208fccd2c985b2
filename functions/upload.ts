// Message on the operations queue (a batch of operations, or one) → upload stage.
import type { InvocationContext } from '@azure/functions';
import { uploadOperations } from '../lib/pipeline/upload.js';
import { register } from './definition.js';
import { contextLogger } from './log.js';
import { pipelineRuntime } from './runtime.js';
import { withTelemetry } from './telemetry.js';

export const upload = register({
  name: 'upload',
  kind: 'storageQueue',
  options: {
    queueName: '%HRSYNC_OPERATIONS_QUEUE%',
    connection: 'HRSYNC_STORAGE',
    handler: withTelemetry(
      async (message: unknown, context: InvocationContext): Promise<void> => {
        const rt = pipelineRuntime();
        await uploadOperations(message, {
          ledger: rt.ledger,
          queue: rt.queue,
          client: rt.client,
          gate: rt.gate,
          sent: rt.sent,
          inFlight: rt.inFlight,
          logger: contextLogger(context),
          clock: { now: () => new Date() },
        });
      },
      { flush: false },
    ),
  },
});
