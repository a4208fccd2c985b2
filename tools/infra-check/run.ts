// Runs every infra check: each deployment scenario (every credential mode, the smallest and
// largest instance cap main.bicep allows) through checkDeployment, plus the azd project, the
// post-deploy hook and the Graph permission script.
import type { Decorator } from './bicep-parser.js';
import { checkDeployment, unsetSettings } from './checks.js';
import type { TelemetryCatalogue } from './checks.js';
import { EVENTS, METRICS } from '../../lib/telemetry/catalogue.js';
import { loggedEvents, scanDataPlane } from './code-scan.js';
import type { DataPlaneUse } from './code-scan.js';
import { evaluateDeployment, isObject } from './evaluate.js';
import type { Deployment, Value } from './evaluate.js';
import { loadInfra, MAIN_BICEP } from './load.js';
import { appSettingsResource, prop } from './resources.js';
import type { InfraSources } from './load.js';

export interface Scenario {
  name: string;
  params: Record<string, Value>;
}

/** Values for main.bicep's parameters that have no default (what azd asks for). */
export const REQUIRED_PARAM_SAMPLES: Readonly<Record<string, Value>> = {
  environmentName: 'check',
  location: 'westeurope',
  provisioningServicePrincipalId: '00000000-0000-4000-8000-00000000000a',
  provisioningJobId: 'API2AAD.0123456789abcdef0123456789abcdef.00000000-0000-4000-8000-00000000000b',
};

const SCENARIO_EXTRAS: Readonly<Record<string, Value>> = {
  appRegistrationClientId: '00000000-0000-4000-8000-00000000000c',
  deployerPrincipalId: '00000000-0000-4000-8000-00000000000d',
};

function decoratorArg(decorators: Decorator[], name: string): Value | undefined {
  const arg = decorators.find((d) => d.name === name)?.args[0];
  if (arg === undefined) return undefined;
  if (arg.kind === 'number' || arg.kind === 'bool') return arg.value;
  if (arg.kind === 'array') return arg.items.map((i) => (i.kind === 'string' && typeof i.parts[0] === 'string' ? i.parts[0] : null));
  return undefined;
}

/** Every allowed credential mode × the smallest and largest maximumInstanceCount. */
export function scenarios(infra: InfraSources): Scenario[] {
  const main = infra.bicep.get(MAIN_BICEP);
  const params = main?.declarations.filter((d) => d.kind === 'param') ?? [];
  const allowed = (name: string): Value[] => {
    const p = params.find((d) => d.name === name);
    const values = p === undefined ? undefined : decoratorArg(p.decorators, 'allowed');
    return Array.isArray(values) ? values : [];
  };
  const range = (name: string): number[] => {
    const p = params.find((d) => d.name === name);
    if (p === undefined) return [];
    const lo = decoratorArg(p.decorators, 'minValue');
    const hi = decoratorArg(p.decorators, 'maxValue');
    return [...new Set([lo, hi].filter((v): v is number => typeof v === 'number'))];
  };
  const base: Record<string, Value> = {};
  for (const p of params) {
    if (p.name in REQUIRED_PARAM_SAMPLES) base[p.name] = REQUIRED_PARAM_SAMPLES[p.name] as Value;
    if (p.name in SCENARIO_EXTRAS) base[p.name] = SCENARIO_EXTRAS[p.name] as Value;
  }
  const modes = allowed('credentialMode');
  const counts = range('maximumInstanceCount');
  const out: Scenario[] = [];
  for (const mode of modes.length > 0 ? modes : [undefined]) {
    for (const count of counts.length > 0 ? counts : [undefined]) {
      const params: Record<string, Value> = { ...base };
      if (mode !== undefined) params.credentialMode = mode;
      if (count !== undefined) params.maximumInstanceCount = count;
      out.push({ name: `credentialMode=${String(mode ?? 'default')} maximumInstanceCount=${String(count ?? 'default')}`, params });
    }
  }
  return out;
}

/** Checks of the azd project, the post-deploy hook and the Graph permission script. */
export function checkScripts(infra: InfraSources, outputs: Deployment['outputs']): string[] {
  const problems: string[] = [];
  const azure = infra.read('azure.yaml');
  for (const expected of ['host: function', 'language: js', 'provider: bicep']) {
    if (!azure.split('\n').some((l) => l.trim() === expected)) problems.push(`azure.yaml: expected "${expected}"`);
  }
  const hooks = [...azure.matchAll(/^\s*run:\s*(?:bash\s+)?(\S+\.sh)\s*$/gm)].map((m) => m[1] as string);
  if (hooks.length === 0) problems.push('azure.yaml: no hook runs a script (the Event Grid subscription is created by one)');
  for (const hook of hooks) {
    let text: string;
    try {
      text = infra.read(hook);
    } catch {
      problems.push(`azure.yaml: hook ${hook} does not exist`);
      continue;
    }
    for (const m of text.matchAll(/\$\{([A-Z0-9_]+):\?/g)) {
      const name = m[1] as string;
      if (!(name in outputs)) problems.push(`${hook}: requires ${name}, which infra/main.bicep does not output`);
    }
    if (!text.includes('Microsoft.Storage.BlobCreated')) problems.push(`${hook}: does not subscribe to Microsoft.Storage.BlobCreated`);
    if (!text.includes('/containers/${HRSYNC_EXTRACTS_CONTAINER}/')) problems.push(`${hook}: does not filter events to the extracts container`);
    if (!/^set -euo pipefail$/m.test(text)) problems.push(`${hook}: must stop on the first error (set -euo pipefail)`);
  }
  const grant = infra.read('infra/grant-graph-permissions.sh');
  for (const expected of ['set -euo pipefail', '00000003-0000-0000-c000-000000000000', 'SynchronizationData-User.Upload', 'AuditLog.Read.All', 'appRoleAssignments']) {
    if (!grant.includes(expected)) problems.push(`infra/grant-graph-permissions.sh: expected ${expected}`);
  }
  return problems;
}

/**
 * HRSYNC_CONCURRENCY is set to the upload invocations host.json lets one instance run at once
 * (queues.batchSize + newBatchThreshold, the host's defaults 16 and batchSize/2): main.bicep
 * derives the per-instance pacing from that, so a change to host.json must be made there too.
 */
export function checkUploadConcurrency(infra: InfraSources, deployments: readonly Deployment[]): string[] {
  const host = JSON.parse(infra.read('host.json')) as { extensions?: { queues?: { batchSize?: number; newBatchThreshold?: number } } };
  const batchSize = host.extensions?.queues?.batchSize ?? 16;
  const inFlight = batchSize + (host.extensions?.queues?.newBatchThreshold ?? Math.floor(batchSize / 2));
  const problems = new Set<string>();
  for (const d of deployments) {
    const config = appSettingsResource(d);
    const settings = prop(config?.body, 'properties');
    const value = isObject(settings) ? settings.HRSYNC_CONCURRENCY : undefined;
    if (value !== String(inFlight)) {
      problems.add(
        `${config?.file ?? MAIN_BICEP}: HRSYNC_CONCURRENCY is ${String(value)}, but host.json runs up to ${inFlight} upload invocations per instance (queues.batchSize + newBatchThreshold); keep them equal`,
      );
    }
  }
  return [...problems];
}

export interface InfraCheckOptions {
  root: string;
  /** Replacement text for some files (relative paths), to check a modified copy. */
  overrides?: Readonly<Record<string, string>>;
  /** Names of the app's blob-triggered functions (from functions/). */
  blobFunctions: readonly string[];
  /** Data-plane calls to check instead of scanning lib/ and functions/. */
  uses?: readonly DataPlaneUse[];
  /** Events and metrics to check the queries against instead of lib/telemetry/catalogue.ts. */
  telemetry?: TelemetryCatalogue;
}

/** The events and metrics the code emits, from lib/telemetry/catalogue.ts. */
export function codeTelemetry(): TelemetryCatalogue {
  return {
    events: new Map(Object.values(EVENTS).map((e) => [e.name, e.fields])),
    metrics: new Map(Object.values(METRICS).map((m) => [m.name, m.attributes])),
  };
}

/** All problems with infra/ against the code; empty when they agree. */
export function checkInfra(options: InfraCheckOptions): string[] {
  const infra = loadInfra(options.root, options.overrides);
  const uses = options.uses ?? scanDataPlane(options.root, ['lib', 'functions']);
  const events = loggedEvents(options.root, ['lib', 'functions']);
  const telemetry = options.telemetry ?? codeTelemetry();
  const problems: string[] = [];
  const deployments: Deployment[] = [];
  for (const scenario of scenarios(infra)) {
    const deployment = evaluateDeployment(infra.bicep, MAIN_BICEP, scenario.params);
    deployments.push(deployment);
    problems.push(...checkDeployment({ scenario: scenario.name, deployment, uses, blobFunctions: options.blobFunctions, loggedEvents: events, telemetry }));
  }
  problems.push(...unsetSettings(deployments));
  problems.push(...checkUploadConcurrency(infra, deployments));
  problems.push(...checkScripts(infra, deployments[0]?.outputs ?? {}));
  return problems;
}
