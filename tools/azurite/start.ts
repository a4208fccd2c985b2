// Starts Azurite from node_modules in memory, on free ports, telemetry off: the storage
// behind the integration tests and `npm run local`. Local tooling, never deployed.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

/** The well-known Azurite development account (public, documented by Microsoft; not a secret). */
export const DEV_ACCOUNT = 'devstoreaccount1';
const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteInstance {
  /** A connection string for blob, queue and table on this instance. */
  connectionString: string;
  blobPort: number;
  queuePort: number;
  tablePort: number;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function azuriteMain(): string {
  // Resolve the package's own CLI so no shell or PATH lookup is involved.
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('azurite/package.json');
  return join(dirname(pkg), 'dist', 'src', 'azurite.js');
}

/** Starts Azurite (blob, queue, table) in memory; resolves once all three accept connections. */
export async function startAzurite(options: { timeoutMs?: number } = {}): Promise<AzuriteInstance> {
  const [blobPort, queuePort, tablePort] = [await freePort(), await freePort(), await freePort()];
  const child = spawn(process.execPath, [
    azuriteMain(),
    '--inMemoryPersistence', '--silent', '--skipApiVersionCheck', '--disableTelemetry', '--loose',
    '--blobHost', '127.0.0.1', '--queueHost', '127.0.0.1', '--tableHost', '127.0.0.1',
    '--blobPort', String(blobPort), '--queuePort', String(queuePort), '--tablePort', String(tablePort),
  ], { stdio: ['ignore', 'pipe', 'pipe'] });

  let output = '';
  const collect = (chunk: Buffer): void => { output = (output + chunk.toString('utf8')).slice(-4000); };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);

  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code) => reject(new Error(`Azurite exited with code ${code} before it was ready: ${output.trim()}`)));
    child.once('error', reject);
  });
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  try {
    await Promise.race([exited, (async () => {
      for (const port of [blobPort, queuePort, tablePort]) {
        while (!(await accepts(port))) {
          if (Date.now() > deadline) throw new Error(`Azurite did not listen on port ${port} within ${timeoutMs} ms: ${output.trim()}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    })()]);
  } catch (err) {
    child.kill();
    throw err;
  }
  exited.catch(() => undefined);

  const host = '127.0.0.1';
  const connectionString = [
    'DefaultEndpointsProtocol=http',
    `AccountName=${DEV_ACCOUNT}`,
    `AccountKey=${DEV_KEY}`,
    `BlobEndpoint=http://${host}:${blobPort}/${DEV_ACCOUNT}`,
    `QueueEndpoint=http://${host}:${queuePort}/${DEV_ACCOUNT}`,
    `TableEndpoint=http://${host}:${tablePort}/${DEV_ACCOUNT}`,
  ].join(';') + ';';

  return {
    connectionString,
    blobPort,
    queuePort,
    tablePort,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) { resolve(); return; }
      child.once('exit', () => resolve());
      child.kill();
    }),
  };
}

async function accepts(port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}
