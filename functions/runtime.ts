// One pipeline runtime per process, built on first use from the app settings.
import { createPipelineRuntime } from '../lib/pipeline/runtime.js';
import type { PipelineRuntime } from '../lib/pipeline/runtime.js';
import type { Logger } from '../lib/core/logger.js';

// Client events outside any one invocation (token refreshes, throttling waits) go to the
// process log, which the host forwards to Application Insights.
const processLogger: Logger = {
  info: (message, fields) => console.info(JSON.stringify({ message, ...fields })),
  warn: (message, fields) => console.warn(JSON.stringify({ message, ...fields })),
  error: (message, fields) => console.error(JSON.stringify({ message, ...fields })),
};

let runtime: PipelineRuntime | undefined;

/** The process's runtime; settings errors surface on the first invocation with the variable named. */
export function pipelineRuntime(): PipelineRuntime {
  runtime ??= createPipelineRuntime(process.env, processLogger);
  return runtime;
}

/** Forgets the runtime (the local runner and tests change settings between runs). */
export function resetPipelineRuntime(): void {
  runtime = undefined;
}
