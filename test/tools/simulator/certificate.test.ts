import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSimulatorCertificate, startSimulator } from '../../../tools/simulator/index.js';
import type { Simulator } from '../../../tools/simulator/index.js';

describe('simulator TLS', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ processingDelayMs: 20 });
  });
  afterAll(() => sim.close());

  it('is trusted by plain fetch through NODE_EXTRA_CA_CERTS from the globalSetup', async () => {
    const trusted = readFileSync(process.env.NODE_EXTRA_CA_CERTS ?? '', 'utf8');
    expect(trusted).toContain(readFileSync(sim.caCertPath, 'utf8').trim());
    const res = await fetch(`${sim.url}/v1.0/auditLogs/provisioning`);
    expect(res.status).toBe(401);
  });

  it('serves a certificate for 127.0.0.1 and localhost signed by the cached CA', async () => {
    const paths = await ensureSimulatorCertificate();
    const ca = new X509Certificate(readFileSync(paths.caCertPath));
    const leaf = new X509Certificate(readFileSync(paths.certPath));
    expect(ca.ca).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.checkHost('localhost')).toBe('localhost');
    expect(sim.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('answers every request on the localhost name as well', async () => {
    const res = await fetch(`${sim.url.replace('127.0.0.1', 'localhost')}/v1.0/auditLogs/provisioning`);
    expect(res.status).toBe(401);
  });
});

describe('ensureSimulatorCertificate', () => {
  it('reuses a good cached certificate and replaces a damaged one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hrsync-cert-test-'));
    try {
      const first = await ensureSimulatorCertificate(dir);
      const firstCa = readFileSync(first.caCertPath, 'utf8');
      const again = await ensureSimulatorCertificate(dir);
      expect(readFileSync(again.caCertPath, 'utf8')).toBe(firstCa);

      writeFileSync(first.keyPath, 'not a key');
      const renewed = await ensureSimulatorCertificate(dir);
      expect(readFileSync(renewed.caCertPath, 'utf8')).not.toBe(firstCa);
      const leaf = new X509Certificate(readFileSync(renewed.certPath));
      expect(leaf.checkPrivateKey(createPrivateKey(readFileSync(renewed.keyPath)))).toBe(true);
      expect(statSync(renewed.keyPath).mode & 0o077).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('startSimulator with a given certificate', () => {
  it('serves it and writes it out as the CA file to trust', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hrsync-cert-test-'));
    try {
      const paths = await ensureSimulatorCertificate();
      const cert = readFileSync(paths.certPath, 'utf8');
      const sim = await startSimulator({ processingDelayMs: 20, certificateDir: dir, tls: { cert, key: readFileSync(paths.keyPath, 'utf8') } });
      try {
        expect(sim.caCertPath.startsWith(dir)).toBe(true);
        expect(readFileSync(sim.caCertPath, 'utf8')).toBe(cert);
        expect(sim.settings.NODE_EXTRA_CA_CERTS).toBe(sim.caCertPath);
        expect((await fetch(`${sim.url}/v1.0/auditLogs/provisioning`)).status).toBe(401);
      } finally {
        await sim.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
