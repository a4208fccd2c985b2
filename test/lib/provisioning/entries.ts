// Builders for provisioning log entries shaped like Graph's v1.0 provisioningObjectSummary.
import type { ProvisioningLogEntry, ProvisioningStep } from '../../../lib/provisioning/log-entry.js';

let counter = 0;

export function entry(
  externalId: string,
  status: string,
  at: string,
  extra: { action?: string; errorCode?: string; reason?: string; steps?: ProvisioningStep[] } = {},
): ProvisioningLogEntry {
  counter += 1;
  return {
    id: `log-${counter}`,
    activityDateTime: at,
    jobId: 'API2AAD.job',
    provisioningAction: extra.action ?? 'create',
    sourceIdentity: { id: externalId, displayName: 'Person Name', identityType: 'User' },
    provisioningSteps: extra.steps ?? [],
    provisioningStatusInfo: {
      status,
      errorInformation:
        extra.errorCode === undefined && extra.reason === undefined ? null : { errorCode: extra.errorCode ?? null, reason: extra.reason ?? null, errorCategory: 'failure' },
    },
  };
}
