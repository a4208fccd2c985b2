// The lint rule enforcing ARCHITECTURE.md's "who may import whom" (eslint-rules/boundaries.js), run
// through ESLint's Node API with the project's own eslint.config.js on small in-memory sources.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// The boundaries need no types: skip building the TypeScript program for sources that are not on disk.
const eslint = new ESLint({
  cwd: ROOT,
  overrideConfig: {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: false } },
    rules: { '@typescript-eslint/no-floating-promises': 'off', '@typescript-eslint/no-misused-promises': 'off' },
  },
});

async function boundaryMessages(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  expect(result?.messages.filter((m) => m.fatal === true)).toEqual([]);
  return (result?.messages ?? []).filter((m) => m.ruleId === 'hrsync/boundaries').map((m) => m.message);
}

describe('import boundaries', () => {
  it('reports a part importing what the table does not let it', async () => {
    expect(await boundaryMessages('lib/storage/fixture.ts', "import type { OperationQueue } from '../pipeline/ports.js';\nexport type Q = OperationQueue;\n")).toEqual([
      'lib/storage may not import lib/pipeline/ports.js: lib/storage may import nothing of ours (and lib/config for the HRSYNC_STORAGE setting) (ARCHITECTURE.md, "Parts and who may import whom").',
    ]);
    expect(await boundaryMessages('lib/config/fixture.ts', "export { storageConnection } from '../storage/connection.js';\n")).toHaveLength(1);
    expect(await boundaryMessages('lib/core/fixture.ts', "import { loadPacingSettings } from '../config/index.js';\nexport const f = loadPacingSettings;\n")).toHaveLength(1);
    expect(await boundaryMessages('lib/pipeline/fixture.ts', "import { syncExtract } from '../sync/sync.js';\nexport const f = syncExtract;\n")).toHaveLength(1);
    expect(await boundaryMessages('lib/sync/fixture.ts', "import type { UploadDeps } from '../pipeline/ports.js';\nexport type D = UploadDeps;\n")).toHaveLength(1);
    expect(await boundaryMessages('lib/mapping/fixture.ts', "import { openExtract } from '../extract/open.js';\nexport const f = openExtract;\n")).toHaveLength(1);
  });

  it('keeps lib/ away from functions/, the CLI and local tooling, dynamic imports and import types included', async () => {
    expect(await boundaryMessages('lib/sources/fixture.ts', "import { definitions } from '../../functions/index.js';\nexport const d = definitions;\n")).toEqual([
      'lib/sources may not import functions/index.js: lib/sources may import lib/mapping (ARCHITECTURE.md, "Parts and who may import whom").',
    ]);
    expect(await boundaryMessages('lib/pipeline/fixture.ts', "export async function f(): Promise<unknown> { return import('../../tools/simulator/main.js'); }\n")).toHaveLength(1);
    expect(await boundaryMessages('lib/pipeline/fixture.ts', "export type T = import('../../cli/io.js').Console2;\n")).toHaveLength(1);
    expect(await boundaryMessages('functions/fixture.ts', "import { startStack } from '../tools/local/stack.js';\nexport const s = startStack;\n")).toHaveLength(1);
    expect(await boundaryMessages('cli/fixture.ts', "import { startStack } from '../tools/local/stack.js';\nexport const s = startStack;\n")).toHaveLength(1);
  });

  it('lets types-only parts import types, and nothing more', async () => {
    expect(await boundaryMessages('lib/ledger/fixture.ts', "import type { BulkRequest } from '../scim/types.js';\nexport type B = BulkRequest;\n")).toEqual([]);
    expect(await boundaryMessages('lib/delta/fixture.ts', "import { type PipelineLedger } from '../ledger/types.js';\nexport type L = PipelineLedger;\n")).toEqual([]);
    expect(await boundaryMessages('lib/delta/fixture.ts', "import { TableLedger } from '../ledger/run-ledger.js';\nexport const L = TableLedger;\n")).toEqual([
      'lib/delta may import only types from lib/ledger/run-ledger.js: lib/delta may import lib/core, lib/ledger types, lib/scim, lib/sources (ARCHITECTURE.md, "Parts and who may import whom").',
    ]);
    expect(
      await boundaryMessages('lib/provisioning/fixture.ts', "import { MAX_OPERATIONS_PER_REQUEST } from '../scim/schemas.js';\nexport const M = MAX_OPERATIONS_PER_REQUEST;\n"),
    ).toEqual([]);
    expect(await boundaryMessages('lib/provisioning/fixture.ts', "import { validateUser } from '../scim/validate.js';\nexport const v = validateUser;\n")).toHaveLength(1);
  });

  it('lets every part import lib/core, and what the table allows', async () => {
    for (const file of ['lib/telemetry/fixture.ts', 'lib/config/fixture.ts', 'lib/scim/fixture.ts', 'functions/fixture.ts', 'tools/fixture.ts']) {
      const core = file.startsWith('lib/') ? '../core/logger.js' : '../lib/core/logger.js';
      expect(await boundaryMessages(file, `import type { Logger } from '${core}';\nexport type L = Logger;\n`)).toEqual([]);
    }
    expect(await boundaryMessages('cli/fixture.ts', "export async function f(): Promise<unknown> { return import('../tools/simulator/main.js'); }\n")).toEqual([]);
    expect(await boundaryMessages('tools/local/fixture.ts', "import { definitions } from '../../functions/index.js';\nexport const d = definitions;\n")).toEqual([]);
    expect(await boundaryMessages('test/fixture.ts', "import { definitions } from '../functions/index.js';\nexport const d = definitions;\n")).toEqual([]);
  });

  it('knows every folder of lib/, and names one it does not know', async () => {
    const parts = readdirSync(path.join(ROOT, 'lib'), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    expect(parts.length).toBeGreaterThan(10);
    for (const part of parts) expect(await boundaryMessages(`lib/${part}/fixture.ts`, 'export const x = 1;\n'), part).toEqual([]);
    expect(await boundaryMessages('lib/newpart/fixture.ts', 'export const x = 1;\n')).toEqual([
      "lib/newpart is not a part in ARCHITECTURE.md's table (eslint-rules/boundaries.js): add it to both.",
    ]);
  });
});
