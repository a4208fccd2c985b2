// Role assignments against what the code and the host do on the data plane: every call is covered
// by a role the app's identity holds on the resource it calls, and every role it holds is needed.
import type { DataPlaneUse } from './code-scan.js';
import { describe, isResourceRef } from './evaluate.js';
import type { Deployment, ResourceInstance } from './evaluate.js';
import { identityRefs, originResource, prop, resourcesOf } from './resources.js';
import type { AppSettings, FunctionApp } from './resources.js';
import { BUILT_IN_ROLES, roleIdOf } from './roles.js';
import type { Capability } from './roles.js';

/**
 * What the Functions host itself needs on its storage and the trigger connections, beyond the
 * app's own calls (Microsoft's identity-based connection guidance): Blob Data Owner for
 * AzureWebJobsStorage and for a blob trigger's connection (receipts, leases, host keys); queue
 * create/send for the blob trigger's poison queue; read and process for the queue trigger.
 */
export const HOST_NEEDS: readonly { capability: Capability; why: string }[] = [
  { capability: 'blob:owner', why: 'the Functions host (AzureWebJobsStorage and the blob trigger)' },
  { capability: 'queue:manage', why: 'the blob trigger (its poison queue)' },
  { capability: 'queue:send', why: 'the blob trigger (its poison queue)' },
  { capability: 'queue:process', why: 'the queue trigger' },
  { capability: 'queue:read', why: 'the queue trigger' },
];

/** One capability needed on one resource, and the calls that need it. */
interface Need {
  capability: Capability;
  target: string;
  why: string[];
}

/** What the app's identity must be able to do, keyed `<capability>@<target>`: the code's calls, the host's needs, telemetry by Entra sign-in. */
function neededAccess(uses: readonly DataPlaneUse[], settings: AppSettings, account: ResourceInstance): Map<string, Need> {
  const vaultOrigin = originResource(settings.values.HRSYNC_KEY_VAULT_URL);
  const insightsOrigin = originResource(settings.values.APPLICATIONINSIGHTS_CONNECTION_STRING);
  const targetOf = (capability: Capability): string | undefined =>
    capability.startsWith('secret:') ? vaultOrigin : capability === 'metrics:publish' ? insightsOrigin : account.id;
  const needs = new Map<string, Need>();
  const need = (capability: Capability, why: string): void => {
    const target = targetOf(capability);
    if (target === undefined) return;
    const key = `${capability}@${target}`;
    const entry = needs.get(key) ?? { capability, target, why: [] };
    entry.why.push(why);
    needs.set(key, entry);
  };
  for (const u of uses) {
    // Key Vault is read only when the app is given a vault (app-registration modes).
    if (u.capability.startsWith('secret:') && vaultOrigin === undefined) continue;
    need(u.capability, `${u.file}:${u.line} ${u.call}`);
  }
  for (const h of HOST_NEEDS) need(h.capability, h.why);
  if (describe(settings.values.APPLICATIONINSIGHTS_AUTHENTICATION_STRING).includes('Authorization=AAD'))
    need('metrics:publish', 'Application Insights with local authentication off');
  return needs;
}

/** Every needed capability is granted to the app's identity on the right resource, and every role it holds is needed. */
export function roleProblems(d: Deployment, app: FunctionApp, settings: AppSettings, account: ResourceInstance, uses: readonly DataPlaneUse[]): string[] {
  const problems: string[] = [];
  const needs = neededAccess(uses, settings, account);
  if (settings.values.HRSYNC_KEY_VAULT_URL !== undefined && originResource(settings.values.HRSYNC_KEY_VAULT_URL) === undefined) {
    problems.push(`${settings.file}: HRSYNC_KEY_VAULT_URL must be the vaultUri of a Key Vault declared in infra/`);
  }
  const appPrincipal = identityRefs(app).principalId;
  const granted: { capability: Capability; target: string }[] = [];
  for (const a of resourcesOf(d, 'Microsoft.Authorization/roleAssignments')) {
    const roleDefinitionId = prop(a.body, 'properties', 'roleDefinitionId');
    const roleId = typeof roleDefinitionId === 'string' ? roleIdOf(roleDefinitionId) : undefined;
    const role = roleId === undefined ? undefined : BUILT_IN_ROLES[roleId];
    const label = `${a.file}:${a.line} (${role?.name ?? describe(roleDefinitionId)})`;
    if (role === undefined) {
      problems.push(`${label}: role is not one tools/infra-check/roles.ts knows; add it there with what it grants`);
      continue;
    }
    const scope = a.body.scope;
    if (!isResourceRef(scope) || scope.type !== role.scopeType) {
      problems.push(`${label}: must be scoped to the ${role.scopeType} it is for, is ${describe(scope)}`);
      continue;
    }
    if (describe(prop(a.body, 'properties', 'principalId')) !== appPrincipal) continue;
    if (prop(a.body, 'properties', 'principalType') !== 'ServicePrincipal') problems.push(`${label}: principalType must be ServicePrincipal for a managed identity`);
    const useful = role.grants.filter((c) => needs.has(`${c}@${scope.resource}`));
    if (useful.length === 0) problems.push(`${label}: the app's identity is given a role nothing in the code or the host needs`);
    for (const c of role.grants) granted.push({ capability: c, target: scope.resource });
  }
  for (const n of needs.values()) {
    if (!granted.some((g) => g.capability === n.capability && g.target === n.target)) {
      problems.push(`no role assignment gives the app's identity ${n.capability} on ${n.target}, needed by ${n.why.slice(0, 3).join('; ')}`);
    }
  }
  return problems;
}
