// hrsync's Logger over the invocation's context, so events reach Application Insights as
// traces with their fields (run ids, request ids, externalIds, counts; never HR data).
import type { InvocationContext } from '@azure/functions';
import type { LogFields, Logger } from '../lib/core/logger.js';

/** A Logger writing one JSON line per event through the invocation context. */
export function contextLogger(context: InvocationContext): Logger {
  const line = (message: string, fields?: LogFields): string => JSON.stringify({ message, invocationId: context.invocationId, ...fields });
  return {
    info: (message, fields) => context.log(line(message, fields)),
    warn: (message, fields) => context.warn(line(message, fields)),
    error: (message, fields) => context.error(line(message, fields)),
  };
}
