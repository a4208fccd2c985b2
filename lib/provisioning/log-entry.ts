// The fields of Graph's provisioningObjectSummary (v1.0) that hrsync reads. Entries hold HR
// personal data (display names, modified values): they go to reports, never to logs.

export const PROVISIONING_STATUSES = ['success', 'warning', 'failure', 'skipped'] as const;
export type ProvisioningStatus = (typeof PROVISIONING_STATUSES)[number];

export interface ProvisionedIdentity {
  /** On sourceIdentity: the record's externalId. */
  id?: string;
  displayName?: string;
  identityType?: string;
  details?: unknown;
}

export interface ProvisioningStep {
  /** import | scoping | matching | processing | referenceResolution | export (case varies in practice). */
  provisioningStepType?: string;
  status?: string;
  name?: string;
  description?: string;
  details?: unknown;
}

export interface ProvisioningErrorInformation {
  errorCode?: string | null;
  reason?: string | null;
  additionalDetails?: string | null;
  errorCategory?: string | null;
  recommendedAction?: string | null;
}

export interface ProvisioningLogEntry {
  id: string;
  activityDateTime: string;
  jobId?: string;
  cycleId?: string;
  changeId?: string;
  durationInMilliseconds?: number;
  /** create | update | delete | stagedDelete | disable | other */
  provisioningAction?: string;
  sourceIdentity?: ProvisionedIdentity;
  targetIdentity?: ProvisionedIdentity;
  provisioningSteps?: ProvisioningStep[];
  modifiedProperties?: unknown[];
  provisioningStatusInfo?: {
    status?: string;
    errorInformation?: ProvisioningErrorInformation | null;
  };
}
