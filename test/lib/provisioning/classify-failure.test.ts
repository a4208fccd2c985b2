import { describe, expect, it } from 'vitest';
import { classifyFailure } from '../../../lib/provisioning/classify-failure.js';
import { entry } from './entries.js';

const failed = (errorCode?: string, reason?: string, steps = [] as { provisioningStepType: string; status: string }[]) =>
  classifyFailure(entry('E1', 'failure', '2025-01-01T00:00:00Z', { ...(errorCode ? { errorCode } : {}), ...(reason ? { reason } : {}), steps }));

describe('classifyFailure', () => {
  it('retries when the reference-resolution step failed, even if the reason only says "Invalid value"', () => {
    expect(failed('SomethingElse', 'Invalid value', [{ provisioningStepType: 'referenceResolution', status: 'failure' }])).toEqual({
      retryable: true,
      category: 'reference-pending',
    });
    expect(failed(undefined, undefined, [{ provisioningStepType: 'ReferenceResolution', status: 'Failure' }]).retryable).toBe(true);
  });

  it('retries manager/reference codes and reasons', () => {
    expect(failed('ManagerReferenceNotFound')).toEqual({ retryable: true, category: 'reference-pending' });
    expect(failed('X', 'The manager with externalId 123 has not been provisioned yet.')).toEqual({ retryable: true, category: 'reference-pending' });
  });

  it('retries service-side trouble', () => {
    for (const code of ['TooManyRequests', 'InternalError', 'Timeout', 'WebExceptionProtocolError', 'SystemForCrossDomainIdentityManagementServiceIncompatible']) {
      expect(failed(code)).toEqual({ retryable: true, category: 'service-transient' });
    }
    expect(failed('Unlisted', 'The operation timed out. Try again later.').retryable).toBe(true);
  });

  it('does not retry what a resend cannot fix', () => {
    expect(failed('AzureActiveDirectoryInvalidUserPrincipalName')).toEqual({ retryable: false, category: 'invalid-value' });
    expect(failed('DuplicateTargetEntries')).toEqual({ retryable: false, category: 'conflict' });
    expect(failed('X', 'Another object with the same value for property userPrincipalName already exists.')).toEqual({ retryable: false, category: 'conflict' });
    expect(failed('X', 'The domain portion of the userPrincipalName property is invalid: domain does not exist')).toEqual({ retryable: false, category: 'invalid-domain' });
    expect(failed('InvalidDomain')).toEqual({ retryable: false, category: 'invalid-domain' });
    expect(failed('SchemaAttributeNotFound')).toEqual({ retryable: false, category: 'configuration' });
  });

  it('treats a failed scoping step as out of scope', () => {
    expect(failed(undefined, undefined, [{ provisioningStepType: 'scoping', status: 'failure' }])).toEqual({ retryable: false, category: 'out-of-scope' });
  });

  it('defaults unknown codes to permanent', () => {
    expect(failed('BrandNewCode', 'Something we have never seen')).toEqual({ retryable: false, category: 'unknown' });
  });
});
