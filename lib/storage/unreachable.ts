// A storage call that got no answer because the endpoint is wrong or down, told as the setting to
// check and the address it points at. Pure: it reads the Azure SDK's RestError by shape, so the CLI
// can ask without loading the SDK. Only the origin is quoted: a SAS token rides in the query.
import { networkFailureWords } from '../core/network-failure.js';
import { STORAGE_CONNECTION } from '../config/pipeline.js';

/** A storage endpoint that could not be reached; the message names the setting and the address. */
export class StorageUnreachableError extends Error {
  override readonly name = 'StorageUnreachableError';
  constructor(
    readonly address: string,
    readonly code: string,
    words: string,
  ) {
    super(`Could not connect to storage at ${address} (${STORAGE_CONNECTION}, or --storage-account): ${words} (${code})`);
  }
}

function originOf(url: unknown): string | undefined {
  if (typeof url !== 'string') return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/** The StorageUnreachableError an Azure storage SDK failure stands for, or undefined when it is another failure (an answer, a bug). */
export function storageUnreachable(error: unknown): StorageUnreachableError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { name?: unknown; code?: unknown; statusCode?: unknown; message?: unknown; request?: { url?: unknown } };
  // An answer (any status) means the endpoint is reachable; this is only for calls that got none.
  if (e.name !== 'RestError' || e.statusCode !== undefined || typeof e.code !== 'string') return undefined;
  const words = networkFailureWords(e.code, typeof e.message === 'string' ? e.message : '');
  const address = originOf(e.request?.url);
  if (words === undefined || address === undefined) return undefined;
  return new StorageUnreachableError(address, e.code, words);
}

/** A storage answer that refused hrsync's credentials (wrong account key, expired SAS, missing data role); the message names the setting. */
export class StorageRefusedError extends Error {
  override readonly name = 'StorageRefusedError';
  constructor(
    readonly address: string,
    readonly code: string,
  ) {
    super(
      `Storage at ${address} refused hrsync's credentials (${STORAGE_CONNECTION}, or --storage-account): ${code}. ` +
        'Check the account key or SAS in the connection string, or that the identity holds the Storage Blob, Queue and Table Data Contributor roles on the account',
    );
  }
}

// The storage services' codes for a request they would not authorise; a 403 with another code
// (a blob lease, say) is not about credentials.
const REFUSED_CODES = new Set([
  'AuthenticationFailed',
  'AuthorizationFailure',
  'AuthorizationPermissionMismatch',
  'AuthorizationResourceTypeMismatch',
  'AuthorizationServiceMismatch',
  'AuthorizationProtocolMismatch',
  'AuthorizationSourceIPMismatch',
  'KeyBasedAuthenticationNotPermitted',
]);

/** The StorageRefusedError an Azure storage SDK failure stands for, or undefined when storage did not refuse the credentials. */
export function storageRefused(error: unknown): StorageRefusedError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { name?: unknown; code?: unknown; statusCode?: unknown; request?: { url?: unknown } };
  if (e.name !== 'RestError' || e.statusCode !== 403) return undefined;
  const address = originOf(e.request?.url);
  if (address === undefined) return undefined;
  // Tables answer in JSON and the SDK does not always lift the code; a 403 from storage is about credentials then.
  const code = typeof e.code === 'string' && e.code !== '' ? e.code : 'AuthorizationFailure';
  if (!REFUSED_CODES.has(code)) return undefined;
  return new StorageRefusedError(address, code);
}
