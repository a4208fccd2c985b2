// The Azure Monitor side of telemetry: what the exporter really sends for hrsync's events and
// metrics (to a local HTTPS ingestion endpoint standing in for Application Insights), how the
// Entra sign-in setting is read, and that without a connection string the app loads none of it.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entraClientId, startAzureMonitor } from '../../functions/telemetry.js';
import { EVENTS } from '../../lib/telemetry/catalogue.js';
import { emitEvent, recordBulkUploadCall } from '../../lib/telemetry/emit.js';
import { ensureSimulatorCertificate } from '../../tools/simulator/certificate.js';

const run = promisify(execFile);

interface Envelope {
  name: string;
  iKey: string;
  data: { baseType: string; baseData: { name?: string; properties?: Record<string, string>; metrics?: Array<{ name: string; value: number }> } };
}

let server: Server;
let port = 0;
const received: Envelope[] = [];
const tokens: string[] = [];

beforeAll(async () => {
  // The exporter's own usage reporting would call Microsoft's endpoints: off, as the network here is.
  process.env.APPLICATION_INSIGHTS_NO_STATSBEAT = 'true';
  process.env.APPLICATIONINSIGHTS_STATSBEAT_DISABLED = 'true';
  process.env.APPLICATIONINSIGHTS_SDKSTATS_DISABLED = 'true';
  const cert = await ensureSimulatorCertificate();
  server = createServer({ cert: await readFile(cert.certPath), key: await readFile(cert.keyPath) }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      tokens.push(req.headers.authorization ?? '');
      received.push(...(JSON.parse((req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString('utf8')) as Envelope[]));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ itemsReceived: 1, itemsAccepted: 1, errors: [] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('the Azure Monitor exporter', () => {
  it('sends an event as a customEvents row named after it, its fields as customDimensions, and the metrics as customMetrics', async () => {
    const credential = { getToken: () => Promise.resolve({ token: 'test-token', expiresOnTimestamp: Date.now() + 3_600_000 }) };
    const pipeline = await startAzureMonitor(
      {
        APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=00000000-0000-4000-8000-000000000001;IngestionEndpoint=https://127.0.0.1:${port}/`,
        WEBSITE_SITE_NAME: 'func-hrsync',
      },
      { credential, disableOfflineStorage: true },
    );
    expect(pipeline).toBeDefined();
    emitEvent(EVENTS.runCompleted, { runId: 'r-1', source: 'hr', rows: 400, created: 398, deadLettered: 2 });
    recordBulkUploadCall(429, 35, 1000);
    await pipeline?.flush();
    await pipeline?.shutdown();
    const event = received.find((e) => e.data.baseType === 'EventData');
    expect(event).toMatchObject({ name: 'Microsoft.ApplicationInsights.Event', iKey: '00000000-0000-4000-8000-000000000001' });
    expect(event?.data.baseData.name).toBe('hrsync.run.completed');
    // customDimensions hold strings: the workbook and alerts convert with toint().
    expect(event?.data.baseData.properties).toEqual({ runId: 'r-1', source: 'hr', rows: '400', created: '398', deadLettered: '2' });
    const metrics = received
      .filter((e) => e.data.baseType === 'MetricData')
      .flatMap((e) => (e.data.baseData.metrics ?? []).map((m) => ({ ...m, properties: e.data.baseData.properties })));
    expect(metrics).toContainEqual(expect.objectContaining({ name: 'hrsync.bulkupload.calls', value: 1, properties: { status: '429' } }));
    expect(metrics).toContainEqual(expect.objectContaining({ name: 'hrsync.bulkupload.throttle_wait', value: 1000 }));
    // Signed in with the credential (App Insights has local auth off).
    expect(tokens.every((t) => t === 'Bearer test-token')).toBe(true);
  });

  it('does nothing without a connection string', async () => {
    expect(await startAzureMonitor({})).toBeUndefined();
  });
});

describe('APPLICATIONINSIGHTS_AUTHENTICATION_STRING', () => {
  it('names the managed identity to sign in with, or none without Authorization=AAD', () => {
    expect(entraClientId('ClientId=00000000-0000-4000-8000-00000000000c;Authorization=AAD')).toEqual({ clientId: '00000000-0000-4000-8000-00000000000c' });
    expect(entraClientId('Authorization=AAD')).toEqual({});
    expect(entraClientId(undefined)).toBeUndefined();
    expect(entraClientId('ClientId=x')).toBeUndefined();
  });
});

describe('cold start', () => {
  async function loaded(env: NodeJS.ProcessEnv): Promise<{ modules: string[]; telemetry: boolean }> {
    const dir = await mkdtemp(join(tmpdir(), 'hrsync-trace-'));
    try {
      const trace = join(dir, 'trace.txt');
      const { stdout } = await run(process.execPath, ['test/functions/load-trace.mjs', trace], { env });
      return { modules: (await readFile(trace, 'utf8')).split('\n').filter((l) => l !== ''), telemetry: (JSON.parse(stdout) as { telemetry: boolean }).telemetry };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  const heavy = /@opentelemetry\/sdk-|@opentelemetry\/resources|monitor-opentelemetry-exporter/;

  it('loads neither the OpenTelemetry SDK nor the exporter without APPLICATIONINSIGHTS_CONNECTION_STRING', async () => {
    const env = { ...process.env };
    delete env.APPLICATIONINSIGHTS_CONNECTION_STRING;
    const { modules, telemetry } = await loaded(env);
    expect(telemetry).toBe(false);
    expect(modules.some((m) => m.includes('/lib/telemetry/emit.ts'))).toBe(true);
    expect(modules.filter((m) => heavy.test(m))).toEqual([]);
  }, 60_000);

  it('loads them once it is set', async () => {
    const { modules, telemetry } = await loaded({
      ...process.env,
      APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=00000000-0000-4000-8000-000000000001;IngestionEndpoint=https://127.0.0.1:${port}/`,
      APPLICATION_INSIGHTS_NO_STATSBEAT: 'true',
      APPLICATIONINSIGHTS_STATSBEAT_DISABLED: 'true',
      APPLICATIONINSIGHTS_SDKSTATS_DISABLED: 'true',
    });
    expect(telemetry).toBe(true);
    expect(modules.some((m) => m.includes('monitor-opentelemetry-exporter'))).toBe(true);
  }, 60_000);
});
