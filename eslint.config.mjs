// Lint rules: typescript-eslint's recommended set everywhere, type-aware promise checks (an
// un-awaited activity, timer or query is a bug), and the Temporal samples' rule that workflow code
// imports no Node built-ins and none of our I/O layers.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.data/', '.adminjs/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // web/ is checked with its own tsconfig (DOM, JSX), which the project service finds by itself.
    files: ['**/*.ts', '**/*.tsx', '**/*.mts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'error',
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...builtinModules, ...builtinModules.map((m) => `node:${m}`)],
          patterns: [
            { group: ['**/db', '**/db/**', '**/api/**', '**/admin/**', '**/ops/**'], message: 'Workflows must not import I/O code.' },
            { group: ['**/activities', '**/activities/**'], allowTypeImports: true, message: 'Import activity types only.' },
          ],
        },
      ],
    },
  },
  {
    // The web app talks to the API over HTTP only: none of the server's layers in its bundle
    // (the pure domain modules it shares, such as the GSTIN rule, are the exception).
    files: ['web/**/*.ts', 'web/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/db', '**/db/**', '**/api/**', '**/admin/**', '**/ops/**', '**/activities/**', '**/workflows/**'], message: 'The web app uses the API over HTTP only.' }] },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { module: 'writable', require: 'readonly', __dirname: 'readonly', process: 'readonly' } },
  },
);
