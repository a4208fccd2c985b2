// Counts the storage operations this process makes against Azurite, by kind, from Node's own
// `http.client.request.start` diagnostics channel: every request the Azure SDKs send is seen, with
// no proxy in the way and nothing changed in the code under measurement. Benchmarks divide the
// counts by the records of the run.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';

export interface StoragePorts {
  blobPort: number;
  queuePort: number;
  tablePort: number;
}

/** Storage operations by kind, e.g. `table transaction` or `queue delete`. */
export type StorageOperationCounts = Record<string, number>;

/** The kind of one request to Azurite, from its service, method and path; undefined when it is not storage. */
export function storageOperationKind(ports: StoragePorts, port: number, method: string, path: string): string | undefined {
  const [route = '', query = ''] = path.split('?');
  if (port === ports.tablePort) {
    if (route.endsWith('/$batch')) return 'table transaction';
    if (/\(PartitionKey=.*,RowKey=.*\)$/.test(decodeURIComponent(route))) {
      return method === 'GET' ? 'table point read' : method === 'DELETE' ? 'table delete' : 'table update';
    }
    if (method === 'GET') return /(^|\/)Tables/.test(route) ? 'table admin' : 'table query';
    if (method === 'POST') return /(^|\/)Tables$/.test(route) ? 'table admin' : 'table insert';
    return 'table other';
  }
  if (port === ports.queuePort) {
    if (/\/messages\/[^/]+$/.test(route)) return method === 'DELETE' ? 'queue delete' : 'queue update';
    if (route.endsWith('/messages')) return method === 'POST' ? 'queue send' : method === 'GET' ? (query.includes('peekonly') ? 'queue peek' : 'queue receive') : 'queue other';
    return query.includes('comp=metadata') ? 'queue count' : 'queue admin';
  }
  if (port === ports.blobPort) {
    if (query.includes('comp=list') || query.includes('restype=container')) return 'blob list or container';
    return method === 'GET' || method === 'HEAD' ? 'blob read' : 'blob write';
  }
  return undefined;
}

/** Starts counting; `stop()` ends it and returns the counts. */
export function countStorageOperations(ports: StoragePorts): { counts: StorageOperationCounts; stop(): StorageOperationCounts } {
  const counts: StorageOperationCounts = {};
  const onStart = (message: unknown): void => {
    const request = (message as { request: ClientRequest }).request;
    const host = String(request.getHeader('host') ?? '');
    const port = Number(host.slice(host.lastIndexOf(':') + 1));
    const kind = storageOperationKind(ports, port, request.method, request.path);
    if (kind !== undefined) counts[kind] = (counts[kind] ?? 0) + 1;
  };
  subscribe('http.client.request.start', onStart);
  return {
    counts,
    stop: () => {
      unsubscribe('http.client.request.start', onStart);
      return { ...counts };
    },
  };
}

/** The counts per record, each kind and in all, to two decimals; admin calls (creating tables and queues) left out of the total. */
export function perRecord(counts: StorageOperationCounts, records: number): { total: number; byKind: Record<string, number> } {
  const byKind: Record<string, number> = {};
  let total = 0;
  for (const [kind, n] of Object.entries(counts).sort(([a], [b]) => a.localeCompare(b))) {
    byKind[kind] = Math.round((n / records) * 100) / 100;
    if (!kind.endsWith('admin')) total += n;
  }
  return { total: Math.round((total / records) * 100) / 100, byKind };
}
