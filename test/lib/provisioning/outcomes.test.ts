import { describe, expect, it } from 'vitest';
import { summarizeOutcomes, summarizeOutcomesAsync } from '../../../lib/provisioning/outcomes.js';
import { entry } from './entries.js';

describe('summarizeOutcomes', () => {
  it('keeps one outcome per externalId, the latest entry winning regardless of order', () => {
    const outcomes = summarizeOutcomes([
      entry('E2', 'success', '2025-01-01T10:05:00Z', { action: 'update' }),
      entry('E1', 'failure', '2025-01-01T10:00:00Z', { errorCode: 'X', reason: 'manager not yet provisioned' }),
      entry('E1', 'success', '2025-01-01T10:10:00Z', { action: 'update' }),
      entry('E2', 'failure', '2025-01-01T10:01:00Z', { errorCode: 'DuplicateTargetEntries' }),
    ]);
    expect([...outcomes.keys()].sort()).toEqual(['E1', 'E2']);
    expect(outcomes.get('E1')).toMatchObject({ status: 'success', action: 'update', activityDateTime: '2025-01-01T10:10:00Z' });
    expect(outcomes.get('E1')?.retryable).toBeUndefined();
    expect(outcomes.get('E2')?.status).toBe('success');
  });

  it('carries the error code, reason and retryability on failures', () => {
    const outcomes = summarizeOutcomes([
      entry('E3', 'failure', '2025-01-01T00:00:00Z', { errorCode: 'AzureActiveDirectoryInvalidUserPrincipalName', reason: 'UPN invalid' }),
      entry('E4', 'failure', '2025-01-01T00:00:00Z', { errorCode: 'X', steps: [{ provisioningStepType: 'referenceResolution', status: 'failure' }] }),
    ]);
    expect(outcomes.get('E3')).toMatchObject({
      status: 'failure',
      errorCode: 'AzureActiveDirectoryInvalidUserPrincipalName',
      reason: 'UPN invalid',
      retryable: false,
      category: 'invalid-value',
    });
    expect(outcomes.get('E4')).toMatchObject({ status: 'failure', retryable: true, category: 'reference-pending' });
  });

  it('reports scoping failures and skips as skipped, and warnings as warnings', () => {
    const outcomes = summarizeOutcomes([
      entry('E5', 'failure', '2025-01-01T00:00:00Z', { reason: 'out of scope', steps: [{ provisioningStepType: 'scoping', status: 'failure' }] }),
      entry('E6', 'skipped', '2025-01-01T00:00:00Z', { action: 'other' }),
      entry('E7', 'warning', '2025-01-01T00:00:00Z'),
    ]);
    expect(outcomes.get('E5')).toMatchObject({ status: 'skipped', retryable: false, category: 'out-of-scope' });
    expect(outcomes.get('E6')).toMatchObject({ status: 'skipped', action: 'other' });
    expect(outcomes.get('E7')?.status).toBe('warning');
  });

  it('turns an unrecognised status into a permanent failure rather than a success', () => {
    const outcome = summarizeOutcomes([entry('E8', 'unknownFutureValue', '2025-01-01T00:00:00Z')]).get('E8');
    expect(outcome).toMatchObject({ status: 'failure', errorCode: 'UnrecognisedStatus', retryable: false });
  });

  it('ignores entries that name no record', () => {
    const anonymous = { ...entry('x', 'success', '2025-01-01T00:00:00Z'), sourceIdentity: {} };
    expect(summarizeOutcomes([anonymous]).size).toBe(0);
  });

  it('works over an async stream', async () => {
    async function* stream() {
      yield entry('E9', 'failure', '2025-01-01T00:00:00Z', { errorCode: 'Timeout' });
      yield entry('E9', 'success', '2025-01-01T00:01:00Z');
    }
    expect((await summarizeOutcomesAsync(stream())).get('E9')?.status).toBe('success');
  });
});
