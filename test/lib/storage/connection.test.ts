// HRSYNC_STORAGE resolution by the Functions connection convention, without any network.
import { TableClient } from '@azure/data-tables';
import { describe, expect, it } from 'vitest';
import { SettingsError } from '../../../lib/config/errors.js';
import { isInsecureEndpoint, resolveStorageConnection } from '../../../lib/storage/connection.js';
import { storageClients } from '../../../lib/storage/clients.js';

const KEY = Buffer.from('not-a-real-key-but-base64').toString('base64');

function problem(env: Record<string, string>): string {
  try {
    resolveStorageConnection(env);
  } catch (err) {
    expect(err).toBeInstanceOf(SettingsError);
    expect((err as SettingsError).problems[0]?.variable).toBe('HRSYNC_STORAGE');
    return (err as Error).message;
  }
  throw new Error('expected a SettingsError');
}

describe('resolveStorageConnection', () => {
  it('takes UseDevelopmentStorage=true as Azurite on its default ports', () => {
    const c = resolveStorageConnection({ HRSYNC_STORAGE: 'UseDevelopmentStorage=true' });
    expect(c).toMatchObject({
      kind: 'connection-string',
      endpoints: { blob: 'http://127.0.0.1:10000/devstoreaccount1', queue: 'http://127.0.0.1:10001/devstoreaccount1', table: 'http://127.0.0.1:10002/devstoreaccount1' },
    });
  });

  it('derives endpoints from AccountName, protocol and suffix, and prefers explicit ones', () => {
    const c = resolveStorageConnection({
      HRSYNC_STORAGE: `DefaultEndpointsProtocol=https;AccountName=hrsyncprod;AccountKey=${KEY};EndpointSuffix=core.usgovcloudapi.net;TableEndpoint=https://tables.example.test/`,
    });
    expect(c.endpoints).toEqual({
      blob: 'https://hrsyncprod.blob.core.usgovcloudapi.net',
      queue: 'https://hrsyncprod.queue.core.usgovcloudapi.net',
      table: 'https://tables.example.test',
    });
  });

  it('accepts a SAS connection string with every endpoint, and wants all three when there is no account name', () => {
    const sas = 'SharedAccessSignature=sv=2024-01-01&sig=abc%3D';
    expect(
      resolveStorageConnection({
        HRSYNC_STORAGE: `BlobEndpoint=https://a.blob.core.windows.net;QueueEndpoint=https://a.queue.core.windows.net;TableEndpoint=https://a.table.core.windows.net;${sas}`,
      }).endpoints.table,
    ).toBe('https://a.table.core.windows.net');
    expect(problem({ HRSYNC_STORAGE: `BlobEndpoint=https://a.blob.core.windows.net;${sas}` })).toMatch(/QueueEndpoint/);
  });

  it('rejects malformed connection strings without echoing them', () => {
    expect(problem({ HRSYNC_STORAGE: 'just-some-secret-text' })).not.toContain('just-some-secret-text');
    expect(problem({ HRSYNC_STORAGE: 'AccountName=x;Foo=bar' })).toMatch(/AccountKey/);
    expect(problem({ HRSYNC_STORAGE: `DefaultEndpointsProtocol=ftp;AccountName=abc;AccountKey=${KEY}` })).toMatch(/DefaultEndpointsProtocol/);
    expect(problem({ HRSYNC_STORAGE: `AccountName=abc;AccountKey=${KEY};TableEndpoint=not a url` })).toMatch(/TableEndpoint.*not a URL/);
  });

  it('builds identity-based connections from __accountName or per-service URIs', () => {
    expect(
      resolveStorageConnection({
        HRSYNC_STORAGE__accountName: 'hrsyncprod',
        HRSYNC_STORAGE__credential: 'managedidentity',
        HRSYNC_STORAGE__clientId: '11111111-2222-3333-4444-555555555555',
      }),
    ).toEqual({
      kind: 'identity',
      credential: 'managedidentity',
      clientId: '11111111-2222-3333-4444-555555555555',
      endpoints: { blob: 'https://hrsyncprod.blob.core.windows.net', queue: 'https://hrsyncprod.queue.core.windows.net', table: 'https://hrsyncprod.table.core.windows.net' },
    });
    const uris = resolveStorageConnection({
      HRSYNC_STORAGE__blobServiceUri: 'https://b.example.test/',
      HRSYNC_STORAGE__queueServiceUri: 'https://q.example.test',
      HRSYNC_STORAGE__tableServiceUri: 'https://t.example.test',
      HRSYNC_STORAGE__credential: 'ManagedIdentity',
    });
    expect(uris).toEqual({
      kind: 'identity',
      credential: 'managedidentity',
      endpoints: { blob: 'https://b.example.test', queue: 'https://q.example.test', table: 'https://t.example.test' },
    });
    // A per-service URI overrides the account's default for that service only.
    expect(resolveStorageConnection({ HRSYNC_STORAGE__accountName: 'abc', HRSYNC_STORAGE__tableServiceUri: 'https://t.example.test' })).toMatchObject({
      credential: 'default',
      endpoints: { blob: 'https://abc.blob.core.windows.net', table: 'https://t.example.test' },
    });
  });

  it('names what is missing or wrong in an identity-based connection', () => {
    expect(problem({})).toMatch(/HRSYNC_STORAGE is required.*__accountName/);
    expect(problem({ HRSYNC_STORAGE: '   ' })).toMatch(/HRSYNC_STORAGE is required/);
    expect(problem({ HRSYNC_STORAGE__blobServiceUri: 'https://b.example.test' })).toMatch(/HRSYNC_STORAGE__queueServiceUri, HRSYNC_STORAGE__tableServiceUri are missing/);
    expect(problem({ HRSYNC_STORAGE__accountName: 'Bad_Name' })).toMatch(/HRSYNC_STORAGE__accountName/);
    expect(problem({ HRSYNC_STORAGE__accountName: 'abc', HRSYNC_STORAGE__credential: 'clientsecret' })).toMatch(/HRSYNC_STORAGE__credential/);
    expect(problem({ HRSYNC_STORAGE__accountName: 'abc', HRSYNC_STORAGE__tableServiceUri: 'ftp://t' })).toMatch(/HRSYNC_STORAGE__tableServiceUri must be an http/);
  });

  it('reads another connection name when asked', () => {
    expect(resolveStorageConnection({ AzureWebJobsStorage: 'UseDevelopmentStorage=true' }, 'AzureWebJobsStorage').kind).toBe('connection-string');
  });

  it('knows plain http endpoints', () => {
    expect(isInsecureEndpoint('HTTP://127.0.0.1:10002/devstoreaccount1')).toBe(true);
    expect(isInsecureEndpoint('https://a.table.core.windows.net')).toBe(false);
  });
});

describe('storageClients', () => {
  it('points every client at the resolved endpoints', () => {
    const s = storageClients({ HRSYNC_STORAGE__accountName: 'hrsyncprod', HRSYNC_STORAGE__credential: 'managedidentity' });
    expect(s.blobService.url).toBe('https://hrsyncprod.blob.core.windows.net/');
    expect(s.queue('scim-operations').url).toBe('https://hrsyncprod.queue.core.windows.net/scim-operations');
    const table = s.table('hrsyncRuns');
    expect(table).toBeInstanceOf(TableClient);
    expect(table.url).toBe('https://hrsyncprod.table.core.windows.net');
    expect(table.tableName).toBe('hrsyncRuns');
  });

  it('gives Azurite clients from a development connection string', () => {
    const s = storageClients({ HRSYNC_STORAGE: 'UseDevelopmentStorage=true' });
    expect(s.queue('q').url).toBe('http://127.0.0.1:10001/devstoreaccount1/q');
    expect(s.table('t').url).toBe('http://127.0.0.1:10002/devstoreaccount1');
  });

  it('throws the SettingsError before making any client', () => {
    expect(() => storageClients({})).toThrow(SettingsError);
  });
});
