// What the app's code does on the data plane: which storage and Key Vault SDK calls lib/ and
// functions/ make, read from the TypeScript syntax tree. A method call counts for a service
// when the file imports that service's SDK (types included), so a name shared by two SDKs
// (createIfNotExists, getProperties) counts for each imported one: the check errs towards
// requiring a role, never towards missing one.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import type { Capability } from './roles.js';

const SDK_CAPABILITIES: Record<string, Record<string, Capability>> = {
  '@azure/storage-blob': {
    download: 'blob:read',
    downloadToBuffer: 'blob:read',
    downloadToFile: 'blob:read',
    getProperties: 'blob:read',
    exists: 'blob:read',
    listBlobsFlat: 'blob:read',
    listBlobsByHierarchy: 'blob:read',
    listContainers: 'blob:read',
    getTags: 'blob:read',
    upload: 'blob:write',
    uploadData: 'blob:write',
    uploadStream: 'blob:write',
    uploadFile: 'blob:write',
    stageBlock: 'blob:write',
    commitBlockList: 'blob:write',
    setMetadata: 'blob:write',
    setHTTPHeaders: 'blob:write',
    setTags: 'blob:write',
    beginCopyFromURL: 'blob:write',
    syncCopyFromURL: 'blob:write',
    create: 'blob:write',
    createIfNotExists: 'blob:write',
    delete: 'blob:write',
    deleteIfExists: 'blob:write',
  },
  '@azure/storage-queue': {
    peekMessages: 'queue:read',
    getProperties: 'queue:read',
    listQueues: 'queue:read',
    sendMessage: 'queue:send',
    receiveMessages: 'queue:process',
    deleteMessage: 'queue:process',
    updateMessage: 'queue:process',
    clearMessages: 'queue:process',
    create: 'queue:manage',
    createIfNotExists: 'queue:manage',
    createQueue: 'queue:manage',
    delete: 'queue:manage',
    deleteIfExists: 'queue:manage',
    deleteQueue: 'queue:manage',
    setMetadata: 'queue:manage',
  },
  '@azure/data-tables': {
    getEntity: 'table:read',
    listEntities: 'table:read',
    listTables: 'table:read',
    createEntity: 'table:write',
    upsertEntity: 'table:write',
    updateEntity: 'table:write',
    deleteEntity: 'table:write',
    submitTransaction: 'table:write',
    createTable: 'table:write',
    deleteTable: 'table:write',
  },
  '@azure/keyvault-secrets': {
    getSecret: 'secret:read',
    listPropertiesOfSecrets: 'secret:read',
    setSecret: 'secret:write',
    beginDeleteSecret: 'secret:write',
    updateSecretProperties: 'secret:write',
  },
};

/** One SDK call and what it needs. */
export interface DataPlaneUse {
  capability: Capability;
  file: string;
  line: number;
  call: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Data-plane calls in one file's text. */
export function scanSource(text: string, file: string): DataPlaneUse[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const sdks = new Set<string>();
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier) && statement.moduleSpecifier.text in SDK_CAPABILITIES) {
      sdks.add(statement.moduleSpecifier.text);
    }
  }
  if (sdks.size === 0) return [];
  const uses: DataPlaneUse[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
      const method = node.expression.name.text;
      for (const sdk of sdks) {
        const table = SDK_CAPABILITIES[sdk] ?? {};
        const capability = Object.hasOwn(table, method) ? table[method] : undefined;
        if (capability !== undefined) {
          uses.push({ capability, file, line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1, call: `${method}() [${sdk}]` });
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return uses;
}

/** Data-plane calls in every TypeScript file under `dirs` (relative to `root`). */
export function scanDataPlane(root: string, dirs: readonly string[]): DataPlaneUse[] {
  return dirs.flatMap((dir) => sourceFiles(join(root, dir)).flatMap((path) => scanSource(readFileSync(path, 'utf8'), relative(root, path))));
}

/** String literals passed as the first argument of `<something>.info/warn/error(...)`: the events the code logs. */
export function loggedEvents(root: string, dirs: readonly string[]): Set<string> {
  const events = new Set<string>();
  for (const path of dirs.flatMap((dir) => sourceFiles(join(root, dir)))) {
    const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.ES2022, true);
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && ['info', 'warn', 'error'].includes(node.expression.name.text)) {
        const first = node.arguments[0];
        if (first !== undefined && (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first))) events.add(first.text);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return events;
}
