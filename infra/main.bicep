// hrsync on Azure: one resource group holding the Function App (Flex Consumption), its storage,
// Key Vault, identity and monitoring. `azd up` deploys it; docs/deploy.md walks through it.
// test/infra reads this file and the modules, and fails when they disagree with the code
// (settings, container/queue/table names, role assignments).
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; resource names and tags derive from it.')
param environmentName string

@minLength(1)
@description('Region for every resource; it must offer the Flex Consumption plan.')
param location string

@description('Object id of the API-driven inbound provisioning app\'s service principal (Enterprise applications → the app → Object ID).')
param provisioningServicePrincipalId string

@description('Synchronization job id of that app, e.g. API2AAD.<hex>.<guid> (Provisioning → the job\'s Overview, or Graph).')
param provisioningJobId string

@allowed([
  'managed-identity'
  'client-secret'
  'client-certificate'
])
@description('How hrsync signs in to Graph: the app\'s managed identity (recommended), or an app registration whose secret or PEM certificate is in Key Vault.')
param credentialMode string = 'managed-identity'

@description('Application (client) id of the app registration; only with client-secret or client-certificate.')
param appRegistrationClientId string = ''

@description('Name of the Key Vault secret holding the app registration\'s secret or PEM (certificate and private key).')
param keyVaultSecretName string = 'hrsync-app-credential'

@description('Object id of whoever runs azd (azd sets AZURE_PRINCIPAL_ID). In app-registration modes they get Key Vault Secrets Officer to store and roll the credential. Empty: no one.')
param deployerPrincipalId string = ''

@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
@description('Kind of principal deployerPrincipalId is (a pipeline deploys as a ServicePrincipal).')
param deployerPrincipalType string = 'User'

@description('Graph base URL including the version (another cloud\'s Graph host in sovereign clouds).')
param graphUrl string = 'https://graph.microsoft.com/v1.0'

@description('Entra sign-in host (another cloud\'s in sovereign clouds).')
param authorityHost string = 'https://login.microsoftonline.com'

// The provisioning API allows 40 bulkUpload calls in any 5-second window per job. Only the
// upload function calls it, and on Flex Consumption the queue-triggered upload function scales
// in its own group, capped by maximumInstanceCount. Each instance paces itself with
// HRSYNC_RATE_LIMIT_REQUESTS per HRSYNC_RATE_LIMIT_WINDOW_SECONDS, set below to the API's
// allowance divided by this cap, so every instance at full speed together stays within it.
// A larger cap buys nothing: the API, not the app, is the bottleneck, and each extra instance
// only gets a smaller share. 429s remain possible (other callers of the same job) and are
// answered by waiting as the service says.
@minValue(1)
@maxValue(40)
@description('Most instances the upload function may scale to; the per-instance rate limit is 40 ÷ this.')
param maximumInstanceCount int = 4

@description('Email address for alerts (held, stopped and overdue runs, silent sources, the job not active, the budget spent, poison messages, failed records). Empty: alerts fire without notifying anyone.')
param alertEmail string = ''

@allowed([2000, 6000])
@description('bulkUpload calls per 24 hours the tenant may make: 2000 with Entra ID P1/P2, 6000 with Entra ID Governance.')
param dailyCalls int = 2000

@minValue(1)
@maxValue(47)
@description('Hours after an extract is ingested by which its run should be complete; later raises an alert. At most 47: a log alert looks back at most two days.')
param runCompletionHours int = 12

@minValue(1)
@maxValue(47)
@description('Hours without a run of a source (after it ran in the last two days) that raise the source-silent alert: its nightly extract never arrived.')
param sourceSilenceHours int = 26

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
  application: 'hrsync'
}
var functionAppName = 'func-hrsync-${resourceToken}'

// Names the code uses. They equal lib/config/pipeline.ts's defaults and lib/ledger's table
// names, and are also passed as app settings so nothing depends on the defaults staying put.
var extractsContainer = 'hr-extracts'
var reportsContainer = 'hrsync-reports'
var mappingContainer = 'hrsync-config'
var mappingBlob = '${mappingContainer}/mapping.json'
// Optional: without it the app has one source, `default`, mapped with mappingBlob (docs/sources.md).
var sourcesBlob = '${mappingContainer}/sources.json'
var deploymentContainer = 'app-package'
var operationsQueue = 'scim-operations'
var poisonQueue = '${operationsQueue}-poison'
var tablePrefix = 'hrsync'
var ledgerTables = [
  '${tablePrefix}Runs'
  '${tablePrefix}Records'
  '${tablePrefix}People'
  '${tablePrefix}Checkpoints'
]

var provisioningApiRequestsPerWindow = 40
var provisioningApiWindowSeconds = 5
var rateLimitRequestsPerInstance = provisioningApiRequestsPerWindow / maximumInstanceCount
// host.json runs at most four upload invocations per instance (queues.batchSize 2, and
// newBatchThreshold 2: the host fetches again while two still run), each with one request in flight.
var uploadsInFlightPerInstance = 4

var usesAppRegistration = credentialMode != 'managed-identity'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-hrsync-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    containers: [
      extractsContainer
      reportsContainer
      mappingContainer
      deploymentContainer
    ]
    queues: [
      operationsQueue
      poisonQueue
    ]
    tables: ledgerTables
    appPrincipalId: identity.outputs.principalId
  }
}

module vault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: 'kv-${resourceToken}'
    location: location
    tags: tags
    appPrincipalId: identity.outputs.principalId
    appReadsSecrets: usesAppRegistration
    deployerPrincipalId: usesAppRegistration ? deployerPrincipalId : ''
    deployerPrincipalType: deployerPrincipalType
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    workspaceName: 'log-hrsync-${resourceToken}'
    appInsightsName: 'appi-hrsync-${resourceToken}'
    location: location
    tags: tags
    appPrincipalId: identity.outputs.principalId
  }
}

var commonSettings = {
  HRSYNC_GRAPH_URL: graphUrl
  HRSYNC_SERVICE_PRINCIPAL_ID: provisioningServicePrincipalId
  HRSYNC_JOB_ID: provisioningJobId
  HRSYNC_CREDENTIAL: credentialMode
  HRSYNC_MANAGED_IDENTITY_CLIENT_ID: identity.outputs.clientId
  HRSYNC_RATE_LIMIT_REQUESTS: string(rateLimitRequestsPerInstance)
  HRSYNC_RATE_LIMIT_WINDOW_SECONDS: string(provisioningApiWindowSeconds)
  HRSYNC_CONCURRENCY: string(uploadsInFlightPerInstance)
  HRSYNC_MAX_RETRIES: '5'
  HRSYNC_HTTP_TIMEOUT_SECONDS: '30'
  HRSYNC_DAILY_CALLS: string(dailyCalls)
  HRSYNC_BUDGET_RESERVE_PERCENT: '10'
  HRSYNC_STORAGE__blobServiceUri: storage.outputs.blobEndpoint
  HRSYNC_STORAGE__queueServiceUri: storage.outputs.queueEndpoint
  HRSYNC_STORAGE__tableServiceUri: storage.outputs.tableEndpoint
  HRSYNC_STORAGE__credential: 'managedidentity'
  HRSYNC_STORAGE__clientId: identity.outputs.clientId
  HRSYNC_EXTRACTS_CONTAINER: extractsContainer
  // Flex Consumption delivers blob triggers only through Event Grid.
  HRSYNC_EXTRACTS_SOURCE: 'EventGrid'
  HRSYNC_REPORTS_CONTAINER: reportsContainer
  HRSYNC_MAPPING_BLOB: mappingBlob
  HRSYNC_SOURCES_BLOB: sourcesBlob
  HRSYNC_OPERATIONS_QUEUE: operationsQueue
  HRSYNC_TABLE_PREFIX: tablePrefix
  HRSYNC_RECONCILE_SCHEDULE: '0 */5 * * * *'
  HRSYNC_MAX_ATTEMPTS: '5'
  HRSYNC_CONFIRM_TIMEOUT_MINUTES: '60'
  HRSYNC_RETRY_BASE_SECONDS: '60'
  // No cap in Azure: Queue storage serves a deep queue well, and a cap would keep ingest
  // waiting for upload inside the 10-minute functionTimeout.
  HRSYNC_QUEUE_BACKLOG: '0'
  HRSYNC_LOG_LAG_MINUTES: '15'
}

var appRegistrationSettings = {
  HRSYNC_TENANT_ID: tenant().tenantId
  HRSYNC_CLIENT_ID: appRegistrationClientId
  HRSYNC_AUTHORITY_HOST: authorityHost
  HRSYNC_KEY_VAULT_URL: vault.outputs.uri
  HRSYNC_KEY_VAULT_SECRET_NAME: keyVaultSecretName
}

module functionApp 'modules/function-app.bicep' = {
  name: 'function-app'
  scope: rg
  params: {
    name: functionAppName
    planName: 'plan-hrsync-${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    blobEndpoint: storage.outputs.blobEndpoint
    queueEndpoint: storage.outputs.queueEndpoint
    tableEndpoint: storage.outputs.tableEndpoint
    deploymentContainer: deploymentContainer
    appInsightsConnectionString: monitoring.outputs.connectionString
    maximumInstanceCount: maximumInstanceCount
    hrsyncSettings: union(commonSettings, usesAppRegistration ? appRegistrationSettings : {})
  }
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    location: location
    tags: tags
    appInsightsName: monitoring.outputs.appInsightsName
    poisonQueue: poisonQueue
    alertEmail: alertEmail
    runCompletionHours: runCompletionHours
    sourceSilenceHours: sourceSilenceHours
  }
}

// The Event Grid subscription to the ingest function's webhook is created after code deploy
// (infra/hooks/create-event-subscription.sh): its URL needs the blobs_extension key, which
// exists only once the host has started with the blob trigger.
module events 'modules/events.bicep' = {
  name: 'events'
  scope: rg
  params: {
    name: 'evgt-hrsync-${resourceToken}'
    location: location
    tags: tags
    storageAccountName: storage.outputs.name
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_APP_HOST string = functionApp.outputs.defaultHostName
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_KEY_VAULT_NAME string = vault.outputs.name
output AZURE_KEY_VAULT_URL string = vault.outputs.uri
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.appInsightsName
output APP_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output APP_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output EVENT_GRID_SYSTEM_TOPIC_NAME string = events.outputs.name
output INGEST_FUNCTION_NAME string = 'ingest'
output HRSYNC_EXTRACTS_CONTAINER string = extractsContainer
output HRSYNC_REPORTS_CONTAINER string = reportsContainer
output HRSYNC_MAPPING_BLOB string = mappingBlob
output HRSYNC_SOURCES_BLOB string = sourcesBlob
output HRSYNC_OPERATIONS_QUEUE string = operationsQueue
output HRSYNC_CREDENTIAL string = credentialMode
output KEY_VAULT_SECRET_NAME string = keyVaultSecretName
