// Wires the real provisioning client to a running simulator for the integration tests: settings
// from the simulator's environment, the managed-identity variables @azure/identity reads, a
// fetch that records every bearer token sent, and a captured logger.
import type { SettingsOverrides } from '../../../lib/config/reader.js';
import { loadProvisioningSettings } from '../../../lib/config/settings.js';
import type { ProvisioningClient, ProvisioningClientOptions } from '../../../lib/provisioning/client.js';
import { createProvisioningClient } from '../../../lib/provisioning/client.js';
import type { ProvisioningLogEntry } from '../../../lib/provisioning/log-entry.js';
import { BULK_REQUEST_SCHEMA, CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA } from '../../../lib/scim/schemas.js';
import type { BulkOperation, BulkRequest } from '../../../lib/scim/types.js';
import type { Simulator } from '../../../tools/simulator/index.js';
import { captureLogger } from './fakes.js';

/** Sets IDENTITY_ENDPOINT/IDENTITY_HEADER for this worker (MSAL reads them); returns a function restoring the old values. */
export function setIdentityEndpoint(sim: Simulator): () => void {
  const saved = { IDENTITY_ENDPOINT: process.env.IDENTITY_ENDPOINT, IDENTITY_HEADER: process.env.IDENTITY_HEADER };
  process.env.IDENTITY_ENDPOINT = sim.settings.IDENTITY_ENDPOINT;
  process.env.IDENTITY_HEADER = sim.settings.IDENTITY_HEADER;
  return () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

export interface SimClient {
  client: ProvisioningClient;
  logger: ReturnType<typeof captureLogger>;
  /** Every bearer token the client sent. */
  tokensSent: Set<string>;
}

/** A client built exactly as production builds it, from the simulator's settings (plus overrides). */
export function simClient(sim: Simulator, overrides: SettingsOverrides = {}, options: ProvisioningClientOptions = {}): SimClient {
  const settings = loadProvisioningSettings(sim.settings, overrides);
  const logger = captureLogger();
  const tokensSent = new Set<string>();
  const client = createProvisioningClient(settings, {
    logger,
    // Short back-off keeps fault scenarios fast; the schedule itself is unit-tested.
    retry: { baseDelayMs: 20, maxDelayMs: 100 },
    fetch: (url, init) => {
      const auth = (init.headers as Record<string, string>).authorization;
      if (auth !== undefined) tokensSent.add(auth.replace(/^Bearer /, ''));
      return fetch(url, init);
    },
    ...options,
  });
  return { client, logger, tokensSent };
}

/** One user operation; `manager` names the manager's externalId. */
export function user(externalId: string, extra: { manager?: string; displayName?: string } = {}): BulkOperation {
  return {
    method: 'POST',
    bulkId: externalId,
    path: '/Users',
    data: {
      schemas: [CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
      externalId,
      active: true,
      displayName: extra.displayName ?? `Person ${externalId}`,
      ...(extra.manager === undefined ? {} : { [ENTERPRISE_USER_SCHEMA]: { manager: { value: extra.manager } } }),
    },
  };
}

/** A BulkRequest around the operations. */
export function bulkOf(operations: BulkOperation[]): BulkRequest {
  return { schemas: [BULK_REQUEST_SCHEMA], Operations: operations, failOnErrors: null };
}

/** Collects an async iterable. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** Polls the job's logs since `since` until `externalIds` all appear, then returns every entry read. */
export async function waitForEntries(client: ProvisioningClient, since: Date, externalIds: string[]): Promise<ProvisioningLogEntry[]> {
  for (let i = 0; ; i += 1) {
    const entries = await collect(client.queryProvisioningLogs({ since }));
    const seen = new Set(entries.map((e) => e.sourceIdentity?.id));
    if (externalIds.every((id) => seen.has(id))) return entries;
    if (i > 500) throw new Error(`log entries for ${externalIds.filter((id) => !seen.has(id)).join(', ')} never appeared`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
