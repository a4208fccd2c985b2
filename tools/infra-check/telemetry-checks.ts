// Alert and workbook queries against the code: they name only custom events and metrics the code
// emits and read only the fields those carry, every alert issue 14 asks for has a rule, and trace
// queries look for log messages the code still logs.
import type { Deployment } from './evaluate.js';
import { resourcesOf, stringsIn } from './resources.js';

/** Event and metric names with the customDimensions each carries. */
export interface TelemetryCatalogue {
  events: ReadonlyMap<string, readonly string[]>;
  metrics: ReadonlyMap<string, readonly string[]>;
}

/**
 * Events an alert must watch, and why: the alerts issue 14 asks for. Each must be named by some
 * scheduled query rule's query.
 */
export const ALERTED_EVENTS: Readonly<Record<string, string>> = {
  'hrsync.run.held': 'a held run',
  'hrsync.job.state': 'the provisioning job paused or in quarantine',
  'hrsync.uploads.wait': 'the daily budget spent before the runs finished',
  'hrsync.run.stopped': 'the failure-share guard tripped',
  'hrsync.run.started': 'no run for a source (its nightly extract never arrived)',
  'hrsync.run.ingested': 'a run not complete in time',
  'hrsync.records.poisoned': 'poison messages',
};

/**
 * Problems with one query's use of customEvents/customMetrics: every event or metric it names
 * (`name == "…"`, `name in ("…", …)`) must be one the code emits, and every customDimensions
 * field it reads must be carried by one of the events or metrics it names.
 */
export function telemetryQueryProblems(query: string, catalogue: TelemetryCatalogue): string[] {
  if (!/\bcustom(Events|Metrics)\b/.test(query)) return [];
  const problems: string[] = [];
  const names = new Set<string>();
  for (const m of query.matchAll(/\bname\s*(?:==|=~)\s*"([^"\n]+)"/g)) names.add(m[1] as string);
  for (const m of query.matchAll(/\bname\s+in\s*\(([^)]*)\)/g)) for (const q of (m[1] as string).matchAll(/"([^"\n]+)"/g)) names.add(q[1] as string);
  const carried = new Set<string>();
  for (const name of names) {
    const fields = catalogue.events.get(name) ?? catalogue.metrics.get(name);
    if (fields === undefined) problems.push(`looks for the event "${name}", which the code does not emit (lib/telemetry/catalogue.ts)`);
    else for (const f of fields) carried.add(f);
  }
  if (names.size === 0) problems.push('reads customEvents or customMetrics without naming an event (name == "…")');
  const read = new Set<string>();
  for (const m of query.matchAll(/customDimensions\.([A-Za-z_][A-Za-z0-9_]*)/g)) read.add(m[1] as string);
  for (const m of query.matchAll(/customDimensions\[\s*["']([^"']+)["']\s*\]/g)) read.add(m[1] as string);
  for (const field of read) {
    if (!carried.has(field) && names.size > 0) problems.push(`reads customDimensions.${field}, which none of the events it names carries (${[...names].join(', ')})`);
  }
  return problems;
}

/** Problems with the deployment's alert rules and workbook against what the code emits and logs. */
export function telemetryProblems(d: Deployment, catalogue: TelemetryCatalogue, loggedEvents: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const rules = resourcesOf(d, 'Microsoft.Insights/scheduledQueryRules');
  const queried = [...rules, ...resourcesOf(d, 'Microsoft.Insights/workbooks')];
  for (const r of queried) {
    // Each query on its own (a workbook's serialised JSON is read item by item, not as one text).
    for (const query of new Set(stringsIn(r.body).filter((t) => !t.startsWith('{')))) {
      for (const p of telemetryQueryProblems(query, catalogue)) problems.push(`${r.file}:${r.line}: ${String(r.body.name ?? r.id)}: the query ${p}`);
    }
  }
  const alerted = rules.map((r) => stringsIn(r.body).join('\n')).join('\n');
  for (const [event, what] of Object.entries(ALERTED_EVENTS)) {
    if (!new RegExp(`"${event.replace(/\./g, '\\.')}"`).test(alerted)) problems.push(`infra/modules/alerts.bicep: no alert rule reads the event "${event}" (${what})`);
  }
  for (const r of queried) {
    // hrsync's events are sentences; host messages matched by a token (MaxDequeueCount) are not.
    for (const m of stringsIn(r.body)
      .join('\n')
      .matchAll(/(==|has) "([^"\n]* [^"\n]*)"/g)) {
      const event = m[2] as string;
      // `==` compares the whole message; `has` finds the words anywhere in it.
      const logged = m[1] === '==' ? loggedEvents.has(event) : [...loggedEvents].some((e) => e.includes(event));
      if (!logged) problems.push(`${r.file}:${r.line}: the query looks for the event "${event}", which the code no longer logs`);
    }
  }
  return problems;
}
