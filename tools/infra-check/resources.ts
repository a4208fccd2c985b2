// Reading one evaluated deployment for the checks: its resources by type, values by path, which
// resource a deploy-time value comes from, and the parts every check after the first ones reads
// (the Function App and its app settings), found once by checks.ts.
import { isObject, isResourceRef, isUnknown } from './evaluate.js';
import type { Deployment, ResourceInstance, Value } from './evaluate.js';

/** What a step found, with the problems it saw; without `found`, the checks that need it cannot run. */
export interface Step<T> {
  problems: string[];
  found?: T;
}

/** The one Function App, with what the checks after it read of it. */
export interface FunctionApp {
  site: ResourceInstance;
  /** `<file>:<line>` of the site, for messages. */
  where: string;
  /** On the Flex Consumption plan (FC1). */
  flex: boolean;
  /** properties.functionAppConfig. */
  config: Value | undefined;
  /** `<file>#<symbol>` of its one user-assigned identity. */
  identity: string;
}

/** The Function App's app settings (the `appsettings` config resource), by name. */
export interface AppSettings {
  file: string;
  values: { [name: string]: Value };
}

/** The resources of a type the deployment declares (not `existing` ones). */
export function resourcesOf(d: Deployment, type: string): ResourceInstance[] {
  return d.resources.filter((r) => r.type.toLowerCase() === type.toLowerCase() && !r.existing);
}

/** The value at a path of object keys, if every step is an object. */
export function prop(v: Value | undefined, ...path: string[]): Value | undefined {
  let cur = v;
  for (const p of path) {
    if (!isObject(cur)) return undefined;
    cur = cur[p];
  }
  return cur;
}

/** The Function App's `appsettings` config resource, if declared. */
export function appSettingsResource(d: Deployment): ResourceInstance | undefined {
  return resourcesOf(d, 'Microsoft.Web/sites/config').find((r) => r.body.name === 'appsettings');
}

/** The `<file>#<symbol>` a deploy-time value comes from, e.g. the storage account of an endpoint. */
export function originResource(v: Value | undefined): string | undefined {
  if (isResourceRef(v)) return v.resource;
  if (!isUnknown(v)) return undefined;
  return /^([^<>\s]+#[A-Za-z0-9_]+)/.exec(v.unknown)?.[1];
}

/** Every string inside a value, including those inside JSON text (a workbook's serializedData). */
export function stringsIn(v: Value | undefined): string[] {
  if (typeof v === 'string') {
    if (!v.startsWith('{')) return [v];
    try {
      return [v, ...stringsIn(JSON.parse(v) as Value)];
    } catch {
      return [v];
    }
  }
  if (isUnknown(v)) return [v.unknown];
  if (Array.isArray(v)) return v.flatMap((x) => stringsIn(x));
  if (isObject(v)) return Object.values(v).flatMap((x) => stringsIn(x));
  return [];
}

/** The app identity's principal and client ids as the deployment refers to them. */
export function identityRefs(app: FunctionApp): { principalId: string; clientId: string; id: string } {
  return { principalId: `<${app.identity}.properties.principalId>`, clientId: `<${app.identity}.properties.clientId>`, id: `<${app.identity}.id>` };
}
