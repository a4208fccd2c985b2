// The failure share of a direct sync on its own: failures for a manager not there yet are not
// counted, and the sync is stopped once, with the queued records held.
import { describe, expect, it } from 'vitest';
import type { RecordOutcome } from '../../../lib/provisioning/outcomes.js';
import { silentLogger } from '../../../lib/core/logger.js';
import { FailureShare } from '../../../lib/sync/failure-share.js';

const outcome = (status: RecordOutcome['status'], category?: RecordOutcome['category']): RecordOutcome => ({
  externalId: 'A',
  status,
  action: 'create',
  activityDateTime: '2026-11-23T10:00:00Z',
  logId: 'l',
  ...(category === undefined ? {} : { category }),
});

describe('FailureShare', () => {
  it('stops the sync once past the share, not counting failures for a manager not there yet', () => {
    const stops: number[] = [];
    const share = new FailureShare({
      maxFailedPercent: 20,
      book: {
        stop: () => {
          stops.push(1);
          return ['Q'];
        },
      },
      mirror: undefined,
      logger: silentLogger,
      now: () => 0,
      source: 'default',
    });
    for (let i = 0; i < 150; i++) share.count(outcome('success'));
    for (let i = 0; i < 60; i++) share.count(outcome('failure', 'reference-pending'));
    share.judge();
    expect(share.tally()).toEqual({ outcomes: 210, failures: 0 });
    expect(share.stoppedFor).toBeUndefined();
    for (let i = 0; i < 60; i++) share.count(outcome('failure'));
    share.judge();
    share.judge();
    expect(share.stoppedFor).toMatchObject({ threshold: 'maxFailedPercent', limit: 20 });
    expect(stops).toHaveLength(1);
  });
});
