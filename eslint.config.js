// Type-aware lint, zero warnings (`npm run lint`). Formatting belongs to prettier alone.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

const pureLibs = [
  'libs/crypto/src/**/*.ts',
  'libs/ledger/src/**/*.ts',
  'libs/contracts/src/**/*.ts',
  'libs/counting/src/**/*.ts',
];

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/build/**',
      '.infra/**',
      '.hanpyo/**',
      'docs/vectors/**',
      'tmp/**',
      'bench-results/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            {
              from: 'package',
              package: 'node:test',
              name: [
                'describe',
                'it',
                'test',
                'suite',
                'before',
                'after',
                'beforeEach',
                'afterEach',
              ],
            },
          ],
        },
      ],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportAllDeclaration', message: 'No `export *` barrels (STYLE.md §3).' },
        {
          selector: 'CatchClause[body.body.length=0]',
          message: 'Never swallow an error (STYLE.md §15).',
        },
      ],
    },
  },
  {
    // Pure libs: no Node built-ins, no framework or driver (STYLE.md §1). scripts/check-boundaries.mjs
    // enforces the same at build time.
    files: pureLibs,
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'Pure libs run in a browser too.' },
            {
              group: ['@nestjs/*', 'kafkajs', 'cassandra-driver', 'prom-client'],
              message: 'Pure libs import no framework or driver.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      globals: Object.fromEntries(
        [
          'process',
          'console',
          'URL',
          'fetch',
          'setTimeout',
          'clearTimeout',
          'setInterval',
          'clearInterval',
          'Buffer',
          'performance',
          'AbortController',
        ].map((g) => [g, 'readonly']),
      ),
    },
  },
  prettier,
);
