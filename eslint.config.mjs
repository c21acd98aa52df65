// Lint rules: typescript-eslint's recommended set everywhere, type-aware promise checks (an
// un-awaited activity, timer or query is a bug), and the Temporal samples' rule that workflow code
// imports no Node built-ins and none of our I/O layers; the folder table's import arrows.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

/**
 * The folder table's arrows (docs/architecture.md): what each top-level folder may import of ours.
 * `workflows/<process>-definitions.ts` and `workflows/failures.ts` are the processes' contracts,
 * I/O-free, which api and activities may import; no other workflow file.
 */
const FOLDERS = ['domain', 'db', 'activities', 'workflows', 'api', 'admin', 'ops', 'tests'];
const ALLOWED = {
  domain: [],
  db: ['domain'],
  activities: ['domain', 'db', 'workflow contracts'],
  workflows: ['domain', 'workflows'],
  api: ['domain', 'db', 'workflow contracts'],
  admin: ['db'],
};
/** A relative import that climbs to the top-level folder (`../db`, `../../db/tenant`). */
const into = (folder, rest = '(/|$)') => `^(\\.\\./)+${folder}${rest}`;
const NOT_A_CONTRACT = '(/(?![a-z-]+-definitions$|failures$)|$)';
const NODE_BUILTINS = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

function boundaries() {
  return Object.entries(ALLOWED).map(([folder, allowed]) => {
    const patterns = FOLDERS.filter((other) => other !== folder && !allowed.includes(other)).map((other) => {
      if (other === 'workflows' && allowed.includes('workflow contracts')) {
        return { regex: into(other, NOT_A_CONTRACT), message: 'Import a process\'s contract (workflows/<process>-definitions.ts), never a workflow file.' };
      }
      if (other === 'activities' && folder === 'workflows') {
        return { regex: into(other), allowTypeImports: true, message: 'Workflows import activity types only.' };
      }
      return { regex: into(other), message: `${folder}/ imports ${allowed.length ? `only ${allowed.join(', ')}` : 'nothing of ours'} (docs/architecture.md).` };
    });
    return {
      files: [`${folder}/**/*.ts`],
      rules: {
        'no-restricted-imports': ['error', { ...(folder === 'workflows' ? { paths: NODE_BUILTINS } : {}), patterns }],
      },
    };
  });
}

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
  ...boundaries(),
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
