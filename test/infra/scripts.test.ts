// The shell scripts in infra/: they parse, and against a stand-in `az` that records its calls
// the Graph grant is idempotent and the post-deploy hook subscribes the ingest function
// without printing the host key.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = process.cwd();
const GRANT = join(root, 'infra/grant-graph-permissions.sh');
const HOOK = join(root, 'infra/hooks/create-event-subscription.sh');
const PRINCIPAL = '11111111-2222-4333-8444-555555555555';

function shellScripts(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? shellScripts(join(dir, e.name)) : e.name.endsWith('.sh') ? [join(dir, e.name)] : []));
}

// A stand-in az: logs each call (one line of arguments) and answers the queries the scripts make.
const FAKE_AZ = `#!/usr/bin/env bash
printf '%s\\n' "$*" >> "$AZ_LOG"
args="$*"
case "$args" in
  "ad sp show --id 00000003-0000-0000-c000-000000000000 --query id --output tsv") echo graph-sp ;;
  *"ad sp show --id 00000003-0000-0000-c000-000000000000"*"SynchronizationData-User.Upload"*) echo role-upload ;;
  *"ad sp show --id 00000003-0000-0000-c000-000000000000"*"AuditLog.Read.All"*) echo role-audit ;;
  *"ad sp show --id 00000003-0000-0000-c000-000000000000"*"Synchronization.Read.All"*) echo role-job ;;
  *"ad sp show --id 00000003-0000-0000-c000-000000000000"*"Synchronization.ReadWrite.All"*) echo role-schema ;;
  "rest --method GET"*)
    for r in \${AZ_EXISTING//,/ }; do case "$args" in *"'$r'"*) echo 1; exit 0 ;; esac; done
    echo 0 ;;
  "rest --method POST"*) ;;
  "functionapp keys list"*) echo host-key-not-to-print ;;
  "eventgrid system-topic event-subscription create"*) ;;
  *) echo "unexpected az call: $args" >&2; exit 3 ;;
esac
`;

const work = mkdtempSync(join(tmpdir(), 'hrsync-infra-'));
const bin = join(work, 'bin');
spawnSync('mkdir', ['-p', bin]);
writeFileSync(join(bin, 'az'), FAKE_AZ);
chmodSync(join(bin, 'az'), 0o755);
afterAll(() => rmSync(work, { recursive: true, force: true }));

let runs = 0;
function run(script: string, args: string[], env: Record<string, string> = {}): { status: number | null; out: string; calls: string[] } {
  const log = join(work, `az-${++runs}.log`);
  writeFileSync(log, '');
  // Only the fake az, bash and coreutils on PATH: no real az or azd.
  const result = spawnSync('bash', [script, ...args], { env: { PATH: `${bin}:/usr/bin:/bin`, AZ_LOG: log, ...env }, encoding: 'utf8' });
  return {
    status: result.status,
    out: `${result.stdout}${result.stderr}`,
    calls: readFileSync(log, 'utf8')
      .split('\n')
      .filter((l) => l !== ''),
  };
}

describe('infra shell scripts', () => {
  it('all parse (bash -n)', () => {
    const scripts = shellScripts(join(root, 'infra'));
    expect(scripts.length).toBeGreaterThanOrEqual(2);
    for (const script of scripts) {
      const r = spawnSync('bash', ['-n', script], { encoding: 'utf8' });
      expect(r.stderr, script).toBe('');
      expect(r.status, script).toBe(0);
    }
  });
});

describe('grant-graph-permissions.sh', () => {
  it('grants the three permissions to the managed identity when none is there', () => {
    const r = run(GRANT, [PRINCIPAL]);
    expect(r.status, r.out).toBe(0);
    const posts = r.calls.filter((c) => c.startsWith('rest --method POST'));
    expect(posts).toHaveLength(3);
    expect(posts[0]).toContain(`/servicePrincipals/${PRINCIPAL}/appRoleAssignments`);
    expect(posts[0]).toContain(`{"principalId":"${PRINCIPAL}","resourceId":"graph-sp","appRoleId":"role-upload"}`);
    expect(posts[1]).toContain('"appRoleId":"role-audit"');
    expect(posts[2]).toContain('"appRoleId":"role-job"');
    expect(r.out).toContain('SynchronizationData-User.Upload: granted.');
  });

  it('adds nothing when run again, and only what is missing otherwise', () => {
    const again = run(GRANT, [PRINCIPAL], { AZ_EXISTING: 'role-upload,role-audit,role-job' });
    expect(again.status, again.out).toBe(0);
    expect(again.calls.filter((c) => c.startsWith('rest --method POST'))).toEqual([]);
    expect(again.out).toContain('AuditLog.Read.All: already granted.');
    const half = run(GRANT, [PRINCIPAL], { AZ_EXISTING: 'role-upload,role-job' });
    const posts = half.calls.filter((c) => c.startsWith('rest --method POST'));
    expect(posts).toHaveLength(1);
    expect(posts[0]).toContain('"appRoleId":"role-audit"');
  });

  it('adds Synchronization.ReadWrite.All only with --with-schema, wherever the flag comes', () => {
    const after = run(GRANT, [PRINCIPAL, '--with-schema']);
    expect(after.status, after.out).toBe(0);
    const posts = after.calls.filter((c) => c.startsWith('rest --method POST'));
    expect(posts).toHaveLength(4);
    expect(posts[3]).toContain(`{"principalId":"${PRINCIPAL}","resourceId":"graph-sp","appRoleId":"role-schema"}`);
    expect(after.out).toContain('Synchronization.ReadWrite.All: granted.');
    const before = run(GRANT, ['--with-schema', PRINCIPAL], { AZ_EXISTING: 'role-upload,role-audit,role-job' });
    expect(before.status, before.out).toBe(0);
    expect(before.calls.filter((c) => c.startsWith('rest --method POST')).map((c) => /"appRoleId":"([^"]+)"/.exec(c)?.[1])).toEqual(['role-schema']);
    expect(run(GRANT, [PRINCIPAL]).out).not.toContain('Synchronization.ReadWrite.All');
  });

  it('takes the principal from the azd outputs in the environment', () => {
    const r = run(GRANT, [], { APP_IDENTITY_PRINCIPAL_ID: PRINCIPAL });
    expect(r.status, r.out).toBe(0);
    expect(r.calls.some((c) => c.includes(`/servicePrincipals/${PRINCIPAL}/appRoleAssignments`))).toBe(true);
  });

  it('refuses a missing or malformed principal before calling Azure', () => {
    const none = run(GRANT, []);
    expect(none.status).toBe(2);
    expect(none.out).toContain("No principal: run 'azd up' first");
    const bad = run(GRANT, ['not-a-guid']);
    expect(bad.status).toBe(2);
    expect(bad.out).toContain('Not an object id: not-a-guid');
    expect([...none.calls, ...bad.calls]).toEqual([]);
  });
});

describe('create-event-subscription.sh (azd postdeploy)', () => {
  const outputs = {
    AZURE_RESOURCE_GROUP: 'rg-test',
    AZURE_FUNCTION_APP_NAME: 'func-hrsync-x',
    AZURE_FUNCTION_APP_HOST: 'func-hrsync-x.azurewebsites.net',
    EVENT_GRID_SYSTEM_TOPIC_NAME: 'evgt-hrsync-x',
    HRSYNC_EXTRACTS_CONTAINER: 'hr-extracts',
    INGEST_FUNCTION_NAME: 'ingest',
  };

  it('subscribes the ingest webhook to BlobCreated in the extracts container, never printing the key', () => {
    const r = run(HOOK, [], outputs);
    expect(r.status, r.out).toBe(0);
    const create = r.calls.find((c) => c.startsWith('eventgrid system-topic event-subscription create')) ?? '';
    expect(create).toContain('--endpoint https://func-hrsync-x.azurewebsites.net/runtime/webhooks/blobs?functionName=Host.Functions.ingest&code=host-key-not-to-print');
    expect(create).toContain('--included-event-types Microsoft.Storage.BlobCreated');
    expect(create).toContain('--subject-begins-with /blobServices/default/containers/hr-extracts/');
    expect(create).toContain('--system-topic-name evgt-hrsync-x');
    expect(r.out).not.toContain('host-key-not-to-print');
  });

  it('stops, naming the missing azd output', () => {
    const { AZURE_RESOURCE_GROUP: _omitted, ...rest } = outputs;
    const r = run(HOOK, [], rest);
    expect(r.status).not.toBe(0);
    expect(r.out).toContain('AZURE_RESOURCE_GROUP');
    expect(r.calls).toEqual([]);
  });
});
