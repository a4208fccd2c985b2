import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', '.deploy/**', 'node_modules/**', 'coverage/**', 'bench/out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } },
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
    // lib/ must stay importable without the host, the CLI or local tooling.
    files: ['lib/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/functions/**', '../../functions/*'], message: 'lib/ never imports functions/.' },
        { group: ['**/cli/**'], message: 'lib/ never imports the CLI.' },
        { group: ['**/tools/**', '**/bench/**', '**/simulator/**'], message: 'lib/ never imports local tooling.' },
      ] }],
    },
  },
);
