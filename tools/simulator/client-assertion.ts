// Checks a client_assertion JWT (RFC 7523) the way Entra does for certificate credentials: signed
// by the private key of a certificate registered on the app, issued and subjected to the client
// id, addressed to the token endpoint, within its lifetime.
import type { X509Certificate } from 'node:crypto';
import { constants, createHash, verify } from 'node:crypto';

export type AssertionCheck = { ok: true } | { ok: false; code: number; description: string };

// Entra allows a few minutes of clock skew.
const SKEW_SECONDS = 300;

/** Verifies `assertion` against the registered certificates. */
export function checkClientAssertion(assertion: string, certificates: readonly X509Certificate[], clientId: string, tokenEndpoint: string, nowSeconds: number): AssertionCheck {
  const parts = assertion.split('.');
  if (parts.length !== 3) return bad(50027, 'The client assertion is not a well-formed JWT.');
  const [h, p, s] = parts as [string, string, string];
  let header: Record<string, unknown>;
  let payload: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as Record<string, unknown>;
    payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return bad(50027, 'The client assertion is not a well-formed JWT.');
  }
  const signed = Buffer.from(`${h}.${p}`);
  const signature = Buffer.from(s, 'base64url');
  const candidates = certificates.filter((c) => matchesThumbprint(c, header));
  if (candidates.length === 0) {
    return bad(700027, 'Client assertion contains an invalid signature: the key was not found; no registered certificate matches the thumbprint.');
  }
  if (!candidates.some((c) => verifies(String(header.alg), signed, signature, c))) {
    return bad(700027, 'Client assertion failed signature validation.');
  }
  if (payload.iss !== clientId || payload.sub !== clientId) return bad(700023, 'The client assertion issuer and subject must be the client id.');
  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (!audiences.includes(tokenEndpoint)) return bad(700212, 'The client assertion audience is not this token endpoint.');
  const exp = Number(payload.exp);
  const nbf = payload.nbf === undefined ? undefined : Number(payload.nbf);
  if (!Number.isFinite(exp) || exp + SKEW_SECONDS < nowSeconds || (nbf !== undefined && nbf - SKEW_SECONDS > nowSeconds)) {
    return bad(700024, 'Client assertion is not within its valid time range.');
  }
  return { ok: true };
}

function matchesThumbprint(cert: X509Certificate, header: Record<string, unknown>): boolean {
  const x5t = header.x5t;
  const x5t256 = header['x5t#S256'];
  if (typeof x5t256 === 'string') return createHash('sha256').update(cert.raw).digest('base64url') === x5t256;
  if (typeof x5t === 'string') return createHash('sha1').update(cert.raw).digest('base64url') === x5t;
  // Without a thumbprint every registered certificate is tried.
  return true;
}

function verifies(alg: string, data: Buffer, signature: Buffer, cert: X509Certificate): boolean {
  try {
    switch (alg) {
      case 'RS256':
        return verify('sha256', data, cert.publicKey, signature);
      case 'PS256':
        return verify('sha256', data, { key: cert.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature);
      case 'ES256':
        return verify('sha256', data, { key: cert.publicKey, dsaEncoding: 'ieee-p1363' }, signature);
      default:
        return false;
    }
  } catch {
    return false;
  }
}

function bad(code: number, description: string): AssertionCheck {
  return { ok: false, code, description: `AADSTS${code}: ${description}` };
}
