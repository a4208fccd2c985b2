// Starts Azurite from node_modules in memory, on free ports, telemetry off: the storage
// behind the integration tests, `npm run local` and the benchmarks. Local tooling, never deployed.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
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
  /** Each service's process id (benchmarks read their CPU time). */
  pids: { blob?: number; queue?: number; table?: number };
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

// Each service in its own process: Azurite serves a service on one thread, and its queue store
// does work proportional to the messages held on every delete, so with blob, queue and table in
// one process the pipeline's table calls waited behind the queue's. Two cores now share them.
const SERVICES = ['blob', 'queue', 'table'] as const;
type Service = (typeof SERVICES)[number];

function serviceMain(service: Service): string {
  // Resolve the package's own entry points so no shell or PATH lookup is involved.
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('azurite/package.json');
  return join(dirname(pkg), 'dist', 'src', service, 'main.js');
}

// Loaded into each Azurite process before its own code: Azurite must not outlive the process that
// started it, however that one ends. A SIGKILL gives the parent no chance to stop its children, so
// each child notices by itself: its stdin (a pipe from the parent) reaches its end when the parent's
// side is closed by the kernel, and, in case a pipe was handed on, its parent id changes once it is
// re-parented. A data: URL, so it needs no file beside the compiled one (tests run the TypeScript).
const DIE_WITH_PARENT = `data:text/javascript,${encodeURIComponent(
  [
    'const parent = process.ppid;',
    'const bye = () => process.exit(0);',
    "process.stdin.on('end', bye); process.stdin.on('error', bye); process.stdin.resume();",
    // Unreferenced: Azurite stops on SIGTERM by closing its servers and letting the event loop empty.
    'process.stdin.unref?.();',
    'setInterval(() => { if (process.ppid !== parent) bye(); }, 500).unref();',
  ].join('\n'),
)}`;

export interface AzuriteOptions {
  timeoutMs?: number;
  /** Called when a service stops after it was ready and before stop() asked it to (someone killed it). */
  onUnexpectedExit?: (service: string, code: number | null, signal: NodeJS.Signals | null) => void;
  /**
   * 'memory' (the default): nothing touches the disk. 'disk': Azurite's file store in a temporary
   * folder, removed on stop. The in-memory queue keeps each message body as an extent of its own
   * and its collector removes them one at a time, re-sorting an index of all of them each time:
   * at hundreds of messages a second that work outgrows a core. The file store packs bodies into
   * a few large extents. Only the pipeline benchmark asks for it.
   */
  store?: 'memory' | 'disk';
}

/** Starts Azurite (blob, queue, table), in memory unless asked otherwise; resolves once all three accept connections. */
export async function startAzurite(options: AzuriteOptions = {}): Promise<AzuriteInstance> {
  const ports: Record<Service, number> = { blob: await freePort(), queue: await freePort(), table: await freePort() };
  const folder = options.store === 'disk' ? await mkdtemp(join(tmpdir(), 'hrsync-azurite-')) : undefined;
  const storeArgs = (service: Service): string[] => (folder === undefined ? ['--inMemoryPersistence'] : ['--location', join(folder, service)]);
  const children: { service: Service; child: ChildProcess; output: string }[] = [];
  let stopping = false;
  const stopAll = async (): Promise<void> => {
    stopping = true;
    await Promise.all(
      children.map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            // A child that never started (spawn failed) has no pid and may never emit 'exit'.
            if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) {
              resolve();
              return;
            }
            child.once('exit', () => resolve());
            child.once('error', () => resolve());
            child.kill();
          }),
      ),
    );
    if (folder !== undefined) await rm(folder, { recursive: true, force: true });
  };
  try {
    for (const service of SERVICES) {
      if (folder !== undefined) await mkdir(join(folder, service));
      const child = spawn(
        process.execPath,
        [
          '--import',
          DIE_WITH_PARENT,
          serviceMain(service),
          ...storeArgs(service),
          '--silent',
          '--skipApiVersionCheck',
          '--disableTelemetry',
          '--loose',
          `--${service}Host`,
          '127.0.0.1',
          `--${service}Port`,
          String(ports[service]),
        ],
        { stdio: ['pipe', 'pipe', 'pipe'] },
      );
      const c = { service, child, output: '' };
      children.push(c);
      const collect = (chunk: Buffer): void => {
        c.output = (c.output + chunk.toString('utf8')).slice(-4000);
      };
      child.stdout?.on('data', collect);
      child.stderr?.on('data', collect);
    }
  } catch (err) {
    await stopAll();
    throw err;
  }

  const exited = Promise.race(
    children.map(
      (c) =>
        new Promise<never>((_, reject) => {
          c.child.once('exit', (code) => reject(new Error(`Azurite's ${c.service} service exited with code ${code} before it was ready: ${c.output.trim()}`)));
          c.child.once('error', reject);
        }),
    ),
  );
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  try {
    await Promise.race([
      exited,
      (async () => {
        for (const c of children) {
          // Another process may take the port between freePort() and Azurite's bind; a connection
          // would then reach that process. Azurite says it listens only once its own bind succeeded.
          while (!/successfully (listens|started)/.test(c.output) || !(await accepts(ports[c.service]))) {
            if (Date.now() > deadline) throw new Error(`Azurite's ${c.service} service did not listen on port ${ports[c.service]} within ${timeoutMs} ms: ${c.output.trim()}`);
            await new Promise((r) => setTimeout(r, 50));
          }
        }
      })(),
    ]);
  } catch (err) {
    await stopAll();
    throw err;
  }
  exited.catch(() => undefined);
  const gone = children.find((c) => c.child.exitCode !== null || c.child.signalCode !== null);
  if (gone !== undefined) {
    await stopAll();
    throw new Error(`Azurite's ${gone.service} service exited (${gone.child.signalCode ?? `code ${gone.child.exitCode}`}) as it started: ${gone.output.trim()}`);
  }
  for (const c of children) {
    c.child.once('exit', (code, signal) => {
      if (!stopping) options.onUnexpectedExit?.(c.service, code, signal);
    });
  }

  const [blobPort, queuePort, tablePort] = [ports.blob, ports.queue, ports.table];
  const host = '127.0.0.1';
  const connectionString =
    [
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
    pids: Object.fromEntries(children.map((c) => [c.service, c.child.pid])),
    stop: stopAll,
  };
}

async function accepts(port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
