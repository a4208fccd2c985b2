import type { KeyObject } from 'node:crypto';
import { X509Certificate, createHash, createPrivateKey, sign } from 'node:crypto';
import { generate } from 'selfsigned';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkClientAssertion } from '../../../tools/simulator/client-assertion.js';

const CLIENT = 'c2a6e1f0-4d3b-4b8a-9f2e-1a0b9c8d7e6f';
const ENDPOINT = 'https://127.0.0.1:1/tenant/oauth2/v2.0/token';
const NOW = 1_800_000_000;

function jwt(header: Record<string, unknown>, payload: Record<string, unknown>, key: KeyObject): string {
  const h = Buffer.from(JSON.stringify(header)).toString('base64url');
  const p = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${h}.${p}.${sign('sha256', Buffer.from(`${h}.${p}`), key).toString('base64url')}`;
}

describe('checkClientAssertion', () => {
  let cert: X509Certificate;
  let key: KeyObject;
  let otherKey: KeyObject;
  let header: Record<string, unknown>;
  const claims = { iss: CLIENT, sub: CLIENT, aud: ENDPOINT, exp: NOW + 600, nbf: NOW - 10, jti: 'x' };

  beforeAll(async () => {
    const [mine, other] = await Promise.all([
      generate([{ name: 'commonName', value: 'app' }], { keyType: 'rsa', algorithm: 'sha256' }),
      generate([{ name: 'commonName', value: 'other' }], { keyType: 'rsa', algorithm: 'sha256' }),
    ]);
    cert = new X509Certificate(mine.cert);
    key = createPrivateKey(mine.private);
    otherKey = createPrivateKey(other.private);
    header = { alg: 'RS256', typ: 'JWT', x5t: createHash('sha1').update(cert.raw).digest('base64url') };
  });

  it('accepts an assertion signed by the registered certificate', () => {
    expect(checkClientAssertion(jwt(header, claims, key), [cert], CLIENT, ENDPOINT, NOW)).toEqual({ ok: true });
  });

  it('refuses a signature by another key under the registered thumbprint', () => {
    expect(checkClientAssertion(jwt(header, claims, otherKey), [cert], CLIENT, ENDPOINT, NOW)).toMatchObject({ ok: false, code: 700027 });
  });

  it('refuses the wrong audience, issuer or lifetime', () => {
    expect(checkClientAssertion(jwt(header, { ...claims, aud: 'https://elsewhere/token' }, key), [cert], CLIENT, ENDPOINT, NOW)).toMatchObject({ ok: false, code: 700212 });
    expect(checkClientAssertion(jwt(header, { ...claims, iss: 'someone' }, key), [cert], CLIENT, ENDPOINT, NOW)).toMatchObject({ ok: false, code: 700023 });
    expect(checkClientAssertion(jwt(header, claims, key), [cert], CLIENT, ENDPOINT, NOW + 3600)).toMatchObject({ ok: false, code: 700024 });
  });

  it('refuses a malformed token and an unsupported algorithm', () => {
    expect(checkClientAssertion('a.b', [cert], CLIENT, ENDPOINT, NOW)).toMatchObject({ ok: false });
    expect(checkClientAssertion(jwt({ ...header, alg: 'HS256' }, claims, key), [cert], CLIENT, ENDPOINT, NOW)).toMatchObject({ ok: false, code: 700027 });
  });
});
