// The Bicep reader: what it parses, how it evaluates a small deployment, and that it names
// the file and line of what it cannot read.
import { describe, expect, it } from 'vitest';
import { BicepSyntaxError } from '../../tools/infra-check/bicep-lexer.js';
import { parseBicep } from '../../tools/infra-check/bicep-parser.js';
import type { BicepFile } from '../../tools/infra-check/bicep-parser.js';
import { describe as describeValue, evaluateDeployment, EvaluationError } from '../../tools/infra-check/evaluate.js';
import { scanSource } from '../../tools/infra-check/code-scan.js';

const MAIN = `
// a comment with 'quotes' and { braces
targetScope = 'subscription'

@minValue(1)
@maxValue(8)
@description('how many')
param count int = 3
param mode string
param items array = [
  'a'
  'b'
]

var divided = 10 / count
var label = 'n=\${count}, mode=\${toUpper(mode)}'
var query = '''
traces | where message has "x" // not a comment
'''
var settings = union({
  A: 'one'
}, mode == 'full' ? {
  B: 'two'
} : {})

module child 'modules/child.bicep' = {
  name: 'child'
  params: {
    prefix: 'p-\${mode}'
    names: items
  }
}

output childId string = child.outputs.accountId
output first string = child.outputs.firstName
output settings object = settings
output divided int = divided
output label string = label
output query string = query
`;

const CHILD = `
param prefix string
param names array

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: '\${prefix}acct'
  properties: {
    allowSharedKeyAccess: false
  }
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [for (n, i) in names: {
  name: '\${prefix}-\${n}-\${i}'
}]

resource maybe 'Microsoft.KeyVault/vaults@2023-07-01' = if (prefix == 'p-full') {
  name: 'vault'
  tags: {
    '\${account.id}': 'link'
  }
}

output accountId string = account.id
output firstName string = containers[0].name
`;

function files(main = MAIN, child = CHILD): Map<string, BicepFile> {
  return new Map([
    ['infra/main.bicep', parseBicep(main, 'infra/main.bicep')],
    ['infra/modules/child.bicep', parseBicep(child, 'infra/modules/child.bicep')],
  ]);
}

describe('parseBicep', () => {
  it('reads declarations with their decorators, types and defaults', () => {
    const main = parseBicep(MAIN, 'main.bicep');
    const count = main.declarations.find((d) => d.kind === 'param' && d.name === 'count');
    expect(count).toMatchObject({ kind: 'param', type: 'int', value: { kind: 'number', value: 3 } });
    expect(count?.kind === 'param' ? count.decorators.map((d) => d.name) : []).toEqual(['minValue', 'maxValue', 'description']);
    expect(main.declarations.map((d) => d.kind)).toEqual([
      'targetScope',
      'param',
      'param',
      'param',
      'var',
      'var',
      'var',
      'var',
      'module',
      'output',
      'output',
      'output',
      'output',
      'output',
      'output',
    ]);
    const child = parseBicep(CHILD, 'child.bicep');
    expect(child.declarations.find((d) => d.kind === 'resource' && d.name === 'containers')).toMatchObject({
      type: 'Microsoft.Storage/storageAccounts/blobServices/containers',
      apiVersion: '2023-05-01',
      value: { kind: 'for', item: 'n', index: 'i' },
    });
    expect(child.declarations.find((d) => d.kind === 'resource' && d.name === 'maybe')).toMatchObject({ value: { kind: 'if' } });
  });

  it('names the file and line of what it cannot read', () => {
    expect(() => parseBicep("param a string\nvar b = 'open", 'x.bicep')).toThrow(new BicepSyntaxError('x.bicep', 2, 'unterminated string'));
    expect(() => parseBicep('var a = {\n  b: 1\n  b: 2\n}', 'y.bicep')).toThrow(/y\.bicep:3: property "b" appears twice/);
    expect(() => parseBicep("resource r 'Microsoft.Web/sites' = {}", 'z.bicep')).toThrow(/z\.bicep:1: resource type 'Microsoft\.Web\/sites' has no @api-version/);
    expect(() => parseBicep('var a = [\n  1\n', 'w.bicep')).toThrow(BicepSyntaxError);
    expect(() => parseBicep('func f() string => 1', 'v.bicep')).toThrow(/unsupported declaration "func"/);
  });
});

describe('evaluateDeployment', () => {
  it('binds module parameters, applies loops and conditions, and keeps deploy-time values named', () => {
    const d = evaluateDeployment(files(), 'infra/main.bicep', { mode: 'full' });
    expect(d.outputs).toMatchObject({
      settings: { A: 'one', B: 'two' },
      divided: 3,
      label: 'n=3, mode=FULL',
      query: 'traces | where message has "x" // not a comment\n',
    });
    expect(describeValue(d.outputs.childId)).toBe('<infra/modules/child.bicep#account.id>');
    // A loop item's properties are not looked up; the value is named after the item.
    expect(describeValue(d.outputs.first)).toBe('<infra/modules/child.bicep#containers[0].name>');
    expect(d.resources.find((r) => r.id.endsWith('containers[0]'))?.body.name).toBe('p-full-a-0');
    expect(d.resources.map((r) => r.id)).toEqual([
      'infra/modules/child.bicep#account',
      'infra/modules/child.bicep#containers[0]',
      'infra/modules/child.bicep#containers[1]',
      'infra/modules/child.bicep#maybe',
    ]);
    expect(d.resources[3]?.body.tags).toEqual({ '<infra/modules/child.bicep#account.id>': 'link' });
  });

  it('leaves out a resource whose condition is false and follows parameter overrides', () => {
    const d = evaluateDeployment(files(), 'infra/main.bicep', { mode: 'lite', count: 4 });
    expect(d.resources.map((r) => r.symbol)).toEqual(['account', 'containers', 'containers']);
    expect(d.outputs).toMatchObject({ settings: { A: 'one' }, divided: 2 });
  });

  it('says what is missing rather than guessing', () => {
    expect(() => evaluateDeployment(files(), 'infra/main.bicep', {})).toThrow(new EvaluationError('infra/main.bicep: parameter mode has no value and no default'));
    expect(() => evaluateDeployment(files(MAIN.replace('var divided = 10 / count', 'var divided = 10 / counts')), 'infra/main.bicep', { mode: 'x' })).toThrow(
      /"counts" is not declared/,
    );
  });
});

describe('scanSource', () => {
  it('counts SDK calls only in files that import the SDK', () => {
    const code = "import { TableClient } from '@azure/data-tables';\nexport async function f(t: TableClient) {\n  await t.deleteEntity('p', 'r');\n  t.toString();\n}\n";
    expect(scanSource(code, 'lib/x.ts')).toEqual([{ capability: 'table:write', file: 'lib/x.ts', line: 3, call: 'deleteEntity() [@azure/data-tables]' }]);
    expect(scanSource(code.replace("import { TableClient } from '@azure/data-tables';", ''), 'lib/x.ts')).toEqual([]);
  });

  it('counts a method shared by two imported SDKs for both', () => {
    const code =
      "import type { QueueClient } from '@azure/storage-queue';\nimport type { ContainerClient } from '@azure/storage-blob';\nexport const f = (c: ContainerClient | QueueClient) => c.createIfNotExists();\n";
    expect(
      scanSource(code, 'lib/y.ts')
        .map((u) => u.capability)
        .sort(),
    ).toEqual(['blob:write', 'queue:manage']);
  });
});
