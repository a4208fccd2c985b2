// Each function is a definition object registered with the Functions host and exported, so
// the local runner (tools/host) and the tests drive exactly what Azure runs.
import pkg from '@azure/functions';
import type { StorageBlobFunctionOptions, StorageQueueFunctionOptions, TimerFunctionOptions } from '@azure/functions';

const { app } = pkg;

export type FunctionDefinition =
  | { name: string; kind: 'storageBlob'; options: StorageBlobFunctionOptions }
  | { name: string; kind: 'storageQueue'; options: StorageQueueFunctionOptions }
  | { name: string; kind: 'timer'; options: TimerFunctionOptions };

/** Registers a definition with the Functions host (a no-op with a warning outside the host) and returns it. */
export function register<T extends FunctionDefinition>(definition: T): T {
  const d: FunctionDefinition = definition;
  if (d.kind === 'storageBlob') app.storageBlob(d.name, d.options);
  else if (d.kind === 'storageQueue') app.storageQueue(d.name, d.options);
  else app.timer(d.name, d.options);
  return definition;
}
