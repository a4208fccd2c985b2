// Who may import whom: ../shared/ARCHITECTURE.md's table "part | job | may import", as a lint rule.
// Each relative import (static, dynamic, re-export, `import('…')` type) is resolved to a path in
// the repository, and its part is checked against PARTS. Every part may import itself and lib/core,
// the neutral module (which imports nothing of ours). test/ and files outside the parts are free.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const LIB_PARTS = ['config', 'convert', 'core', 'delta', 'extract', 'ledger', 'mapping', 'pipeline', 'provisioning', 'scim', 'sources', 'storage', 'sync', 'telemetry'];
const lib = (...parts) => parts.map((p) => `lib/${p}/`);

/**
 * Per part: `may` lists path prefixes it may import; `types` prefixes it may import types from only
 * (`import type`, or specifiers all marked `type`); `says` is the table's wording, for the message.
 * Where the code differs from the table on purpose, the entry says why.
 */
export const PARTS = {
  functions: { may: ['functions/', 'lib/'], says: 'lib/' },
  // `hrsync simulator` runs the local simulator (tools/simulator), loaded only by that command.
  cli: { may: ['cli/', 'lib/', 'tools/simulator/'], says: 'lib/ (and tools/simulator for `hrsync simulator`)' },
  // The dev host and `npm run local` drive the real registrations from functions/ (see "Functions outside the host").
  tools: { may: ['tools/', 'lib/', 'functions/'], says: 'lib/ (and functions/ for the dev host)' },
  bench: { may: ['bench/', 'tools/', 'lib/', 'functions/'], says: 'lib/ (and the local tooling and functions/ it runs)' },
  // What both lib/pipeline and lib/sync need lives below both of them, not in one of them.
  'lib/pipeline': { may: lib(...LIB_PARTS.filter((p) => p !== 'sync')), says: 'other lib/ parts (not lib/sync)' },
  'lib/sync': { may: lib(...LIB_PARTS.filter((p) => p !== 'pipeline')), says: 'the parts below it (not lib/pipeline)' },
  'lib/convert': { may: lib('extract', 'mapping', 'scim'), says: 'lib/extract, lib/mapping, lib/scim' },
  'lib/extract': { may: lib('mapping', 'scim'), says: 'lib/mapping, lib/scim (each other, downward)' },
  'lib/mapping': { may: lib('scim'), says: 'lib/scim (each other, downward)' },
  'lib/scim': { may: [], says: 'nothing of ours (each other, downward)' },
  // "lib/scim types": its types and its schema constants (URNs, the content type, 50 per request), no logic.
  'lib/provisioning': { may: ['lib/scim/types.js', 'lib/scim/schemas.js', ...lib('config', 'telemetry')], says: 'lib/scim types, lib/config, lib/core, lib/telemetry' },
  'lib/ledger': { may: [], types: lib('scim'), says: 'lib/scim types, lib/core' },
  'lib/delta': { may: lib('scim', 'sources'), types: lib('ledger'), says: 'lib/core, lib/ledger types, lib/scim, lib/sources' },
  'lib/sources': { may: lib('mapping'), says: 'lib/mapping' },
  'lib/telemetry': { may: [], says: 'nothing of ours' },
  // The table says nothing of ours; the connection reads HRSYNC_STORAGE through lib/config (its name, SettingsError).
  'lib/storage': { may: lib('config'), says: 'nothing of ours (and lib/config for the HRSYNC_STORAGE setting)' },
  'lib/config': { may: [], says: 'nothing of ours' },
  'lib/core': { may: [], says: 'nothing of ours' },
};

const GUARDED = ['lib/', 'functions/', 'cli/', 'tools/', 'bench/', 'test/'];

/** The part a repository path belongs to: lib/<name>, or its top folder; undefined outside the parts. */
export function partOf(rel) {
  const [top, second] = rel.split('/');
  if (top === 'lib') return second === undefined || !rel.includes('/', 4) ? 'lib' : `lib/${second}`;
  return ['functions', 'cli', 'tools', 'bench', 'test'].includes(top) ? top : undefined;
}

const toPosix = (p) => p.split(path.sep).join('/');

function isTypeOnly(node) {
  if (node.type === 'TSImportType') return true;
  if (node.importKind === 'type' || node.exportKind === 'type') return true;
  const specifiers = node.specifiers ?? [];
  return specifiers.length > 0 && specifiers.every((s) => s.importKind === 'type' || s.exportKind === 'type');
}

const rule = {
  meta: {
    type: 'problem',
    docs: { description: "Enforces ARCHITECTURE.md's table of which part may import which" },
    schema: [],
    messages: {
      forbidden: '{{from}} may not import {{target}}: {{from}} may import {{says}} (ARCHITECTURE.md, "Parts and who may import whom").',
      typesOnly: '{{from}} may import only types from {{target}}: {{from}} may import {{says}} (ARCHITECTURE.md, "Parts and who may import whom").',
      unknown: "{{from}} is not a part in ARCHITECTURE.md's table (eslint-rules/boundaries.js): add it to both.",
    },
  },
  create(context) {
    const file = toPosix(path.relative(ROOT, context.filename));
    const from = partOf(file);
    if (from === undefined || from === 'test') return {};
    const entry = PARTS[from];
    if (entry === undefined) {
      return {
        Program(node) {
          context.report({ node, messageId: 'unknown', data: { from } });
        },
      };
    }
    const check = (node, source) => {
      if (source?.type !== 'Literal' || typeof source.value !== 'string' || !source.value.startsWith('.')) return;
      const target = toPosix(path.relative(ROOT, path.resolve(path.dirname(context.filename), source.value)));
      if (!GUARDED.some((g) => target.startsWith(g))) return;
      const to = partOf(target);
      if (to === from || to === 'lib/core') return;
      if (entry.may.some((p) => target === p || target.startsWith(p))) return;
      const data = { from, target, says: entry.says };
      if (entry.types?.some((p) => target.startsWith(p))) {
        if (!isTypeOnly(node)) context.report({ node: source, messageId: 'typesOnly', data });
        return;
      }
      context.report({ node: source, messageId: 'forbidden', data });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source),
      TSImportType: (node) => check(node, node.source ?? node.argument?.literal),
    };
  },
};

export default { meta: { name: 'hrsync-boundaries' }, rules: { boundaries: rule } };
