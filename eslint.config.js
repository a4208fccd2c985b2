import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import boundaries from './eslint-rules/boundaries.js';

export default tseslint.config(
  { ignores: ['dist/**', '.deploy/**', 'node_modules/**', 'coverage/**', 'bench/out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': ['error', { selector: "CallExpression[callee.name='eval']", message: 'No eval: expressions are compiled by lib/mapping.' }],
    },
  },
  {
    // Type-aware rules: a promise nobody awaits (a queue write in a fan-out, say) loses its record
    // silently. Every TypeScript file is checked against tsconfig.json through the project service.
    // Fire-and-forget is written `void promise` with a comment saying why nothing waits for it.
    // await-thenable is left off: its only findings here were Promise.all over `Promise | undefined`
    // (harmless), none an await of a non-promise.
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    // ../shared/ARCHITECTURE.md's table "Parts and who may import whom", enforced: lib/ never imports
    // functions/, the CLI or local tooling, and each lib/ part only what the table lets it.
    files: ['lib/**/*.ts', 'functions/**/*.ts', 'cli/**/*.ts', 'tools/**/*.ts', 'bench/**/*.ts'],
    plugins: { hrsync: boundaries },
    rules: { 'hrsync/boundaries': 'error' },
  },
);
