// Key Vault for the app registration's credential (client-secret or client-certificate
// modes): RBAC only (no access policies), soft delete with purge protection so a deleted
// credential can be recovered and cannot be destroyed early.
param name string
param location string
param tags object

@description('Principal id of the app\'s managed identity.')
param appPrincipalId string

@description('Whether the app reads its Graph credential from this vault (app-registration modes).')
param appReadsSecrets bool

@description('Who stores and rolls the credential; empty for no one.')
param deployerPrincipalId string
param deployerPrincipalType string

var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'
var keyVaultSecretsOfficer = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
  }
}

// Read only: the app gets secret values, nothing else, and only when it has one to read.
resource appSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (appReadsSecrets) {
  name: guid(vault.id, appPrincipalId, keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource deployerSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(deployerPrincipalId)) {
  name: guid(vault.id, deployerPrincipalId, keyVaultSecretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsOfficer)
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
