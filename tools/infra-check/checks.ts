// Checks that infra/ and the code agree, for one evaluated deployment (one set of parameter
// values): the app settings are the ones lib/config reads and the app starts with them; the
// containers, queues and tables the code uses exist; every data-plane call the code makes is
// covered by a role assignment to the app's identity, and no role goes beyond what is needed;
// the rate limit holds across all instances; the storage, vault and monitoring settings an
// identity team will ask about are as documented. Each problem is one sentence naming the file.
// checkDeployment composes one check per concern; storage, roles and telemetry have files of their own.
import { APP_SETTING_NAMES } from '../../lib/config/names.js';
import { loadPipelineSettings, STORAGE_CONNECTION } from '../../lib/config/pipeline.js';
import type { PipelineSettings } from '../../lib/config/pipeline.js';
import { SettingsError } from '../../lib/config/errors.js';
import { loadSettings } from '../../lib/config/settings.js';
import type { Settings } from '../../lib/config/settings.js';
import { createPipelineRuntime } from '../../lib/pipeline/runtime.js';
import { silentLogger } from '../../lib/core/logger.js';
import { resolveStorageConnection } from '../../lib/storage/connection.js';
import { roleProblems } from './access-checks.js';
import type { DataPlaneUse } from './code-scan.js';
import { describe, isObject } from './evaluate.js';
import type { Deployment, Value } from './evaluate.js';
import { appSettingsResource, identityRefs, prop, resourcesOf } from './resources.js';
import type { AppSettings, FunctionApp, Step } from './resources.js';
import { createdStorage, deploymentContainerOf, deploymentPackageProblems, storageAccount, storageAccountProblems, storageNameProblems } from './storage-checks.js';
import { telemetryProblems } from './telemetry-checks.js';
import type { TelemetryCatalogue } from './telemetry-checks.js';

export { HOST_NEEDS } from './access-checks.js';
export { ALERTED_EVENTS, telemetryQueryProblems } from './telemetry-checks.js';
export type { TelemetryCatalogue } from './telemetry-checks.js';

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
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: "Entra sign-in for telemetry, the host's and hrsync's exporter's (local auth is off)",
};

/** Settings hrsync reads that the deployment leaves unset on purpose, and why. */
export const INTENTIONALLY_UNSET: Readonly<Record<string, string>> = {
  HRSYNC_KEY_VAULT_LOCAL: 'only for the local simulator; in Azure the default (false) keeps Key Vault challenge checks on',
  HRSYNC_KEY_VAULT_CREDENTIAL: 'the default, managed-identity, is right in Azure; azure-cli is for workstations',
};

/** The connection-convention suffixes lib/storage reads after HRSYNC_STORAGE__. */
const STORAGE_SUFFIXES = ['accountName', 'blobServiceUri', 'queueServiceUri', 'tableServiceUri', 'credential', 'clientId'];

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

function settingsErrors(fn: () => unknown): string[] {
  try {
    fn();
    return [];
  } catch (err) {
    if (err instanceof SettingsError) return err.problems.map((p) => p.message);
    return [err instanceof Error ? err.message : String(err)];
  }
}

/** Names of the Function App's app settings in one deployment (none if it has no known ones). */
export function appSettingNames(d: Deployment): string[] {
  const settings = prop(appSettingsResource(d)?.body, 'properties');
  return isObject(settings) ? Object.keys(settings) : [];
}

/** Settings hrsync reads that no deployment sets and that are not left unset on purpose. */
export function unsetSettings(deployments: readonly Deployment[]): string[] {
  // A connection is set by its identity-based NAME__* settings too.
  const set = new Set(deployments.flatMap(appSettingNames).map((n) => n.split('__')[0]));
  return APP_SETTING_NAMES.filter((name) => !set.has(name) && !(name in INTENTIONALLY_UNSET)).map(
    (name) =>
      `${name} is read by hrsync (lib/config/names.ts) but no deployment sets it: set it in infra/main.bicep, or add it to INTENTIONALLY_UNSET in tools/infra-check/checks.ts with the reason`,
  );
}

/** The one Function App: Flex Consumption, HTTPS only, Node 20 or 22, one user-assigned identity declared in infra/. */
export function functionApp(d: Deployment): Step<FunctionApp> {
  const sites = resourcesOf(d, 'Microsoft.Web/sites');
  const site = sites[0];
  if (site === undefined || sites.length !== 1) return { problems: [`expected one Function App (Microsoft.Web/sites), found ${sites.length}`] };
  const problems: string[] = [];
  const where = `${site.file}:${site.line}`;
  const plan = resourcesOf(d, 'Microsoft.Web/serverfarms')[0];
  const flex = prop(plan?.body, 'sku', 'name') === 'FC1';
  if (!flex) problems.push(`${plan?.file ?? site.file}: the plan is not Flex Consumption (sku FC1)`);
  if (prop(site.body, 'properties', 'httpsOnly') !== true) problems.push(`${where}: the Function App must set httpsOnly: true`);
  const config = prop(site.body, 'properties', 'functionAppConfig');
  const runtime = prop(config, 'runtime');
  if (prop(runtime, 'name') !== 'node' || !['20', '22'].includes(String(prop(runtime, 'version')))) {
    problems.push(`${where}: functionAppConfig.runtime must be node 20 or 22, is ${describe(runtime)}`);
  }
  const identities = prop(site.body, 'identity', 'userAssignedIdentities');
  const identityKeys = isObject(identities) ? Object.keys(identities) : [];
  const identity = identityKeys.length === 1 ? /^<(.+)\.id>$/.exec(identityKeys[0] as string)?.[1] : undefined;
  if (identity === undefined || !d.resources.some((r) => r.id === identity && r.type === 'Microsoft.ManagedIdentity/userAssignedIdentities')) {
    problems.push(`${where}: the Function App must run as exactly one user-assigned managed identity declared in infra/`);
    return { problems };
  }
  return { problems, found: { site, where, flex, config, identity } };
}

/** The Function App's app settings, when their names are known. */
export function appSettings(d: Deployment, app: FunctionApp): Step<AppSettings> {
  const resource = appSettingsResource(d);
  const values = prop(resource?.body, 'properties');
  if (resource === undefined || !isObject(values)) return { problems: [`${app.site.file}: no Microsoft.Web/sites/config 'appsettings' with known setting names`] };
  return { problems: [], found: { file: resource.file, values } };
}

/** Every setting is read by someone, none holds a key, storage and hrsync sign in as the app's identity. */
export function appSettingsProblems(settings: AppSettings, app: FunctionApp): string[] {
  const problems: string[] = [];
  const { file, values } = settings;
  const appClientId = identityRefs(app).clientId;
  const appNames = new Set<string>(APP_SETTING_NAMES);
  for (const [name, value] of Object.entries(values)) {
    const storageSuffix = name.startsWith(`${STORAGE_CONNECTION}__`) ? name.slice(STORAGE_CONNECTION.length + 2) : undefined;
    const read = appNames.has(name) || (storageSuffix !== undefined && STORAGE_SUFFIXES.includes(storageSuffix)) || name in HOST_SETTINGS;
    if (!read) problems.push(`${file}: app setting ${name} is set but neither hrsync (lib/config/names.ts) nor the host reads it`);
    if (name in INTENTIONALLY_UNSET) problems.push(`${file}: ${name} is set, but is meant to stay unset in Azure: ${INTENTIONALLY_UNSET[name]}`);
    if (typeof value === 'string' && /AccountKey=|SharedAccessSignature=/i.test(value)) problems.push(`${file}: ${name} holds a storage key or SAS; connect by identity`);
  }
  for (const conn of ['AzureWebJobsStorage', STORAGE_CONNECTION]) {
    if (conn in values) problems.push(`${file}: ${conn} is a connection string (a shared key); use ${conn}__* identity settings`);
    if (values[`${conn}__credential`] !== 'managedidentity') problems.push(`${file}: ${conn}__credential must be 'managedidentity'`);
    if (describe(values[`${conn}__clientId`]) !== appClientId)
      problems.push(`${file}: ${conn}__clientId must be the app identity's client id, is ${describe(values[`${conn}__clientId`])}`);
  }
  if (describe(values.HRSYNC_MANAGED_IDENTITY_CLIENT_ID) !== appClientId) {
    problems.push(`${file}: HRSYNC_MANAGED_IDENTITY_CLIENT_ID must be the app identity's client id, is ${describe(values.HRSYNC_MANAGED_IDENTITY_CLIENT_ID)}`);
  }
  if (app.flex && values.HRSYNC_EXTRACTS_SOURCE !== 'EventGrid')
    problems.push(`${file}: on Flex Consumption HRSYNC_EXTRACTS_SOURCE must be 'EventGrid' (blob triggers run only from Event Grid)`);
  return problems;
}

/** The settings as the app would load them at start, with deploy-time values replaced by typical ones. */
export function startup(settings: AppSettings): Step<{ pipeline: PipelineSettings; app: Settings }> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(settings.values)) env[name] = sampleValue(name, value);
  let pipeline: PipelineSettings | undefined;
  let app: Settings | undefined;
  const startErrors = [
    ...settingsErrors(() => (pipeline = loadPipelineSettings(env))),
    ...settingsErrors(() => (app = loadSettings(env))),
    ...settingsErrors(() => resolveStorageConnection(env)),
    ...settingsErrors(() => createPipelineRuntime(env, silentLogger)),
  ];
  const problems = [...new Set(startErrors)].map((message) => `${settings.file}: with these app settings the app would not start: ${message}`);
  return { problems, ...(pipeline === undefined || app === undefined ? {} : { found: { pipeline, app } }) };
}

/** Every instance at full pace stays within the provisioning API's limit. */
export function rateLimitProblems(app: FunctionApp, settings: Settings): string[] {
  const maxInstances = prop(app.config, 'scaleAndConcurrency', 'maximumInstanceCount');
  if (typeof maxInstances !== 'number') return [`${app.where}: functionAppConfig.scaleAndConcurrency.maximumInstanceCount must be a known number`];
  const { rateLimitRequests, rateLimitWindowSeconds } = settings.pacing;
  // All instances at full pace: maxInstances × requests per window, compared per second.
  if (maxInstances * rateLimitRequests * PROVISIONING_API_LIMIT.windowSeconds <= PROVISIONING_API_LIMIT.requests * rateLimitWindowSeconds) return [];
  return [
    `${app.where}: ${maxInstances} instances × ${rateLimitRequests} requests per ${rateLimitWindowSeconds} s exceeds the provisioning API's ${PROVISIONING_API_LIMIT.requests} per ${PROVISIONING_API_LIMIT.windowSeconds} s`,
  ];
}

/** Key Vault on RBAC with purge protection; Application Insights without local (key) authentication. */
export function vaultAndMonitoringProblems(d: Deployment): string[] {
  const problems: string[] = [];
  for (const v of resourcesOf(d, 'Microsoft.KeyVault/vaults')) {
    if (prop(v.body, 'properties', 'enableRbacAuthorization') !== true) problems.push(`${v.file}:${v.line}: Key Vault must use RBAC (enableRbacAuthorization: true)`);
    if (prop(v.body, 'properties', 'enablePurgeProtection') !== true) problems.push(`${v.file}:${v.line}: Key Vault must have purge protection`);
  }
  for (const c of resourcesOf(d, 'Microsoft.Insights/components')) {
    if (prop(c.body, 'properties', 'DisableLocalAuth') !== true) problems.push(`${c.file}:${c.line}: Application Insights must disable local (key) authentication`);
  }
  return problems;
}

/** Event Grid delivers the extracts container's blob events to the blob-triggered function the outputs name. */
export function eventGridProblems(d: Deployment, app: FunctionApp, pipeline: PipelineSettings, blobFunctions: readonly string[]): string[] {
  const problems: string[] = [];
  const topics = resourcesOf(d, 'Microsoft.EventGrid/systemTopics').filter((t) => prop(t.body, 'properties', 'topicType') === 'Microsoft.Storage.StorageAccounts');
  if (app.flex && topics.length === 0) problems.push('no Event Grid system topic on the storage account: Flex Consumption blob triggers need one');
  if (d.outputs.HRSYNC_EXTRACTS_CONTAINER !== pipeline.extractsContainer)
    problems.push(
      `infra/main.bicep: output HRSYNC_EXTRACTS_CONTAINER (${describe(d.outputs.HRSYNC_EXTRACTS_CONTAINER)}) must be the extracts container '${pipeline.extractsContainer}' the event subscription filters on`,
    );
  const ingestOutput = d.outputs.INGEST_FUNCTION_NAME;
  if (typeof ingestOutput !== 'string' || !blobFunctions.includes(ingestOutput)) {
    problems.push(`infra/main.bicep: output INGEST_FUNCTION_NAME (${describe(ingestOutput)}) must name the blob-triggered function (${blobFunctions.join(', ')})`);
  }
  return problems;
}

/** Every problem with one evaluated deployment, each prefixed with its scenario. */
export function checkDeployment(input: CheckInput): string[] {
  const d = input.deployment;
  const problems: string[] = [];
  const result = (): string[] => problems.map((p) => `[${input.scenario}] ${p}`);
  // The checks after a step need what it found; without it they would only repeat its problem.
  const take = <T>(step: Step<T>): T | undefined => {
    problems.push(...step.problems);
    return step.found;
  };

  const app = take(functionApp(d));
  if (app === undefined) return result();
  const settings = take(appSettings(d, app));
  if (settings === undefined) return result();
  problems.push(...appSettingsProblems(settings, app));
  const loaded = take(startup(settings));
  if (loaded === undefined) return result();
  problems.push(...rateLimitProblems(app, loaded.app));

  const account = take(storageAccount(d));
  if (account === undefined) return result();
  const { problems: misplaced, created } = createdStorage(d, account);
  problems.push(
    ...storageAccountProblems(account, settings),
    ...misplaced,
    ...deploymentPackageProblems(app),
    ...storageNameProblems(account, created, loaded.pipeline, deploymentContainerOf(app)),
    ...roleProblems(d, app, settings, account, input.uses),
    ...vaultAndMonitoringProblems(d),
    ...eventGridProblems(d, app, loaded.pipeline, input.blobFunctions),
    ...telemetryProblems(d, input.telemetry, input.loggedEvents),
  );
  return result();
}
