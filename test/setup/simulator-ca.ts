// vitest globalSetup: makes sure the simulator's CA exists and is trusted before the test workers
// fork. Node reads NODE_EXTRA_CA_CERTS only at start-up, so setting it here (in the parent, before
// any worker exists) is the only way tests can reach the simulator over verified HTTPS.
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ensureSimulatorCertificate } from '../../tools/simulator/certificate.js';

/** Ensures the simulator certificate and exports its CA to the workers' environment. */
export default async function setup(): Promise<void> {
  const { caCertPath } = await ensureSimulatorCertificate();
  const existing = process.env.NODE_EXTRA_CA_CERTS;
  if (existing === undefined || existing === '' || existing === caCertPath) {
    process.env.NODE_EXTRA_CA_CERTS = caCertPath;
    return;
  }
  // NODE_EXTRA_CA_CERTS names one file: keep an already trusted CA (a corporate proxy's) next to ours.
  let theirs: string;
  try {
    theirs = readFileSync(existing, 'utf8');
  } catch {
    // Node itself only warns about an unreadable file; do not fail the run over it either.
    process.env.NODE_EXTRA_CA_CERTS = caCertPath;
    return;
  }
  const bundle = `${theirs.trimEnd()}\n${readFileSync(caCertPath, 'utf8')}`;
  const bundlePath = join(dirname(dirname(caCertPath)), `ca-bundle-${createHash('sha256').update(bundle).digest('hex').slice(0, 16)}.pem`);
  // Written aside and renamed: two test runs started together must never see half a bundle.
  const partial = `${bundlePath}.${process.pid}.tmp`;
  writeFileSync(partial, bundle);
  renameSync(partial, bundlePath);
  process.env.NODE_EXTRA_CA_CERTS = bundlePath;
}
