// Checks that infra/ and the code agree, for one evaluated deployment (one set of parameter
// values): the app settings are the ones lib/config reads and the app starts with them; the
// containers, queues and tables the code uses exist; every data-plane call the code makes is
// covered by a role assignment to the app's identity, and no role goes beyond what is needed;
// the rate limit holds across all instances; the storage, vault and monitoring settings an
// identity team will ask about are as documented. Each problem is one sentence naming the file.
import { APP_SETTING_NAMES } from '../../lib/config/names.js';
import { loadPipelineSettings, STORAGE_CONNECTION } from '../../lib/config/pipeline.js';
import type { PipelineSettings } from '../../lib/config/pipeline.js';
import { SettingsError } from '../../lib/config/errors.js';
import { loadSettings } from '../../lib/config/settings.js';
import type { Settings } from '../../lib/config/settings.js';
import { ledgerTableNames } from '../../lib/ledger/tables.js';
import { createPipelineRuntime } from '../../lib/pipeline/runtime.js';
import { silentLogger } from '../../lib/provisioning/logger.js';
import { resolveStorageConnection } from '../../lib/storage/connection.js';
import type { DataPlaneUse } from './code-scan.js';
import { describe, isObject, isResourceRef, isUnknown } from './evaluate.js';
import type { Deployment, ResourceInstance, Value } from './evaluate.js';
import { BUILT_IN_ROLES, roleIdOf } from './roles.js';
import type { Capability } from './roles.js';

/** The provisioning API's documented limit: 40 bulkUpload calls in any 5-second window per job. */
export const PROVISIONING_API_LIMIT = { requests: 40, windowSeconds: 5 };

/** Settings the Functions host and its Application Insights integration read, not hrsync's code. */
export const HOST_SETTINGS: Readonly<Record<string, string>> = {
  AzureWebJobsStorage__credential: 'host storage: sign in with a managed identity',
  AzureWebJobsStorage__clientId: 'host storage: which user-assigned identity',
  AzureWebJobsStorage__blobServiceUri: 'host storage: blob endpoint',
  AzureWebJobsStorage__queueServiceUri: 'host storage: queue endpoint',
  AzureWebJobsStorage__tableServiceUri: 'host storage: table endpoint',
  AzureWebJobsStorage__accountName: 'host storage: account (alternative to the URIs)',
  APPLICATIONINSIGHTS_CONNECTION_STRING: 'where the host sends telemetry, and hrsync its custom events and metrics (functions/telemetry.ts)',
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Entra sign-in for telemetry, the host\'s and hrsync\'s exporter\'s (local auth is off)',
};

/** Settings hrsync reads that the deployment leaves unset on purpose, and why. */
export const INTENTIONALLY_UNSET: Readonly<Record<string, string>> = {
  HRSYNC_KEY_VAULT_LOCAL: 'only for the local simulator; in Azure the default (false) keeps Key Vault challenge checks on',
  HRSYNC_KEY_VAULT_CREDENTIAL: 'the default, managed-identity, is right in Azure; azure-cli is for workstations',
};

/** The connection-convention suffixes lib/storage reads after HRSYNC_STORAGE__. */
const STORAGE_SUFFIXES = ['accountName', 'blobServiceUri', 'queueServiceUri', 'tableServiceUri', 'credential', 'clientId'];

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

export interface CheckInput {
  scenario: string;
  deployment: Deployment;
  /** What the code does on the data plane (scanDataPlane). */
  uses: readonly DataPlaneUse[];
  /** Names of the app's blob-triggered functions. */
  blobFunctions: readonly string[];
  /** Events the code logs (loggedEvents). */
  loggedEvents: ReadonlySet<string>;
  /** Custom events and metrics the code emits, with their fields (lib/telemetry/catalogue.ts). */
  telemetry: TelemetryCatalogue;
}

/** Event and metric names with the customDimensions each carries. */
export interface TelemetryCatalogue {
  events: ReadonlyMap<string, readonly string[]>;
  metrics: ReadonlyMap<string, readonly string[]>;
}

/**
 * Events an alert must watch, and why: the alerts issue 14 asks for. Each must be named by some
 * scheduled query rule's query.
 */
export const ALERTED_EVENTS: Readonly<Record<string, string>> = {
  'hrsync.run.held': 'a held run',
  'hrsync.job.state': 'the provisioning job paused or in quarantine',
  'hrsync.uploads.wait': 'the daily budget spent before the runs finished',
  'hrsync.run.stopped': 'the failure-share guard tripped',
  'hrsync.run.started': 'no run for a source (its nightly extract never arrived)',
  'hrsync.run.ingested': 'a run not complete in time',
  'hrsync.records.poisoned': 'poison messages',
};

/**
 * Problems with one query's use of customEvents/customMetrics: every event or metric it names
 * (`name == "…"`, `name in ("…", …)`) must be one the code emits, and every customDimensions
 * field it reads must be carried by one of the events or metrics it names.
 */
export function telemetryQueryProblems(query: string, catalogue: TelemetryCatalogue): string[] {
  if (!/\bcustom(Events|Metrics)\b/.test(query)) return [];
  const problems: string[] = [];
  const names = new Set<string>();
  for (const m of query.matchAll(/\bname\s*(?:==|=~)\s*"([^"\n]+)"/g)) names.add(m[1] as string);
  for (const m of query.matchAll(/\bname\s+in\s*\(([^)]*)\)/g)) for (const q of (m[1] as string).matchAll(/"([^"\n]+)"/g)) names.add(q[1] as string);
  const carried = new Set<string>();
  for (const name of names) {
    const fields = catalogue.events.get(name) ?? catalogue.metrics.get(name);
    if (fields === undefined) problems.push(`looks for the event "${name}", which the code does not emit (lib/telemetry/catalogue.ts)`);
    else for (const f of fields) carried.add(f);
  }
  if (names.size === 0) problems.push('reads customEvents or customMetrics without naming an event (name == "…")');
  const read = new Set<string>();
  for (const m of query.matchAll(/customDimensions\.([A-Za-z_][A-Za-z0-9_]*)/g)) read.add(m[1] as string);
  for (const m of query.matchAll(/customDimensions\[\s*["']([^"']+)["']\s*\]/g)) read.add(m[1] as string);
  for (const field of read) {
    if (!carried.has(field) && names.size > 0) problems.push(`reads customDimensions.${field}, which none of the events it names carries (${[...names].join(', ')})`);
  }
  return problems;
}

const GUID = '00000000-0000-4000-8000-000000000001';

/** A typical value for a setting whose value Azure fills in at deploy time. */
function sampleValue(name: string, value: Value): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const service = /(blob|queue|table)ServiceUri$/.exec(name)?.[1];
  if (service !== undefined) return `https://sample.${service}.core.windows.net/`;
  if (/VAULT_URL$/.test(name)) return 'https://sample.vault.azure.net/';
  if (/CONNECTION_STRING$/.test(name)) return 'InstrumentationKey=sample;IngestionEndpoint=https://sample.example/';
  if (/(_ID|clientId)$/i.test(name) || /\.(clientId|principalId|tenantId)$/.test(describe(value).replace(/>$/, ''))) return GUID;
  return 'sample';
}

function resourcesOf(d: Deployment, type: string): ResourceInstance[] {
  return d.resources.filter((r) => r.type.toLowerCase() === type.toLowerCase() && !r.existing);
}

function prop(v: Value | undefined, ...path: string[]): Value | undefined {
  let cur = v;
  for (const p of path) {
    if (!isObject(cur)) return undefined;
    cur = cur[p];
  }
  return cur;
}

/** The `<file>#<symbol>` a deploy-time value comes from, e.g. the storage account of an endpoint. */
function originResource(v: Value | undefined): string | undefined {
  if (isResourceRef(v)) return v.resource;
  if (!isUnknown(v)) return undefined;
  return /^([^<>\s]+#[A-Za-z0-9_]+)/.exec(v.unknown)?.[1];
}

function settingsErrors(fn: () => unknown): string[] {
  try {
    fn();
    return [];
  } catch (err) {
    if (err instanceof SettingsError) return err.problems.map((p) => p.message);
    return [err instanceof Error ? err.message : String(err)];
  }
}

/** Every string inside a value, including those inside JSON text (a workbook's serializedData). */
function stringsIn(v: Value | undefined): string[] {
  if (typeof v === 'string') {
    if (!v.startsWith('{')) return [v];
    try {
      return [v, ...stringsIn(JSON.parse(v) as Value)];
    } catch {
      return [v];
    }
  }
  if (isUnknown(v)) return [v.unknown];
  if (Array.isArray(v)) return v.flatMap((x) => stringsIn(x));
  if (isObject(v)) return Object.values(v).flatMap((x) => stringsIn(x));
  return [];
}

/** Names of the Function App's app settings in one deployment (none if it has no known ones). */
export function appSettingNames(d: Deployment): string[] {
  const settings = prop(resourcesOf(d, 'Microsoft.Web/sites/config').find((r) => r.body.name === 'appsettings')?.body, 'properties');
  return isObject(settings) ? Object.keys(settings) : [];
}

/** Settings hrsync reads that no deployment sets and that are not left unset on purpose. */
export function unsetSettings(deployments: readonly Deployment[]): string[] {
  // A connection is set by its identity-based NAME__* settings too.
  const set = new Set(deployments.flatMap(appSettingNames).map((n) => n.split('__')[0]));
  return APP_SETTING_NAMES.filter((name) => !set.has(name) && !(name in INTENTIONALLY_UNSET)).map(
    (name) => `${name} is read by hrsync (lib/config/names.ts) but no deployment sets it: set it in infra/main.bicep, or add it to INTENTIONALLY_UNSET in tools/infra-check/checks.ts with the reason`,
  );
}

/** Every problem with one evaluated deployment. */
export function checkDeployment(input: CheckInput): string[] {
  const problems: string[] = [];
  const say = (message: string): void => {
    problems.push(`[${input.scenario}] ${message}`);
  };
  const d = input.deployment;

  // --- The Function App, its plan and identity -------------------------------------------
  const sites = resourcesOf(d, 'Microsoft.Web/sites');
  const site = sites[0];
  if (site === undefined || sites.length !== 1) {
    say(`expected one Function App (Microsoft.Web/sites), found ${sites.length}`);
    return problems;
  }
  const where = `${site.file}:${site.line}`;
  const plan = resourcesOf(d, 'Microsoft.Web/serverfarms')[0];
  const flex = prop(plan?.body, 'sku', 'name') === 'FC1';
  if (!flex) say(`${plan?.file ?? site.file}: the plan is not Flex Consumption (sku FC1)`);
  if (prop(site.body, 'properties', 'httpsOnly') !== true) say(`${where}: the Function App must set httpsOnly: true`);
  const config = prop(site.body, 'properties', 'functionAppConfig');
  const runtime = prop(config, 'runtime');
  if (prop(runtime, 'name') !== 'node' || !['20', '22'].includes(String(prop(runtime, 'version')))) {
    say(`${where}: functionAppConfig.runtime must be node 20 or 22, is ${describe(runtime)}`);
  }
  const identities = prop(site.body, 'identity', 'userAssignedIdentities');
  const identityKeys = isObject(identities) ? Object.keys(identities) : [];
  const identity = identityKeys.length === 1 ? /^<(.+)\.id>$/.exec(identityKeys[0] as string)?.[1] : undefined;
  if (identity === undefined || !d.resources.some((r) => r.id === identity && r.type === 'Microsoft.ManagedIdentity/userAssignedIdentities')) {
    say(`${where}: the Function App must run as exactly one user-assigned managed identity declared in infra/`);
    return problems;
  }
  const appPrincipal = `<${identity}.properties.principalId>`;
  const appClientId = `<${identity}.properties.clientId>`;

  // --- App settings ----------------------------------------------------------------------
  const settingsResource = resourcesOf(d, 'Microsoft.Web/sites/config').find((r) => r.body.name === 'appsettings');
  const settings = prop(settingsResource?.body, 'properties');
  if (!isObject(settings)) {
    say(`${site.file}: no Microsoft.Web/sites/config 'appsettings' with known setting names`);
    return problems;
  }
  const appNames = new Set<string>(APP_SETTING_NAMES);
  for (const [name, value] of Object.entries(settings)) {
    const storageSuffix = name.startsWith(`${STORAGE_CONNECTION}__`) ? name.slice(STORAGE_CONNECTION.length + 2) : undefined;
    const read = appNames.has(name) || (storageSuffix !== undefined && STORAGE_SUFFIXES.includes(storageSuffix)) || name in HOST_SETTINGS;
    if (!read) say(`${settingsResource?.file}: app setting ${name} is set but neither hrsync (lib/config/names.ts) nor the host reads it`);
    if (name in INTENTIONALLY_UNSET) say(`${settingsResource?.file}: ${name} is set, but is meant to stay unset in Azure: ${INTENTIONALLY_UNSET[name]}`);
    if (typeof value === 'string' && /AccountKey=|SharedAccessSignature=/i.test(value)) say(`${settingsResource?.file}: ${name} holds a storage key or SAS; connect by identity`);
  }
  for (const conn of ['AzureWebJobsStorage', STORAGE_CONNECTION]) {
    if (conn in settings) say(`${settingsResource?.file}: ${conn} is a connection string (a shared key); use ${conn}__* identity settings`);
    if (settings[`${conn}__credential`] !== 'managedidentity') say(`${settingsResource?.file}: ${conn}__credential must be 'managedidentity'`);
    if (describe(settings[`${conn}__clientId`]) !== appClientId) say(`${settingsResource?.file}: ${conn}__clientId must be the app identity's client id, is ${describe(settings[`${conn}__clientId`])}`);
  }
  if (describe(settings.HRSYNC_MANAGED_IDENTITY_CLIENT_ID) !== appClientId) {
    say(`${settingsResource?.file}: HRSYNC_MANAGED_IDENTITY_CLIENT_ID must be the app identity's client id, is ${describe(settings.HRSYNC_MANAGED_IDENTITY_CLIENT_ID)}`);
  }
  if (flex && settings.HRSYNC_EXTRACTS_SOURCE !== 'EventGrid') say(`${settingsResource?.file}: on Flex Consumption HRSYNC_EXTRACTS_SOURCE must be 'EventGrid' (blob triggers run only from Event Grid)`);

  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(settings)) env[name] = sampleValue(name, value);
  let pipeline: PipelineSettings | undefined;
  let app: Settings | undefined;
  const startErrors = [
    ...settingsErrors(() => (pipeline = loadPipelineSettings(env))),
    ...settingsErrors(() => (app = loadSettings(env))),
    ...settingsErrors(() => resolveStorageConnection(env)),
    ...settingsErrors(() => createPipelineRuntime(env, silentLogger)),
  ];
  for (const message of new Set(startErrors)) say(`${settingsResource?.file}: with these app settings the app would not start: ${message}`);
  if (pipeline === undefined || app === undefined) return problems;

  // --- Rate limit across instances --------------------------------------------------------
  const maxInstances = prop(config, 'scaleAndConcurrency', 'maximumInstanceCount');
  if (typeof maxInstances !== 'number') {
    say(`${where}: functionAppConfig.scaleAndConcurrency.maximumInstanceCount must be a known number`);
  } else {
    const { rateLimitRequests, rateLimitWindowSeconds } = app.pacing;
    // All instances at full pace: maxInstances × requests per window, compared per second.
    if (maxInstances * rateLimitRequests * PROVISIONING_API_LIMIT.windowSeconds > PROVISIONING_API_LIMIT.requests * rateLimitWindowSeconds) {
      say(
        `${where}: ${maxInstances} instances × ${rateLimitRequests} requests per ${rateLimitWindowSeconds} s exceeds the provisioning API's ${PROVISIONING_API_LIMIT.requests} per ${PROVISIONING_API_LIMIT.windowSeconds} s`,
      );
    }
  }

  // --- Containers, queues, tables ----------------------------------------------------------
  const accounts = resourcesOf(d, 'Microsoft.Storage/storageAccounts');
  const account = accounts[0];
  if (account === undefined || accounts.length !== 1) {
    say(`expected one storage account, found ${accounts.length}`);
    return problems;
  }
  if (prop(account.body, 'properties', 'allowSharedKeyAccess') !== false) say(`${account.file}:${account.line}: the storage account must set allowSharedKeyAccess: false`);
  for (const conn of ['AzureWebJobsStorage', STORAGE_CONNECTION]) {
    for (const service of ['blob', 'queue', 'table']) {
      const origin = originResource(settings[`${conn}__${service}ServiceUri`]);
      if (origin !== account.id) say(`${settingsResource?.file}: ${conn}__${service}ServiceUri must be the storage account's ${service} endpoint, is ${describe(settings[`${conn}__${service}ServiceUri`])}`);
    }
  }
  const created = (type: string): Map<string, ResourceInstance> => {
    const out = new Map<string, ResourceInstance>();
    for (const r of resourcesOf(d, type)) {
      if (r.file !== account.file) say(`${r.file}: ${r.type} ${describe(r.body.name)} must be declared beside the storage account (${account.file})`);
      if (typeof r.body.name === 'string') out.set(r.body.name, r);
    }
    return out;
  };
  const containers = created('Microsoft.Storage/storageAccounts/blobServices/containers');
  const queues = created('Microsoft.Storage/storageAccounts/queueServices/queues');
  const tables = created('Microsoft.Storage/storageAccounts/tableServices/tables');
  const deploymentStorage = prop(config, 'deployment', 'storage');
  const deploymentValue = prop(deploymentStorage, 'value');
  const deploymentContainer = (isUnknown(deploymentValue) ? deploymentValue.unknown : describe(deploymentValue)).split(/[>/]/).pop() ?? '';
  if (prop(deploymentStorage, 'authentication', 'type') !== 'UserAssignedIdentity' || describe(prop(deploymentStorage, 'authentication', 'userAssignedIdentityResourceId')) !== `<${identity}.id>`) {
    say(`${where}: the deployment package must be read with the app's user-assigned identity`);
  }
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
  for (const [set, name, what] of needed) if (!set.has(name)) say(`${account.file}: the code uses ${what} '${name}', which infra/ does not create`);
  for (const set of [containers, queues, tables]) {
    for (const [name, r] of set) if (!needed.some(([s, n]) => s === set && n === name)) say(`${r.file}: ${r.type.split('/').pop()} '${name}' is created but nothing uses it`);
  }

  // --- Roles ------------------------------------------------------------------------------
  const vaultOrigin = originResource(settings.HRSYNC_KEY_VAULT_URL);
  const insightsOrigin = originResource(settings.APPLICATIONINSIGHTS_CONNECTION_STRING);
  const usesAadTelemetry = describe(settings.APPLICATIONINSIGHTS_AUTHENTICATION_STRING).includes('Authorization=AAD');
  const targetOf = (capability: Capability): string | undefined =>
    capability.startsWith('secret:') ? vaultOrigin : capability === 'metrics:publish' ? insightsOrigin : account.id;
  const needs = new Map<string, { capability: Capability; target: string; why: string[] }>();
  const need = (capability: Capability, why: string): void => {
    const target = targetOf(capability);
    if (target === undefined) return;
    const key = `${capability}@${target}`;
    const entry = needs.get(key) ?? { capability, target, why: [] };
    entry.why.push(why);
    needs.set(key, entry);
  };
  for (const u of input.uses) {
    // Key Vault is read only when the app is given a vault (app-registration modes).
    if (u.capability.startsWith('secret:') && vaultOrigin === undefined) continue;
    need(u.capability, `${u.file}:${u.line} ${u.call}`);
  }
  for (const h of HOST_NEEDS) need(h.capability, h.why);
  if (usesAadTelemetry) need('metrics:publish', 'Application Insights with local authentication off');
  if (settings.HRSYNC_KEY_VAULT_URL !== undefined && vaultOrigin === undefined) say(`${settingsResource?.file}: HRSYNC_KEY_VAULT_URL must be the vaultUri of a Key Vault declared in infra/`);

  const assignments = resourcesOf(d, 'Microsoft.Authorization/roleAssignments');
  const granted: { capability: Capability; target: string }[] = [];
  for (const a of assignments) {
    const roleDefinitionId = prop(a.body, 'properties', 'roleDefinitionId');
    const roleId = typeof roleDefinitionId === 'string' ? roleIdOf(roleDefinitionId) : undefined;
    const role = roleId === undefined ? undefined : BUILT_IN_ROLES[roleId];
    const label = `${a.file}:${a.line} (${role?.name ?? describe(roleDefinitionId)})`;
    if (role === undefined) {
      say(`${label}: role is not one tools/infra-check/roles.ts knows; add it there with what it grants`);
      continue;
    }
    const scope = a.body.scope;
    if (!isResourceRef(scope) || scope.type !== role.scopeType) {
      say(`${label}: must be scoped to the ${role.scopeType} it is for, is ${describe(scope)}`);
      continue;
    }
    if (describe(prop(a.body, 'properties', 'principalId')) !== appPrincipal) continue;
    if (prop(a.body, 'properties', 'principalType') !== 'ServicePrincipal') say(`${label}: principalType must be ServicePrincipal for a managed identity`);
    const useful = role.grants.filter((c) => needs.has(`${c}@${scope.resource}`));
    if (useful.length === 0) say(`${label}: the app's identity is given a role nothing in the code or the host needs`);
    for (const c of role.grants) granted.push({ capability: c, target: scope.resource });
  }
  for (const n of needs.values()) {
    if (!granted.some((g) => g.capability === n.capability && g.target === n.target)) {
      say(`no role assignment gives the app's identity ${n.capability} on ${n.target}, needed by ${n.why.slice(0, 3).join('; ')}`);
    }
  }

  // --- Vault and monitoring ---------------------------------------------------------------
  for (const v of resourcesOf(d, 'Microsoft.KeyVault/vaults')) {
    if (prop(v.body, 'properties', 'enableRbacAuthorization') !== true) say(`${v.file}:${v.line}: Key Vault must use RBAC (enableRbacAuthorization: true)`);
    if (prop(v.body, 'properties', 'enablePurgeProtection') !== true) say(`${v.file}:${v.line}: Key Vault must have purge protection`);
  }
  for (const c of resourcesOf(d, 'Microsoft.Insights/components')) {
    if (prop(c.body, 'properties', 'DisableLocalAuth') !== true) say(`${c.file}:${c.line}: Application Insights must disable local (key) authentication`);
  }

  // --- Event Grid delivery to the blob-triggered functions ---------------------------------
  const topics = resourcesOf(d, 'Microsoft.EventGrid/systemTopics').filter((t) => prop(t.body, 'properties', 'topicType') === 'Microsoft.Storage.StorageAccounts');
  if (flex && topics.length === 0) say('no Event Grid system topic on the storage account: Flex Consumption blob triggers need one');
  if (d.outputs.HRSYNC_EXTRACTS_CONTAINER !== pipeline.extractsContainer) say(`infra/main.bicep: output HRSYNC_EXTRACTS_CONTAINER (${describe(d.outputs.HRSYNC_EXTRACTS_CONTAINER)}) must be the extracts container '${pipeline.extractsContainer}' the event subscription filters on`);
  const ingestOutput = d.outputs.INGEST_FUNCTION_NAME;
  if (typeof ingestOutput !== 'string' || !input.blobFunctions.includes(ingestOutput)) {
    say(`infra/main.bicep: output INGEST_FUNCTION_NAME (${describe(ingestOutput)}) must name the blob-triggered function (${input.blobFunctions.join(', ')})`);
  }

  // --- Alert and workbook queries read events and fields the code emits --------------------
  const rules = resourcesOf(d, 'Microsoft.Insights/scheduledQueryRules');
  for (const r of [...rules, ...resourcesOf(d, 'Microsoft.Insights/workbooks')]) {
    // Each query on its own (a workbook's serialised JSON is read item by item, not as one text).
    for (const query of new Set(stringsIn(r.body).filter((t) => !t.startsWith('{')))) {
      for (const p of telemetryQueryProblems(query, input.telemetry)) say(`${r.file}:${r.line}: ${String(r.body.name ?? r.id)}: the query ${p}`);
    }
  }
  const alerted = rules.map((r) => stringsIn(r.body).join('\n')).join('\n');
  for (const [event, what] of Object.entries(ALERTED_EVENTS)) {
    if (!new RegExp(`"${event.replace(/\./g, '\\.')}"`).test(alerted)) say(`infra/modules/alerts.bicep: no alert rule reads the event "${event}" (${what})`);
  }
  for (const r of [...rules, ...resourcesOf(d, 'Microsoft.Insights/workbooks')]) {
    // hrsync's events are sentences; host messages matched by a token (MaxDequeueCount) are not.
    for (const m of stringsIn(r.body).join('\n').matchAll(/(==|has) "([^"\n]* [^"\n]*)"/g)) {
      const event = m[2] as string;
      // `==` compares the whole message; `has` finds the words anywhere in it.
      const logged = m[1] === '==' ? input.loggedEvents.has(event) : [...input.loggedEvents].some((e) => e.includes(event));
      if (!logged) say(`${r.file}:${r.line}: the query looks for the event "${event}", which the code no longer logs`);
    }
  }
  return problems;
}
