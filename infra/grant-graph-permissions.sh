#!/usr/bin/env bash
# Grants Microsoft Graph application permissions that Azure Resource Manager cannot:
#   SynchronizationData-User.Upload  (send bulk requests to the provisioning API)
#   AuditLog.Read.All                (read the provisioning logs to confirm each record)
#   Synchronization.Read.All         (read the provisioning job's state: uploads pause while it is not Active)
# and, with --with-schema, also
#   Synchronization.ReadWrite.All    (hrsync schema apply: add custom attributes to the provisioning app's schema)
# to the principal hrsync signs in as. Leave --with-schema out unless this identity runs
# `hrsync schema apply`: the permission lets it rewrite any synchronization job in the tenant.
# Granting an app role to a service principal is the admin consent, so this needs an Entra role
# that may grant Graph app roles: Privileged Role Administrator (or Global Administrator). Safe to
# run again: existing grants are left alone.
#
# Usage:
#   infra/grant-graph-permissions.sh                       # the app's managed identity, from the azd environment
#   infra/grant-graph-permissions.sh <principal-object-id> # any service principal by object id
#   infra/grant-graph-permissions.sh --app <client-id>     # an app registration (client-secret / client-certificate modes)
#   … --with-schema                                        # any of the above, plus Synchronization.ReadWrite.All
set -euo pipefail

GRAPH_APP_ID="00000003-0000-0000-c000-000000000000" # Microsoft Graph, the same in every tenant
PERMISSIONS=("SynchronizationData-User.Upload" "AuditLog.Read.All" "Synchronization.Read.All")
graph_api="${GRAPH_API:-https://graph.microsoft.com/v1.0}"

usage() { sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; }

# --with-schema may come anywhere; what is left is the principal (or --app and its client id).
rest=()
for arg in "$@"; do
  if [ "$arg" = "--with-schema" ]; then PERMISSIONS+=("Synchronization.ReadWrite.All"); else rest+=("$arg"); fi
done
set -- ${rest[@]+"${rest[@]}"}

app_client_id=""
principal_id=""
case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  --app)
    app_client_id="${2:?--app needs the client id of the app registration}"
    principal_id="$(az ad sp show --id "$app_client_id" --query id --output tsv 2>/dev/null || true)"
    if [ -z "$principal_id" ]; then
      echo "The app registration $app_client_id has no service principal in this tenant yet; creating it." >&2
      principal_id="$(az ad sp create --id "$app_client_id" --query id --output tsv)"
    fi
    ;;
  "")
    principal_id="${APP_IDENTITY_PRINCIPAL_ID:-}"
    if [ -z "$principal_id" ] && command -v azd >/dev/null 2>&1; then
      principal_id="$(azd env get-value APP_IDENTITY_PRINCIPAL_ID 2>/dev/null || true)"
    fi
    if [ -z "$principal_id" ]; then
      echo "No principal: run 'azd up' first, or pass the managed identity's principal (object) id." >&2
      usage >&2
      exit 2
    fi
    ;;
  *) principal_id="$1" ;;
esac

if ! [[ "$principal_id" =~ ^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$ ]]; then
  echo "Not an object id: $principal_id" >&2
  exit 2
fi

graph_sp_id="$(az ad sp show --id "$GRAPH_APP_ID" --query id --output tsv)"
assignments_url="${graph_api}/servicePrincipals/${principal_id}/appRoleAssignments"

for permission in "${PERMISSIONS[@]}"; do
  # Look the role up by its value rather than trusting a hard-coded id.
  role_id="$(az ad sp show --id "$GRAPH_APP_ID" \
    --query "appRoles[?value=='${permission}' && contains(allowedMemberTypes, 'Application')].id | [0]" --output tsv)"
  if [ -z "$role_id" ]; then
    echo "Microsoft Graph has no application permission named ${permission} in this tenant." >&2
    exit 1
  fi

  existing="$(az rest --method GET --url "${assignments_url}?\$top=999" \
    --query "length(value[?appRoleId=='${role_id}' && resourceId=='${graph_sp_id}'])" --output tsv)"
  if [ "${existing:-0}" != "0" ]; then
    echo "${permission}: already granted."
  else
    az rest --method POST --url "$assignments_url" --headers "Content-Type=application/json" \
      --body "{\"principalId\":\"${principal_id}\",\"resourceId\":\"${graph_sp_id}\",\"appRoleId\":\"${role_id}\"}" \
      --output none
    echo "${permission}: granted."
  fi

  if [ -n "$app_client_id" ]; then
    # Also list the permission on the registration, so the portal's API permissions page shows
    # it as required and consented rather than as an unlisted grant.
    listed="$(az ad app show --id "$app_client_id" \
      --query "length(requiredResourceAccess[?resourceAppId=='${GRAPH_APP_ID}'].resourceAccess[] | [?id=='${role_id}'])" --output tsv)"
    if [ "${listed:-0}" = "0" ]; then
      az ad app permission add --id "$app_client_id" --api "$GRAPH_APP_ID" --api-permissions "${role_id}=Role" --output none
    fi
  fi
done

echo "Done. New grants can take a few minutes to reach tokens; a running app picks them up when its token is renewed."
