// Timer → reconcile stage.
import type { InvocationContext, Timer } from '@azure/functions';
import { DEFAULT_RECONCILE_OPTIONS, reconcile as reconcileStage } from '../lib/pipeline/reconcile.js';
import { register } from './definition.js';
import { contextLogger } from './log.js';
import { pipelineRuntime } from './runtime.js';
import { withTelemetry } from './telemetry.js';

export const reconcile = register({
  name: 'reconcile',
  kind: 'timer',
  options: {
    schedule: '%HRSYNC_RECONCILE_SCHEDULE%',
    handler: withTelemetry(
      async (_timer: Timer, context: InvocationContext): Promise<void> => {
        const rt = pipelineRuntime();
        await reconcileStage(
          {
            ledger: rt.ledger,
            queue: rt.queue,
            poison: rt.poison,
            reports: rt.reports,
            client: rt.client,
            gate: rt.gate,
            logger: contextLogger(context),
            clock: { now: () => new Date() },
          },
          {
            ...DEFAULT_RECONCILE_OPTIONS,
            maxAttempts: rt.settings.maxAttempts,
            confirmTimeoutMinutes: rt.settings.confirmTimeoutMinutes,
            retryBaseSeconds: rt.settings.retryBaseSeconds,
            logLagMinutes: rt.settings.logLagMinutes,
          },
        );
      },
      { flush: true },
    ),
  },
});
