// Which storage account the HRSYNC_STORAGE connection names, and how to sign in to it, following
// the Azure Functions convention for connections: the variable itself holds a connection string,
// or `<NAME>__accountName` / `<NAME>__{blob,queue,table}ServiceUri` with `<NAME>__credential`
// and `<NAME>__clientId` describe an identity-based one. Pure: no clients, no network.
import { SettingsError } from '../config/errors.js';
import { STORAGE_CONNECTION } from '../config/pipeline.js';
import type { Environment } from '../config/reader.js';

export type StorageService = 'blob' | 'queue' | 'table';

/** Service endpoints of one account, without credentials. */
export interface StorageEndpoints {
  blob: string;
  queue: string;
  table: string;
}

/** A resolved storage connection. */
export type StorageConnection =
  | { kind: 'connection-string'; connectionString: string; endpoints: StorageEndpoints }
  | {
      kind: 'identity';
      endpoints: StorageEndpoints;
      /** `managedidentity`: ManagedIdentityCredential only; `default`: the developer chain (az login, VS Code, …) as the Functions host does locally. */
      credential: 'managedidentity' | 'default';
      /** A user-assigned identity's client id. */
      clientId?: string;
    };

// Azurite's well-known endpoints for UseDevelopmentStorage=true (documented by Microsoft; no secret involved).
const DEVELOPMENT_ENDPOINTS: StorageEndpoints = {
  blob: 'http://127.0.0.1:10000/devstoreaccount1',
  queue: 'http://127.0.0.1:10001/devstoreaccount1',
  table: 'http://127.0.0.1:10002/devstoreaccount1',
};

const SERVICES: readonly StorageService[] = ['blob', 'queue', 'table'];
const ACCOUNT_NAME = /^[a-z0-9]{3,24}$/;

function fail(message: string): never {
  throw new SettingsError([{ variable: STORAGE_CONNECTION, message }]);
}

function httpUrl(value: string, variable: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail(`${variable} is not a URL; expected e.g. https://<account>.table.core.windows.net`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') fail(`${variable} must be an http(s) URL`);
  return value.replace(/\/+$/, '');
}

/** Splits `Key=Value;Key=Value` (values may contain `=`); keys compared case-insensitively. Never echoes values: they may hold a key. */
function parseConnectionString(text: string, variable: string): Map<string, string> {
  const parts = new Map<string, string>();
  for (const segment of text.split(';')) {
    const trimmed = segment.trim();
    if (trimmed === '') continue;
    const eq = trimmed.indexOf('=');
    if (eq <= 0) fail(`${variable} is not a storage connection string: a segment has no "Key=Value" form`);
    parts.set(trimmed.slice(0, eq).trim().toLowerCase(), trimmed.slice(eq + 1).trim());
  }
  return parts;
}

function fromConnectionString(text: string, variable: string): StorageConnection {
  const parts = parseConnectionString(text, variable);
  if (parts.get('usedevelopmentstorage')?.toLowerCase() === 'true') {
    if (parts.has('developmentstorageproxyuri')) fail(`${variable}: DevelopmentStorageProxyUri is not supported; give Azurite's endpoints explicitly`);
    return { kind: 'connection-string', connectionString: text, endpoints: { ...DEVELOPMENT_ENDPOINTS } };
  }
  const account = parts.get('accountname');
  const hasKey = account !== undefined && (parts.get('accountkey') ?? '') !== '';
  const hasSas = (parts.get('sharedaccesssignature') ?? '') !== '';
  if (!hasKey && !hasSas)
    fail(`${variable} is not a usable storage connection string: it needs AccountName and AccountKey, a SharedAccessSignature, or UseDevelopmentStorage=true`);
  const protocol = (parts.get('defaultendpointsprotocol') ?? 'https').toLowerCase();
  if (protocol !== 'https' && protocol !== 'http') fail(`${variable}: DefaultEndpointsProtocol must be https or http`);
  const suffix = parts.get('endpointsuffix') ?? 'core.windows.net';
  const endpoint = (service: StorageService): string => {
    const explicit = parts.get(`${service}endpoint`);
    if (explicit !== undefined && explicit !== '') return httpUrl(explicit, `${variable} (${service[0]?.toUpperCase()}${service.slice(1)}Endpoint)`);
    if (account === undefined || account === '')
      fail(`${variable} has no ${service[0]?.toUpperCase()}${service.slice(1)}Endpoint and no AccountName to derive it from; hrsync uses blob, queue and table`);
    return `${protocol}://${account}.${service}.${suffix}`;
  };
  return { kind: 'connection-string', connectionString: text, endpoints: { blob: endpoint('blob'), queue: endpoint('queue'), table: endpoint('table') } };
}

/** Resolves the `name` connection (HRSYNC_STORAGE by default) from the environment; throws SettingsError naming the variable. */
export function resolveStorageConnection(env: Environment, name: string = STORAGE_CONNECTION): StorageConnection {
  const get = (key: string): string | undefined => {
    const v = env[key]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const connectionString = get(name);
  if (connectionString !== undefined) return fromConnectionString(connectionString, name);

  const account = get(`${name}__accountName`);
  if (account !== undefined && !ACCOUNT_NAME.test(account)) fail(`${name}__accountName must be a storage account name: 3-24 lower-case letters and digits`);
  const endpoints: Partial<StorageEndpoints> = {};
  const missing: string[] = [];
  for (const service of SERVICES) {
    const variable = `${name}__${service}ServiceUri`;
    const uri = get(variable);
    if (uri !== undefined) endpoints[service] = httpUrl(uri, variable);
    else if (account !== undefined) endpoints[service] = `https://${account}.${service}.core.windows.net`;
    else missing.push(variable);
  }
  if (missing.length === SERVICES.length) {
    fail(
      `${name} is required: a storage connection string, or ${name}__accountName (or ${name}__blobServiceUri, __queueServiceUri and __tableServiceUri) with ${name}__credential=managedidentity for an identity-based connection`,
    );
  }
  if (missing.length > 0)
    fail(`${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing: hrsync uses blob, queue and table, so give every service URI or ${name}__accountName`);

  const credential = get(`${name}__credential`);
  if (credential !== undefined && credential.toLowerCase() !== 'managedidentity')
    fail(`${name}__credential must be "managedidentity" (or unset to use the developer sign-in chain locally)`);
  const clientId = get(`${name}__clientId`);
  return {
    kind: 'identity',
    endpoints: endpoints as StorageEndpoints,
    credential: credential === undefined ? 'default' : 'managedidentity',
    ...(clientId === undefined ? {} : { clientId }),
  };
}

/** Whether an endpoint is plain http (Azurite), where TableClient must be told to allow it. */
export function isInsecureEndpoint(url: string): boolean {
  return url.toLowerCase().startsWith('http:');
}
