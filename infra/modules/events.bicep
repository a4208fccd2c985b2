// The storage account's Event Grid system topic. Flex Consumption runs blob triggers only from
// Event Grid; the subscription delivering BlobCreated for the extracts container to the ingest
// function is added by infra/hooks/create-event-subscription.sh after code deploy.
param name string
param location string
param tags object
param storageAccountName string

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource topic 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    source: account.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

output name string = topic.name
