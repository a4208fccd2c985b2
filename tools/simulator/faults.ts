// Which injected fault, if any, answers a bulkUpload request: one seeded draw per request against
// the configured shares, so a scenario replays identically for the same seed.
import type { FaultOptions } from './options.js';

export type RequestFault = 'throttle' | 'error500' | 'error503' | 'bucketFull' | 'drop';

/** Picks the fault for one request from one draw in [0, 1). */
export function pickRequestFault(faults: FaultOptions, draw: number): RequestFault | undefined {
  const shares: Array<[RequestFault, number | undefined]> = [
    ['throttle', faults.throttleShare],
    ['error500', faults.error500Share],
    ['error503', faults.error503Share],
    ['bucketFull', faults.bucketFullShare],
    ['drop', faults.dropShare],
  ];
  let upTo = 0;
  for (const [fault, share] of shares) {
    upTo += share ?? 0;
    if (draw < upTo) return fault;
  }
  return undefined;
}
