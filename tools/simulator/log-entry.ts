// The provisioningObjectSummary shape, with the field names of the Graph reference
// (resources/provisioningobjectsummary, provisioningstep, provisioningstatusinfo, provisioningerrorinfo).

export type ProvisioningResult = 'success' | 'warning' | 'failure' | 'skipped';
export type ProvisioningAction = 'create' | 'update' | 'delete' | 'stagedDelete' | 'disable' | 'other';
export type ProvisioningStepType = 'import' | 'scoping' | 'matching' | 'processing' | 'referenceResolution' | 'export';

export interface ProvisionedIdentity {
  id: string;
  displayName: string;
  identityType: string;
  details: Record<string, string>;
}

export interface ProvisioningStep {
  provisioningStepType: ProvisioningStepType;
  status: ProvisioningResult;
  name: string;
  description: string;
  details: Record<string, string>;
}

export interface ProvisioningErrorInfo {
  errorCode: string;
  reason: string;
  additionalDetails: string | null;
  errorCategory: 'failure' | 'nonServiceFailure';
  recommendedAction: string | null;
}

export interface ModifiedProperty {
  displayName: string;
  oldValue: string | null;
  newValue: string | null;
}

export interface ProvisioningObjectSummary {
  id: string;
  activityDateTime: string;
  tenantId: string;
  jobId: string;
  cycleId: string;
  changeId: string;
  durationInMilliseconds: number;
  provisioningAction: ProvisioningAction;
  provisioningStatusInfo: { status: ProvisioningResult; errorInformation: ProvisioningErrorInfo | null };
  provisioningSteps: ProvisioningStep[];
  modifiedProperties: ModifiedProperty[];
  servicePrincipal: { id: string; displayName: string };
  sourceSystem: { id: string; displayName: string; details: Record<string, string> };
  targetSystem: { id: string; displayName: string; details: Record<string, string> };
  initiatedBy: { id: string; displayName: string; initiatorType: string };
  sourceIdentity: ProvisionedIdentity;
  targetIdentity: ProvisionedIdentity;
}
