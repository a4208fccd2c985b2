#!/usr/bin/env bash
# azd postdeploy hook: subscribe the ingest function to BlobCreated events of the extracts
# container. Flex Consumption runs blob triggers only from Event Grid, and the webhook URL
# carries the host's blobs_extension key, which exists only after the code is deployed and the
# host has started, hence a hook rather than Bicep. Safe to run again: it updates in place.
# The key is a secret: it is never printed.
set -euo pipefail

: "${AZURE_RESOURCE_GROUP:?run through azd (azd up / azd deploy), or export the azd outputs}"
: "${AZURE_FUNCTION_APP_NAME:?missing azd output AZURE_FUNCTION_APP_NAME}"
: "${AZURE_FUNCTION_APP_HOST:?missing azd output AZURE_FUNCTION_APP_HOST}"
: "${EVENT_GRID_SYSTEM_TOPIC_NAME:?missing azd output EVENT_GRID_SYSTEM_TOPIC_NAME}"
: "${HRSYNC_EXTRACTS_CONTAINER:?missing azd output HRSYNC_EXTRACTS_CONTAINER}"
function_name="${INGEST_FUNCTION_NAME:-ingest}"
subscription_name="${function_name}-blob-created"

# The host writes the key when it first starts with the blob trigger; give it a few minutes.
key=""
for attempt in $(seq 1 30); do
  key="$(az functionapp keys list --resource-group "$AZURE_RESOURCE_GROUP" --name "$AZURE_FUNCTION_APP_NAME" \
    --query "systemKeys.blobs_extension" --output tsv 2>/dev/null || true)"
  if [ -n "$key" ]; then break; fi
  echo "Waiting for the Functions host to create its blobs_extension key ($attempt/30)..."
  sleep 10
done
if [ -z "$key" ]; then
  echo "The blobs_extension key did not appear. Check the app started (Application Insights, or 'az functionapp function list'), then run: azd hooks run postdeploy" >&2
  exit 1
fi

endpoint="https://${AZURE_FUNCTION_APP_HOST}/runtime/webhooks/blobs?functionName=Host.Functions.${function_name}&code=${key}"

echo "Subscribing function '${function_name}' to BlobCreated in container '${HRSYNC_EXTRACTS_CONTAINER}'..."
az eventgrid system-topic event-subscription create \
  --resource-group "$AZURE_RESOURCE_GROUP" \
  --system-topic-name "$EVENT_GRID_SYSTEM_TOPIC_NAME" \
  --name "$subscription_name" \
  --endpoint-type webhook \
  --endpoint "$endpoint" \
  --event-delivery-schema eventgridschema \
  --included-event-types Microsoft.Storage.BlobCreated \
  --subject-begins-with "/blobServices/default/containers/${HRSYNC_EXTRACTS_CONTAINER}/" \
  --max-delivery-attempts 30 \
  --event-ttl 1440 \
  --output none
echo "Event subscription '${subscription_name}' is in place."
