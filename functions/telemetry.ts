// The OpenTelemetry SDK behind lib/telemetry's events and metrics. The Functions host keeps its
// default telemetry mode (its own traces and requests, which the existing alerts read); this worker
// exports hrsync's custom events and metrics itself with the Azure Monitor exporter, signed in as
// the app's managed identity (App Insights has local auth off). Everything heavy is imported only
// when APPLICATIONINSIGHTS_CONNECTION_STRING is set, so cold start elsewhere pays nothing for it.
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { TokenCredential } from '@azure/identity';

/** Registered providers, to flush at the end of an invocation and to stop on exit. */
export interface TelemetryPipeline {
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

export interface InstallOptions {
  logs: LogRecordExporter;
  metrics?: PushMetricExporter;
  /** Batch log records (Azure) rather than export each at once (local lines, tests). */
  batch?: boolean;
  /** How often metrics are exported. */
  metricIntervalMs?: number;
  /** Reported as service.name (App Insights' cloud role name). */
  serviceName?: string;
}

/** Registers global logger and meter providers over these exporters; lib/telemetry emits through them. */
export async function installTelemetry(o: InstallOptions): Promise<TelemetryPipeline> {
  const [{ logs }, { metrics }, sdkLogs, sdkMetrics, { resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/api-logs'),
    import('@opentelemetry/api'),
    import('@opentelemetry/sdk-logs'),
    import('@opentelemetry/sdk-metrics'),
    import('@opentelemetry/resources'),
  ]);
  const resource = resourceFromAttributes({ 'service.name': o.serviceName ?? 'hrsync' });
  const processor = o.batch === true ? new sdkLogs.BatchLogRecordProcessor(o.logs, { scheduledDelayMillis: 2000 }) : new sdkLogs.SimpleLogRecordProcessor(o.logs);
  const loggerProvider = new sdkLogs.LoggerProvider({ resource, processors: [processor] });
  const meterProvider =
    o.metrics === undefined
      ? undefined
      : new sdkMetrics.MeterProvider({
          resource,
          readers: [new sdkMetrics.PeriodicExportingMetricReader({ exporter: o.metrics, exportIntervalMillis: o.metricIntervalMs ?? 60_000 })],
        });
  logs.setGlobalLoggerProvider(loggerProvider);
  if (meterProvider !== undefined) metrics.setGlobalMeterProvider(meterProvider);
  return {
    flush: async () => {
      await Promise.all([loggerProvider.forceFlush(), meterProvider?.forceFlush()]);
    },
    shutdown: async () => {
      await Promise.all([loggerProvider.shutdown(), meterProvider?.shutdown()]);
      logs.disable();
      if (meterProvider !== undefined) metrics.disable();
    },
  };
}

/** The managed identity's client id from APPLICATIONINSIGHTS_AUTHENTICATION_STRING ("ClientId=…;Authorization=AAD"), or undefined without Entra sign-in. */
export function entraClientId(authentication: string | undefined): { clientId?: string } | undefined {
  if (authentication === undefined) return undefined;
  const parts = new Map(
    authentication
      .split(';')
      .map((p) => p.split('=', 2) as [string, string | undefined])
      .map(([k, v]) => [k.trim().toLowerCase(), (v ?? '').trim()]),
  );
  if (parts.get('authorization')?.toLowerCase() !== 'aad') return undefined;
  const clientId = parts.get('clientid');
  return clientId === undefined || clientId === '' ? {} : { clientId };
}

/** Starts the Azure Monitor exporters for these settings; undefined without a connection string. */
export async function startAzureMonitor(
  env: NodeJS.ProcessEnv,
  options: { credential?: TokenCredential; disableOfflineStorage?: boolean } = {},
): Promise<TelemetryPipeline | undefined> {
  const connectionString = env.APPLICATIONINSIGHTS_CONNECTION_STRING;
  if (connectionString === undefined || connectionString === '') return undefined;
  const entra = entraClientId(env.APPLICATIONINSIGHTS_AUTHENTICATION_STRING);
  let credential = options.credential;
  if (credential === undefined && entra !== undefined) {
    const { ManagedIdentityCredential } = await import('@azure/identity');
    credential = entra.clientId === undefined ? new ManagedIdentityCredential() : new ManagedIdentityCredential({ clientId: entra.clientId });
  }
  const { AzureMonitorLogExporter, AzureMonitorMetricExporter } = await import('@azure/monitor-opentelemetry-exporter');
  const exporterOptions = {
    connectionString,
    ...(credential === undefined ? {} : { credential }),
    ...(options.disableOfflineStorage === true ? { disableOfflineStorage: true } : {}),
  };
  return installTelemetry({
    logs: new AzureMonitorLogExporter(exporterOptions),
    metrics: new AzureMonitorMetricExporter(exporterOptions),
    batch: true,
    serviceName: env.WEBSITE_SITE_NAME ?? 'hrsync',
  });
}

let started: Promise<TelemetryPipeline | undefined> | undefined;

/** Starts telemetry once per process (a no-op without a connection string); a failure to start is logged, never thrown. */
export function telemetryReady(env: NodeJS.ProcessEnv = process.env): Promise<TelemetryPipeline | undefined> {
  started ??= startAzureMonitor(env).then(
    (pipeline) => {
      if (pipeline !== undefined) process.once('beforeExit', () => void pipeline.shutdown());
      return pipeline;
    },
    (err: unknown) => {
      console.warn(JSON.stringify({ message: 'Telemetry could not start; custom events and metrics are off', error: err instanceof Error ? err.name : 'unknown' }));
      return undefined;
    },
  );
  return started;
}

// At most this long at the end of an invocation: telemetry must not hold up the work.
const FLUSH_LIMIT_MS = 5000;

/**
 * Wraps a handler: telemetry is started before it runs and, with `flush`, sent when it ends (ingest
 * and reconcile, whose run events matter and which run rarely; upload's events go in the batch).
 */
export function withTelemetry<A extends unknown[]>(handler: (...args: A) => Promise<void>, options: { flush: boolean }): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const pipeline = await telemetryReady();
    try {
      await handler(...args);
    } finally {
      if (options.flush && pipeline !== undefined) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          pipeline.flush().catch(() => undefined),
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, FLUSH_LIMIT_MS);
          }),
        ]);
        clearTimeout(timer);
      }
    }
  };
}

// Started while the host loads the app's files, so the first invocation rarely waits for it.
if (process.env.APPLICATIONINSIGHTS_CONNECTION_STRING !== undefined && process.env.APPLICATIONINSIGHTS_CONNECTION_STRING !== '') void telemetryReady();
