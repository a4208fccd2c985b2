// The storage account against the code: one account, no shared keys, both connections pointing
// at its endpoints, and exactly the containers, queues and tables the settings make the code use,
// declared beside it.
import { STORAGE_CONNECTION } from '../../lib/config/pipeline.js';
import type { PipelineSettings } from '../../lib/config/pipeline.js';
import { ledgerTableNames } from '../../lib/ledger/tables.js';
import { describe, isUnknown } from './evaluate.js';
import type { Deployment, ResourceInstance } from './evaluate.js';
import { identityRefs, originResource, prop, resourcesOf } from './resources.js';
import type { AppSettings, FunctionApp, Step } from './resources.js';

/** The containers, queues and tables infra/ creates, by name. */
export interface CreatedStorage {
  containers: Map<string, ResourceInstance>;
  queues: Map<string, ResourceInstance>;
  tables: Map<string, ResourceInstance>;
}

/** The deployment's one storage account. */
export function storageAccount(d: Deployment): Step<ResourceInstance> {
  const accounts = resourcesOf(d, 'Microsoft.Storage/storageAccounts');
  const account = accounts[0];
  if (account === undefined || accounts.length !== 1) return { problems: [`expected one storage account, found ${accounts.length}`] };
  return { problems: [], found: account };
}

/** Shared keys off, and the host's and the app's connections on this account's endpoints. */
export function storageAccountProblems(account: ResourceInstance, settings: AppSettings): string[] {
  const problems: string[] = [];
  if (prop(account.body, 'properties', 'allowSharedKeyAccess') !== false)
    problems.push(`${account.file}:${account.line}: the storage account must set allowSharedKeyAccess: false`);
  for (const conn of ['AzureWebJobsStorage', STORAGE_CONNECTION]) {
    for (const service of ['blob', 'queue', 'table']) {
      const uri = settings.values[`${conn}__${service}ServiceUri`];
      if (originResource(uri) !== account.id)
        problems.push(`${settings.file}: ${conn}__${service}ServiceUri must be the storage account's ${service} endpoint, is ${describe(uri)}`);
    }
  }
  return problems;
}

/** The containers, queues and tables infra/ creates; each must be declared beside the account. */
export function createdStorage(d: Deployment, account: ResourceInstance): { problems: string[]; created: CreatedStorage } {
  const problems: string[] = [];
  const created = (type: string): Map<string, ResourceInstance> => {
    const out = new Map<string, ResourceInstance>();
    for (const r of resourcesOf(d, type)) {
      if (r.file !== account.file) problems.push(`${r.file}: ${r.type} ${describe(r.body.name)} must be declared beside the storage account (${account.file})`);
      if (typeof r.body.name === 'string') out.set(r.body.name, r);
    }
    return out;
  };
  const containers = created('Microsoft.Storage/storageAccounts/blobServices/containers');
  const queues = created('Microsoft.Storage/storageAccounts/queueServices/queues');
  const tables = created('Microsoft.Storage/storageAccounts/tableServices/tables');
  return { problems, created: { containers, queues, tables } };
}

/** The container the Function App's package is deployed to (functionAppConfig.deployment.storage). */
export function deploymentContainerOf(app: FunctionApp): string {
  const value = prop(app.config, 'deployment', 'storage', 'value');
  return (isUnknown(value) ? value.unknown : describe(value)).split(/[>/]/).pop() ?? '';
}

/** The package is read with the app's own identity, not a key. */
export function deploymentPackageProblems(app: FunctionApp): string[] {
  const storage = prop(app.config, 'deployment', 'storage');
  if (prop(storage, 'authentication', 'type') === 'UserAssignedIdentity' && describe(prop(storage, 'authentication', 'userAssignedIdentityResourceId')) === identityRefs(app).id)
    return [];
  return [`${app.where}: the deployment package must be read with the app's user-assigned identity`];
}

/** Every container, queue and table the code uses is created, and nothing else is. */
export function storageNameProblems(account: ResourceInstance, created: CreatedStorage, pipeline: PipelineSettings, deploymentContainer: string): string[] {
  const problems: string[] = [];
  const { containers, queues, tables } = created;
  const needed: [Map<string, ResourceInstance>, string, string][] = [
    [containers, pipeline.extractsContainer, 'container (HRSYNC_EXTRACTS_CONTAINER)'],
    [containers, pipeline.reportsContainer, 'container (HRSYNC_REPORTS_CONTAINER)'],
    [containers, pipeline.mappingBlob.container, 'container (HRSYNC_MAPPING_BLOB)'],
    [containers, pipeline.sourcesBlob.container, 'container (HRSYNC_SOURCES_BLOB)'],
    [containers, deploymentContainer, 'container (functionAppConfig.deployment)'],
    [queues, pipeline.operationsQueue, 'queue (HRSYNC_OPERATIONS_QUEUE)'],
    [queues, pipeline.poisonQueue, 'queue (poison queue of HRSYNC_OPERATIONS_QUEUE)'],
    ...Object.values(ledgerTableNames(pipeline.tablePrefix)).map((t): [Map<string, ResourceInstance>, string, string] => [tables, t, 'table (ledger, HRSYNC_TABLE_PREFIX)']),
  ];
  for (const [set, name, what] of needed) if (!set.has(name)) problems.push(`${account.file}: the code uses ${what} '${name}', which infra/ does not create`);
  for (const set of [containers, queues, tables]) {
    for (const [name, r] of set)
      if (!needed.some(([s, n]) => s === set && n === name)) problems.push(`${r.file}: ${r.type.split('/').pop()} '${name}' is created but nothing uses it`);
  }
  return problems;
}
