// The HTTPS server: routes each request to Graph, sign-in or Key Vault, applies the injected
// latency, and exposes the control surface tests use (directory, stats, rotation, faults).
import { X509Certificate, createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_CERTIFICATE_DIR, ensureSimulatorCertificate } from './certificate.js';
import type { SimUser } from './directory.js';
import { handleGraph, isGraphPath } from './graph.js';
import { sendGraphError, stampRequestIds } from './http.js';
import { LogStore } from './log-store.js';
import type { FaultOptions, ResolvedOptions, SimulatorOptions } from './options.js';
import { resolveOptions, validateFaults, validateJob } from './options.js';
import { DailyQuota } from './job.js';
import type { JobSetting } from './job.js';
import { Processor } from './processor.js';
import { initialSchema } from './schema.js';
import { seededRandom } from './random.js';
import { SlidingWindowLimiter } from './rate-limit.js';
import { simulatorSettings } from './settings.js';
import { handleSignIn } from './sign-in.js';
import type { Exchange, SimState, SimStats } from './state.js';
import { noRefusals } from './state.js';
import { TokenStore } from './tokens.js';
import { Vault, handleVault, isVaultPath } from './vault.js';

export interface Simulator {
  /** https://127.0.0.1:PORT */
  url: string;
  /** Every HRSYNC_* (+ IDENTITY_ENDPOINT/IDENTITY_HEADER, NODE_EXTRA_CA_CERTS) pointing hrsync at this simulator. */
  settings: Record<string, string>;
  caCertPath: string;
  /** By externalId: current attributes, enabled, created/updated times. */
  directory: ReadonlyMap<string, SimUser>;
  stats(): SimStats;
  /** Changes the app's accepted secret and adds it as the vault's current version. */
  rotateSecret(newSecret: string): void;
  /** Roles of tokens issued from now on (tokens already issued keep theirs, as real tokens do). */
  setPermissions(roles: string[]): void;
  /**
   * Invalidates every issued Graph token, so the next Graph call with one is a 401. Vault tokens
   * stay valid: MSAL caches managed-identity tokens process-wide and could not replace them.
   */
  revokeTokens(): void;
  setFaults(f: FaultOptions): void;
  /** Sets the job's state: a job that is not Active stages uploads without processing them; Active again processes what was staged. */
  setJob(job: JobSetting): void;
  /** bulkUpload calls allowed per sliding 24 hours from now on, counting afresh; undefined lifts the quota. */
  setDailyQuota(quota: number | undefined): void;
  /** Empties the directory, the provisioning logs, the stats, the faults and the rate limit's window, and puts the job, the quota and the job's schema back as started; sign-in and the vault stay as they are. */
  reset(): void;
  close(): Promise<void>;
}

/** Starts the simulator on 127.0.0.1 and resolves once it listens. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const opts = resolveOptions(options, () => randomBytes(24).toString('base64url'));
  const tls = await loadTls(options);
  const directory = new Map<string, SimUser>();
  const log = new LogStore();
  const vault = new Vault();
  vault.set(opts.secretName, opts.clientSecret);
  for (const [name, value] of Object.entries(opts.vaultSecrets)) vault.set(name, value);
  const stats: SimStats = { requests: 0, accepted: 0, throttled: 0, faults: 0, recordsReceived: 0, perRecordSends: new Map(), acceptedAt: [], refusedBy: noRefusals() };

  const state: SimState = {
    opts,
    baseUrl: '',
    tokens: new TokenStore(),
    directory,
    log,
    vault,
    limiter: limiterFor(opts.rateLimit),
    stats,
    identityHeader: randomBytes(16).toString('hex'),
    faults: opts.faults,
    schema: initialSchema(opts.jobId),
    job: { ...opts.job, changedAt: Date.now() },
    startedAt: Date.now(),
    quota: opts.dailyQuota === undefined ? undefined : new DailyQuota(opts.dailyQuota),
    random: randomFor(opts.faults),
    permissions: opts.permissions,
    clientSecret: opts.clientSecret,
    clientCertificates: opts.clientCertificates.map((pem) => new X509Certificate(pem)),
    closing: new AbortController(),
    processor: new Processor({
      directory,
      log,
      tenantId: opts.tenantId,
      servicePrincipalId: opts.servicePrincipalId,
      processingDelayMs: opts.processingDelayMs,
      logDelayMs: opts.logDelayMs,
      recordRules: () => state.faults.recordRules ?? [],
      onRecordFault: () => {
        stats.faults++;
      },
    }),
  };

  state.processor.hold(opts.job.status !== 'Active');

  const server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    void route(state, req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  state.baseUrl = `https://127.0.0.1:${port}`;

  let closed: Promise<void> | undefined;
  return {
    url: state.baseUrl,
    settings: simulatorSettings({ ...opts, baseUrl: state.baseUrl, identityHeader: state.identityHeader, caCertPath: tls.caCertPath }),
    caCertPath: tls.caCertPath,
    directory,
    stats: () => ({ ...stats, perRecordSends: new Map(stats.perRecordSends), acceptedAt: [...stats.acceptedAt], refusedBy: { ...stats.refusedBy } }),
    rotateSecret(newSecret) {
      state.clientSecret = newSecret;
      vault.set(opts.secretName, newSecret);
    },
    setPermissions(roles) {
      state.permissions = [...roles];
    },
    revokeTokens() {
      state.tokens.revoke('graph');
    },
    setJob(job) {
      validateJob(job);
      state.job = { ...job, changedAt: Date.now() };
      state.processor.hold(job.status !== 'Active');
    },
    setDailyQuota(quota) {
      state.quota = quota === undefined ? undefined : new DailyQuota(quota);
    },
    setFaults(f) {
      validateFaults(f);
      state.faults = { ...f };
      state.random = randomFor(f);
    },
    reset() {
      directory.clear();
      log.clear();
      Object.assign(stats, { requests: 0, accepted: 0, throttled: 0, faults: 0, recordsReceived: 0, refusedBy: noRefusals() });
      stats.perRecordSends.clear();
      stats.acceptedAt.length = 0;
      state.faults = {};
      state.random = randomFor({});
      state.job = { ...opts.job, changedAt: Date.now() };
      state.processor.hold(opts.job.status !== 'Active');
      state.quota = opts.dailyQuota === undefined ? undefined : new DailyQuota(opts.dailyQuota);
      state.schema = initialSchema(opts.jobId);
      // A test after a busy one must not meet its calls in the rate limit's window.
      state.limiter = limiterFor(opts.rateLimit);
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        state.processor.stop();
        state.closing.abort();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

function randomFor(faults: FaultOptions): () => number {
  return faults.seed === undefined ? Math.random : seededRandom(faults.seed);
}

async function loadTls(options: SimulatorOptions): Promise<{ cert: string; key: string; caCertPath: string }> {
  if (options.tls !== undefined) {
    const { cert, key } = options.tls;
    let caCertPath = options.tls.caCertPath;
    if (caCertPath === undefined) {
      // A caller's self-signed certificate is its own trust anchor; it needs a file for NODE_EXTRA_CA_CERTS.
      const dir = options.certificateDir ?? DEFAULT_CERTIFICATE_DIR;
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      caCertPath = join(dir, `custom-${createHash('sha256').update(cert).digest('hex').slice(0, 16)}.pem`);
      writeFileSync(caCertPath, cert);
    }
    return { cert, key, caCertPath };
  }
  const paths = await ensureSimulatorCertificate(options.certificateDir);
  return { cert: readFileSync(paths.certPath, 'utf8'), key: readFileSync(paths.keyPath, 'utf8'), caCertPath: paths.caCertPath };
}

async function route(state: SimState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const ids = stampRequestIds(req, res);
  const url = new URL(req.url ?? '/', state.baseUrl);
  const ex: Exchange = { req, res, url, ids };
  const requestLog = state.opts.requestLog;
  if (requestLog !== undefined) {
    // Method, path and status only: queries and bodies can carry externalIds, names and secrets.
    res.on('finish', () => requestLog(`${req.method ?? '-'} ${url.pathname} ${res.statusCode}`));
    res.on('close', () => {
      if (!res.writableFinished) requestLog(`${req.method ?? '-'} ${url.pathname} dropped`);
    });
  }
  try {
    const slow = state.faults.slowMs ?? 0;
    if (slow > 0) await sleep(slow, undefined, { signal: state.closing.signal });
    if (isGraphPath(url.pathname)) await handleGraph(state, ex);
    else if (isVaultPath(url.pathname)) handleVault(state, ex);
    else if (!(await handleSignIn(state, ex))) sendGraphError(res, ids, 404, 'NotFound', `No simulator endpoint at ${url.pathname}.`);
  } catch {
    if (state.closing.signal.aborted) {
      res.destroy();
      return;
    }
    // The simulator's own bug: answer rather than hang the client, and say nothing of the request.
    if (!res.headersSent) sendGraphError(res, ids, 500, 'SimulatorError', 'The simulator failed to handle this request.');
    else res.destroy();
  }
}

function limiterFor(rate: ResolvedOptions['rateLimit']): SlidingWindowLimiter | undefined {
  return rate === false ? undefined : new SlidingWindowLimiter(rate.requests, rate.windowSeconds);
}
