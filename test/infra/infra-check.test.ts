// infra/ against the code: the real files pass, and each kind of disagreement, made on a copy
// of one file's text, is reported.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { definitions } from '../../functions/index.js';
import { scanDataPlane } from '../../tools/infra-check/code-scan.js';
import type { DataPlaneUse } from '../../tools/infra-check/code-scan.js';
import { loadInfra } from '../../tools/infra-check/load.js';
import { checkInfra, codeTelemetry, scenarios } from '../../tools/infra-check/run.js';
import { telemetryQueryProblems } from '../../tools/infra-check/checks.js';

const root = process.cwd();
const blobFunctions = definitions.filter((d) => d.kind === 'storageBlob').map((d) => d.name);
// Scanned once: every check below shares it.
const uses = scanDataPlane(root, ['lib', 'functions']);

/** Problems with one file's text changed from `from` to `to` (which must occur in it). */
function problemsWith(path: string, from: string | RegExp, to: string, extra: { uses?: DataPlaneUse[]; blobFunctions?: string[] } = {}): string[] {
  const text = readFileSync(join(root, path), 'utf8');
  const changed = text.replace(from, to);
  expect(changed, `${String(from)} should occur in ${path}`).not.toBe(text);
  return checkInfra({ root, overrides: { [path]: changed }, blobFunctions: extra.blobFunctions ?? blobFunctions, uses: extra.uses ?? uses });
}

describe('infra/ and the code', () => {
  it('agree in every credential mode and at both ends of the instance cap', () => {
    expect(checkInfra({ root, blobFunctions, uses })).toEqual([]);
  });

  it('checks every allowed credential mode at the smallest and largest instance cap', () => {
    expect(scenarios(loadInfra(root)).map((s) => s.name)).toEqual([
      'credentialMode=managed-identity maximumInstanceCount=1',
      'credentialMode=managed-identity maximumInstanceCount=40',
      'credentialMode=client-secret maximumInstanceCount=1',
      'credentialMode=client-secret maximumInstanceCount=40',
      'credentialMode=client-certificate maximumInstanceCount=1',
      'credentialMode=client-certificate maximumInstanceCount=40',
    ]);
  });

  it('finds the data-plane calls the code makes', () => {
    const capabilities = new Set(uses.map((u) => u.capability));
    for (const c of ['blob:read', 'blob:write', 'queue:send', 'queue:process', 'queue:manage', 'table:read', 'table:write', 'secret:read']) {
      expect(capabilities, c).toContain(c);
    }
  });
});

describe('app settings', () => {
  it('reports a required setting that is missing, naming it', () => {
    const problems = problemsWith('infra/main.bicep', /\n {2}HRSYNC_JOB_ID: provisioningJobId/, '');
    expect(problems.some((p) => p.includes('would not start') && p.includes('HRSYNC_JOB_ID'))).toBe(true);
  });

  it('reports a setting hrsync reads that no deployment sets, even with a default', () => {
    const problems = problemsWith('infra/main.bicep', /\n {2}HRSYNC_MAX_RETRIES: '5'/, '');
    expect(problems).toContain(
      'HRSYNC_MAX_RETRIES is read by hrsync (lib/config/names.ts) but no deployment sets it: set it in infra/main.bicep, or add it to INTENTIONALLY_UNSET in tools/infra-check/checks.ts with the reason',
    );
  });

  it('reports a setting nothing reads', () => {
    const problems = problemsWith('infra/main.bicep', "HRSYNC_MAX_RETRIES: '5'", "HRSYNC_MAX_RETRIES: '5'\n  HRSYNC_MAX_RETRY: '5'");
    expect(problems.some((p) => p.includes('HRSYNC_MAX_RETRY is set but neither hrsync'))).toBe(true);
  });

  it('reports an app-registration setting missing only in the modes that need it', () => {
    const problems = problemsWith('infra/main.bicep', /\n {2}HRSYNC_KEY_VAULT_URL: vault\.outputs\.uri/, '');
    expect(problems.some((p) => p.startsWith('[credentialMode=client-secret') && p.includes('HRSYNC_KEY_VAULT_URL'))).toBe(true);
    expect(problems.some((p) => p.startsWith('[credentialMode=managed-identity'))).toBe(false);
  });

  it('reports a value the code rejects', () => {
    const problems = problemsWith('infra/main.bicep', "HRSYNC_RECONCILE_SCHEDULE: '0 */5 * * * *'", "HRSYNC_RECONCILE_SCHEDULE: 'every five minutes'");
    expect(problems.some((p) => p.includes('HRSYNC_RECONCILE_SCHEDULE'))).toBe(true);
  });

  it('requires Event Grid as the blob trigger source on Flex Consumption', () => {
    const problems = problemsWith('infra/main.bicep', "HRSYNC_EXTRACTS_SOURCE: 'EventGrid'", "HRSYNC_EXTRACTS_SOURCE: 'LogsAndContainerScan'");
    expect(problems.some((p) => p.includes("HRSYNC_EXTRACTS_SOURCE must be 'EventGrid'"))).toBe(true);
  });

  it('reports a storage connection that is not the app identity', () => {
    const problems = problemsWith('infra/main.bicep', 'HRSYNC_STORAGE__clientId: identity.outputs.clientId', "HRSYNC_STORAGE__clientId: '00000000-0000-4000-8000-000000000001'");
    expect(problems.some((p) => p.includes("HRSYNC_STORAGE__clientId must be the app identity's client id"))).toBe(true);
  });
});

describe('containers, queues and tables', () => {
  it('reports a queue the code uses that is not created', () => {
    const problems = problemsWith('infra/main.bicep', /\n {6}poisonQueue\n/, '\n');
    expect(problems.some((p) => p.includes("queue (poison queue of HRSYNC_OPERATIONS_QUEUE) 'scim-operations-poison', which infra/ does not create"))).toBe(true);
  });

  it('reports a ledger table that is not created', () => {
    const problems = problemsWith('infra/main.bicep', "\n  '${tablePrefix}People'", '');
    expect(problems.some((p) => p.includes("'hrsyncPeople', which infra/ does not create"))).toBe(true);
  });

  it('accepts other names when the app settings pass them and they are created', () => {
    expect(problemsWith('infra/main.bicep', "var extractsContainer = 'hr-extracts'", "var extractsContainer = 'incoming-extracts'")).toEqual([]);
  });

  it('reports a container that is created but unused', () => {
    const problems = problemsWith('infra/main.bicep', '      deploymentContainer\n', "      deploymentContainer\n      'spare'\n");
    expect(problems.some((p) => p.includes("'spare' is created but nothing uses it"))).toBe(true);
  });
});

describe('role assignments', () => {
  it('reports a data-plane call no role covers, with where the code makes it', () => {
    const problems = problemsWith('infra/modules/storage.bicep', /\n {2}storageQueueDataContributor\n/, '\n');
    expect(problems.some((p) => p.includes('queue:send') && p.includes('lib/pipeline/azure-queue.ts'))).toBe(true);
  });

  it('reports a role too weak for what the code does', () => {
    // Storage Table Data Reader instead of Contributor: the ledger writes.
    const problems = problemsWith(
      'infra/modules/storage.bicep',
      "var storageTableDataContributor = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'",
      "var storageTableDataContributor = '76199698-9eea-4c19-bc75-cec21354c6b6'",
    );
    expect(problems.some((p) => p.includes('table:write') && p.includes('lib/ledger/run-ledger.ts'))).toBe(true);
  });

  it('reports a role nothing needs (Key Vault read in managed-identity mode)', () => {
    const problems = problemsWith('infra/main.bicep', 'appReadsSecrets: usesAppRegistration', 'appReadsSecrets: true');
    expect(
      problems.some((p) => p.startsWith('[credentialMode=managed-identity') && p.includes('Key Vault Secrets User') && p.includes('nothing in the code or the host needs')),
    ).toBe(true);
    expect(problems.some((p) => p.startsWith('[credentialMode=client-secret'))).toBe(false);
  });

  it('reports a role the checks do not know', () => {
    const problems = problemsWith(
      'infra/modules/storage.bicep',
      "var storageBlobDataOwner = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'",
      "var storageBlobDataOwner = '8e3af657-a8ff-443c-a75c-2fe8c4bcb635'",
    );
    expect(problems.some((p) => p.includes('not one tools/infra-check/roles.ts knows'))).toBe(true);
  });

  it('reports the host need for Blob Data Owner when only Contributor is given', () => {
    const problems = problemsWith(
      'infra/modules/storage.bicep',
      "var storageBlobDataOwner = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'",
      "var storageBlobDataOwner = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'",
    );
    expect(problems.some((p) => p.includes('blob:owner') && p.includes('Functions host'))).toBe(true);
  });

  it('reports Monitoring Metrics Publisher missing while telemetry needs Entra sign-in', () => {
    const problems = problemsWith('infra/modules/monitoring.bicep', 'scope: appInsights\n', 'scope: workspace\n');
    expect(problems.some((p) => p.includes('Monitoring Metrics Publisher') && p.includes('must be scoped to the Microsoft.Insights/components'))).toBe(true);
    expect(problems.some((p) => p.includes('metrics:publish'))).toBe(true);
  });

  it('reports a call the code starts making that no role covers', () => {
    const more: DataPlaneUse[] = [...uses, { capability: 'secret:write', file: 'lib/provisioning/rotate.ts', line: 7, call: 'setSecret() [@azure/keyvault-secrets]' }];
    const problems = checkInfra({ root, blobFunctions, uses: more });
    expect(problems.some((p) => p.startsWith('[credentialMode=client-certificate') && p.includes('secret:write') && p.includes('lib/provisioning/rotate.ts:7'))).toBe(true);
  });
});

describe('rate limit and security posture', () => {
  it('reports a per-instance rate that lets all instances together exceed the API limit', () => {
    const problems = problemsWith(
      'infra/main.bicep',
      'var rateLimitRequestsPerInstance = provisioningApiRequestsPerWindow / maximumInstanceCount',
      'var rateLimitRequestsPerInstance = provisioningApiRequestsPerWindow',
    );
    expect(problems.some((p) => p.includes('maximumInstanceCount=40') && p.includes("40 instances × 40 requests per 5 s exceeds the provisioning API's 40 per 5 s"))).toBe(true);
  });

  it('reports host.json running more upload invocations per instance than the settings assume', () => {
    const problems = problemsWith('host.json', '"batchSize": 2,', '"batchSize": 4,');
    expect(problems.some((p) => p.includes('HRSYNC_CONCURRENCY is 4, but host.json runs up to 6 upload invocations per instance'))).toBe(true);
  });

  it('reports shared-key access left on', () => {
    const problems = problemsWith('infra/modules/storage.bicep', 'allowSharedKeyAccess: false', 'allowSharedKeyAccess: true');
    expect(problems.some((p) => p.includes('allowSharedKeyAccess: false'))).toBe(true);
  });

  it('reports a storage connection string in the app settings', () => {
    const problems = problemsWith(
      'infra/modules/function-app.bicep',
      "AzureWebJobsStorage__credential: 'managedidentity'",
      "AzureWebJobsStorage: 'DefaultEndpointsProtocol=https;AccountName=x;AccountKey=abc'\n  AzureWebJobsStorage__credential: 'managedidentity'",
    );
    expect(problems.some((p) => p.includes('AzureWebJobsStorage is a connection string'))).toBe(true);
    expect(problems.some((p) => p.includes('holds a storage key or SAS'))).toBe(true);
  });

  it('reports a Key Vault without purge protection and App Insights with local auth', () => {
    expect(problemsWith('infra/modules/keyvault.bicep', 'enablePurgeProtection: true', 'enablePurgeProtection: false').some((p) => p.includes('purge protection'))).toBe(true);
    expect(problemsWith('infra/modules/monitoring.bicep', 'DisableLocalAuth: true', 'DisableLocalAuth: false').some((p) => p.includes('disable local'))).toBe(true);
  });
});

describe('events, outputs and the post-deploy hook', () => {
  it('reports an alert query on an event the code does not emit', () => {
    const problems = problemsWith('infra/modules/alerts.bicep', '| where name == "hrsync.run.stopped"', '| where name == "hrsync.run.halted"');
    expect(problems.some((p) => p.includes('hrsync-run-stopped-failures') && p.includes('"hrsync.run.halted", which the code does not emit'))).toBe(true);
    // And then no alert watches the failure-share guard.
    expect(problems.some((p) => p.includes('no alert rule reads the event "hrsync.run.stopped"'))).toBe(true);
  });

  it('reports an alert query reading a field its event does not carry', () => {
    const problems = problemsWith('infra/modules/alerts.bicep', '| where toint(customDimensions.budgetDays) > 1', '| where toint(customDimensions.days) > 1');
    expect(problems.some((p) => p.includes('hrsync-run-over-budget') && p.includes('customDimensions.days, which none of the events it names carries (hrsync.run.ingested)'))).toBe(
      true,
    );
  });

  it('reports a workbook query on a field or event the code does not emit', () => {
    const field = problemsWith(
      'infra/modules/alerts.bicep',
      'by bin(timestamp, 1h), jobStatus = tostring(customDimensions.jobStatus)',
      'by bin(timestamp, 1h), jobStatus = tostring(customDimensions.state)',
    );
    expect(field.some((p) => p.includes('infra/modules/alerts.bicep:') && p.includes('customDimensions.state') && p.includes('hrsync.job.state'))).toBe(true);
    const renamed = problemsWith('infra/modules/alerts.bicep', '| where name == "hrsync.records.waiting"', '| where name == "hrsync.records.pending"');
    expect(renamed.some((p) => p.includes('"hrsync.records.pending", which the code does not emit'))).toBe(true);
  });

  it('reports the queries that read a field the code stops emitting', () => {
    const telemetry = codeTelemetry();
    const events = new Map(telemetry.events);
    events.set(
      'hrsync.run.completed',
      (events.get('hrsync.run.completed') ?? []).filter((f) => f !== 'failureCodes'),
    );
    const problems = checkInfra({ root, blobFunctions, uses, telemetry: { ...telemetry, events } });
    // The failed-records alert and the workbook's failure reasons both read it.
    expect(problems.some((p) => p.includes('hrsync-run-with-failed-records') && p.includes('customDimensions.failureCodes'))).toBe(true);
    expect(problems.filter((p) => p.includes('customDimensions.failureCodes') && !p.includes('hrsync-run-with-failed-records')).length).toBeGreaterThan(0);
  });

  it('reports a missing alert for an event issue 14 asks to alert on (a source with no run in 26 hours)', () => {
    const problems = problemsWith(
      'infra/modules/alerts.bicep',
      '| where name == "hrsync.run.started"\n| summarize lastRun',
      '| where name == "hrsync.run.ingested"\n| summarize lastRun',
    );
    expect(problems.some((p) => p.includes('no alert rule reads the event "hrsync.run.started" (no run for a source (its nightly extract never arrived))'))).toBe(true);
  });

  it('checks each query alone: names in a union, name in (…), and customDimensions without an event', () => {
    const catalogue = codeTelemetry();
    expect(
      telemetryQueryProblems(
        'customEvents | where name in ("hrsync.run.completed", "hrsync.run.held") | project r = customDimensions.stage, c = customDimensions.created',
        catalogue,
      ),
    ).toEqual([]);
    expect(telemetryQueryProblems('customEvents | where name in ("hrsync.run.completed", "hrsync.run.done")', catalogue)).toEqual([
      'looks for the event "hrsync.run.done", which the code does not emit (lib/telemetry/catalogue.ts)',
    ]);
    expect(telemetryQueryProblems('customEvents | project customDimensions["runId"]', catalogue)).toEqual([
      'reads customEvents or customMetrics without naming an event (name == "…")',
    ]);
    expect(telemetryQueryProblems('customMetrics | where name == "hrsync.bulkupload.latency" | summarize avg(value) by tostring(customDimensions.status)', catalogue)).toEqual([]);
    expect(telemetryQueryProblems('traces | where message has "x"', catalogue)).toEqual([]);
  });

  it('reports an ingest function name that is not the blob-triggered function', () => {
    expect(checkInfra({ root, blobFunctions: ['ingestExtract'], uses }).some((p) => p.includes('INGEST_FUNCTION_NAME'))).toBe(true);
  });

  it('reports an output the hook needs that main.bicep no longer gives', () => {
    const problems = problemsWith('infra/main.bicep', /\noutput EVENT_GRID_SYSTEM_TOPIC_NAME [^\n]*/, '');
    expect(problems).toContain('infra/hooks/create-event-subscription.sh: requires EVENT_GRID_SYSTEM_TOPIC_NAME, which infra/main.bicep does not output');
  });

  it('reports a hook that azure.yaml runs but does not exist', () => {
    const problems = problemsWith('azure.yaml', 'infra/hooks/create-event-subscription.sh', 'infra/hooks/missing.sh');
    expect(problems).toContain('azure.yaml: hook infra/hooks/missing.sh does not exist');
  });
});
