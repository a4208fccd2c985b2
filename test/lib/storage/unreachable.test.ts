// A storage endpoint that does not answer is told as the setting and the address, never the key or a SAS token.
import { createServer } from 'node:net';
import { TableClient } from '@azure/data-tables';
import { describe, expect, it } from 'vitest';
import { storageUnreachable } from '../../../lib/storage/unreachable.js';
import { failure } from './failure.js';

// Azurite's published development key: no secret.
const KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('storageUnreachable', () => {
  it('names the setting and the endpoint of a refused connection', async () => {
    const port = await closedPort();
    const table = TableClient.fromConnectionString(
      `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${KEY};TableEndpoint=http://127.0.0.1:${port}/devstoreaccount1;`,
      'hrsyncRuns',
      { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } },
    );
    const found = storageUnreachable(await failure(() => table.getEntity('a', 'b')));
    expect(found?.message).toBe(
      `Could not connect to storage at http://127.0.0.1:${port} (HRSYNC_STORAGE, or --storage-account): the connection was refused (nothing listens at that address and port) (ECONNREFUSED)`,
    );
    expect(found?.message).not.toContain(KEY);
  });

  it('quotes the origin only, not a SAS token in the query', () => {
    const error = Object.assign(new Error('getaddrinfo ENOTFOUND acct.table.core.windows.net'), {
      name: 'RestError',
      code: 'ENOTFOUND',
      request: { url: 'https://acct.table.core.windows.net/hrsyncRuns()?sv=2024&sig=SECRETSIG' },
    });
    const found = storageUnreachable(error);
    expect(found?.message).toContain('storage at https://acct.table.core.windows.net (HRSYNC_STORAGE');
    expect(found?.message).toContain('the host name does not resolve (ENOTFOUND)');
    expect(found?.message).not.toContain('SECRETSIG');
  });

  it('leaves answers and other failures alone', () => {
    const answered = Object.assign(new Error('Forbidden'), {
      name: 'RestError',
      code: 'AuthorizationFailure',
      statusCode: 403,
      request: { url: 'https://acct.table.core.windows.net/' },
    });
    expect(storageUnreachable(answered)).toBeUndefined();
    expect(storageUnreachable(new TypeError('x is undefined'))).toBeUndefined();
    expect(storageUnreachable(Object.assign(new Error('boom'), { name: 'RestError', code: 'ECONNREFUSED' }))).toBeUndefined();
  });
});
