// Built-in Azure roles the infra may assign, and what each lets a principal do, in the
// coarse terms the checks use. Ids are Azure's (the same in every tenant); the capabilities
// summarise each role's data actions as documented.

/** What a principal must be able to do on a resource. */
export type Capability =
  | 'blob:read'
  | 'blob:write'
  /** Blob Data Owner's extra: what the Functions host documents for its storage and blob triggers. */
  | 'blob:owner'
  | 'queue:read'
  | 'queue:send'
  | 'queue:process'
  /** Create and delete queues, set their metadata. */
  | 'queue:manage'
  | 'table:read'
  | 'table:write'
  | 'secret:read'
  | 'secret:write'
  | 'metrics:publish';

export interface RoleInfo {
  name: string;
  /** The resource type the role is meant to be scoped to. */
  scopeType: string;
  grants: readonly Capability[];
}

const STORAGE = 'Microsoft.Storage/storageAccounts';

export const BUILT_IN_ROLES: Readonly<Record<string, RoleInfo>> = {
  'b7e6dc6d-f1e8-4753-8033-0f276bb0955b': { name: 'Storage Blob Data Owner', scopeType: STORAGE, grants: ['blob:read', 'blob:write', 'blob:owner'] },
  'ba92f5b4-2d11-453d-a403-e96b0029c9fe': { name: 'Storage Blob Data Contributor', scopeType: STORAGE, grants: ['blob:read', 'blob:write'] },
  '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1': { name: 'Storage Blob Data Reader', scopeType: STORAGE, grants: ['blob:read'] },
  '974c5e8b-45b9-4653-ba55-5f855dd0fb88': { name: 'Storage Queue Data Contributor', scopeType: STORAGE, grants: ['queue:read', 'queue:send', 'queue:process', 'queue:manage'] },
  '8a0f0c08-91a1-4084-bc3d-661d67233fed': { name: 'Storage Queue Data Message Processor', scopeType: STORAGE, grants: ['queue:read', 'queue:process'] },
  'c6a89b2d-59bc-44d0-9896-0f6e12d7b80a': { name: 'Storage Queue Data Message Sender', scopeType: STORAGE, grants: ['queue:send'] },
  '19e7f393-937e-4f77-808e-94535e297925': { name: 'Storage Queue Data Reader', scopeType: STORAGE, grants: ['queue:read'] },
  '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3': { name: 'Storage Table Data Contributor', scopeType: STORAGE, grants: ['table:read', 'table:write'] },
  '76199698-9eea-4c19-bc75-cec21354c6b6': { name: 'Storage Table Data Reader', scopeType: STORAGE, grants: ['table:read'] },
  '4633458b-17de-408a-b874-0445c86b69e6': { name: 'Key Vault Secrets User', scopeType: 'Microsoft.KeyVault/vaults', grants: ['secret:read'] },
  'b86a8fe4-44ce-4948-aee5-eccb2c155cd7': { name: 'Key Vault Secrets Officer', scopeType: 'Microsoft.KeyVault/vaults', grants: ['secret:read', 'secret:write'] },
  '3913510d-42f4-4e42-8a64-420c390055eb': { name: 'Monitoring Metrics Publisher', scopeType: 'Microsoft.Insights/components', grants: ['metrics:publish'] },
};

/** The role id at the end of a roleDefinitionId, if it is one. */
export function roleIdOf(roleDefinitionId: string): string | undefined {
  return /\/roleDefinitions\/([0-9a-f-]{36})$/i.exec(roleDefinitionId)?.[1]?.toLowerCase();
}
