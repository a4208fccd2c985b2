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
