// The simulator's TLS certificate: a private CA plus a 127.0.0.1/localhost server certificate it
// signed, cached so that every process (vitest's globalSetup, its forked workers, `hrsync
// simulator`) trusts the same CA through NODE_EXTRA_CA_CERTS, which Node reads only at start-up.
// The CA's private key is thrown away once the server certificate is signed: a CA key lying in a
// temp directory could mint certificates for any host these processes trust.
import { X509Certificate, createPrivateKey, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate as generateCertificate } from 'selfsigned';

export interface SimulatorCertificate {
  certPath: string;
  keyPath: string;
  /** The CA to trust (NODE_EXTRA_CA_CERTS). */
  caCertPath: string;
}

/** Where the certificate is cached unless told otherwise. */
export const DEFAULT_CERTIFICATE_DIR = join(tmpdir(), 'hrsync-simulator');

const SET_NAME = 'tls-v1';
const VALID_DAYS = 825;
// Renew well before expiry so a long test run never straddles it.
const RENEW_BEFORE_MS = 30 * 24 * 3600_000;

/** Returns the cached CA and server certificate, creating (or renewing) them when missing, expired or damaged. */
export async function ensureSimulatorCertificate(dir: string = DEFAULT_CERTIFICATE_DIR): Promise<SimulatorCertificate> {
  const setDir = join(dir, SET_NAME);
  const paths = pathsIn(setDir);
  if (isUsable(paths)) return paths;

  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (existsSync(setDir)) {
    // Moved aside first so a concurrent reader never sees a half-deleted set.
    const stale = `${setDir}.stale-${randomBytes(4).toString('hex')}`;
    try {
      renameSync(setDir, stale);
      rmSync(stale, { recursive: true, force: true });
    } catch {
      // Another process renewed it meanwhile.
      if (isUsable(paths)) return paths;
    }
  }

  const staging = join(dir, `${SET_NAME}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(staging, { mode: 0o700 });
  const { ca, cert, key } = await generate();
  writeFileSync(join(staging, 'ca.pem'), ca, { mode: 0o644 });
  writeFileSync(join(staging, 'cert.pem'), cert + ca, { mode: 0o644 });
  writeFileSync(join(staging, 'key.pem'), key, { mode: 0o600 });
  try {
    // A directory rename is atomic: readers see all three files or none.
    renameSync(staging, setDir);
  } catch {
    rmSync(staging, { recursive: true, force: true });
    if (!isUsable(paths)) throw new Error(`Could not create the simulator certificate in ${setDir}`);
  }
  return paths;
}

function pathsIn(setDir: string): SimulatorCertificate {
  return { certPath: join(setDir, 'cert.pem'), keyPath: join(setDir, 'key.pem'), caCertPath: join(setDir, 'ca.pem') };
}

function isUsable(paths: SimulatorCertificate): boolean {
  try {
    const ca = new X509Certificate(readFileSync(paths.caCertPath));
    const leaf = new X509Certificate(readFileSync(paths.certPath));
    const key = createPrivateKey(readFileSync(paths.keyPath));
    const renewAt = Date.parse(leaf.validTo) - RENEW_BEFORE_MS;
    return (
      Date.now() < renewAt &&
      Date.parse(ca.validTo) - RENEW_BEFORE_MS > Date.now() &&
      leaf.checkPrivateKey(key) &&
      leaf.verify(ca.publicKey) &&
      leaf.checkIP('127.0.0.1') !== undefined &&
      leaf.checkHost('localhost') !== undefined
    );
  } catch {
    return false;
  }
}

async function generate(): Promise<{ ca: string; cert: string; key: string }> {
  const notBeforeDate = new Date(Date.now() - 3600_000);
  const notAfterDate = new Date(notBeforeDate.getTime() + VALID_DAYS * 24 * 3600_000);
  const ca = await generateCertificate([{ name: 'commonName', value: 'hrsync simulator local CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const server = await generateCertificate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  return { ca: withNewline(ca.cert), cert: withNewline(server.cert), key: withNewline(server.private) };
}

function withNewline(pem: string): string {
  return pem.endsWith('\n') ? pem : `${pem}\n`;
}
