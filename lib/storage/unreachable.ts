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
