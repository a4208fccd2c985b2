// The app's user-assigned identity: storage, Key Vault, Application Insights and (after
// grant-graph-permissions.sh) Graph all see this one principal. User-assigned rather than
// system-assigned so role assignments exist before the app starts and survive re-creating it.
param name string
param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output principalId string = identity.properties.principalId
output clientId string = identity.properties.clientId
