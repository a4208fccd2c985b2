// A Graph or Key Vault address that cannot be reached is told with the address and the setting to change.
import { describe, expect, it } from 'vitest';
import { errorFromNetworkFailure, unreachableError } from '../../../lib/provisioning/classify-response.js';
import { UnreachableError } from '../../../lib/provisioning/errors.js';

const GRAPH = { service: 'Graph', address: 'https://graph.example.test', setting: 'HRSYNC_GRAPH_URL' };
const fetchFailed = (code: string, message: string): TypeError => new TypeError('fetch failed', { cause: Object.assign(new Error(message), { code }) });

describe('network failures with an endpoint', () => {
  it('a refused connection is transient and names the address and setting', () => {
    const e = errorFromNetworkFailure(fetchFailed('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9'), GRAPH);
    expect(e?.reason).toBe('network');
    expect(e?.message).toBe(
      'Could not connect to Graph at https://graph.example.test (HRSYNC_GRAPH_URL): the connection was refused (nothing listens at that address and port) (ECONNREFUSED)',
    );
  });

  it('a timeout names the address too', () => {
    expect(errorFromNetworkFailure(new DOMException('The operation timed out', 'TimeoutError'), GRAPH)?.message).toBe(
      'Graph at https://graph.example.test (HRSYNC_GRAPH_URL) did not answer in time',
    );
  });

  it('an unknown host or an untrusted certificate is not retried, and says which', () => {
    const dns = fetchFailed('ENOTFOUND', 'getaddrinfo ENOTFOUND graph.example.test');
    expect(errorFromNetworkFailure(dns, GRAPH)).toBeUndefined();
    const unknownHost = unreachableError(dns, GRAPH);
    expect(unknownHost).toBeInstanceOf(UnreachableError);
    expect(unknownHost.kind).toBe('unreachable');
    expect(unknownHost.message).toBe('Could not connect to Graph at https://graph.example.test (HRSYNC_GRAPH_URL): the host name does not resolve (ENOTFOUND)');
    const tls = unreachableError(fetchFailed('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'), GRAPH);
    expect(tls.message).toBe(
      'Could not connect to Graph at https://graph.example.test (HRSYNC_GRAPH_URL): its TLS certificate is not trusted: self-signed certificate in certificate chain (SELF_SIGNED_CERT_IN_CHAIN)',
    );
    const badPort = unreachableError(new TypeError('fetch failed', { cause: new Error('bad port') }), GRAPH);
    expect(badPort.message).toBe('Could not connect to Graph at https://graph.example.test (HRSYNC_GRAPH_URL): bad port');
  });
});
