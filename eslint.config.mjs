// Flat config: typescript-eslint's recommended type-checked rules, plus the two rules that keep
// workflows deterministic (no Node built-ins, no runtime import of activities).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'out/', '.llmbatch/', 'coverage/', 'bin/', '*.mjs', 'jest.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Fastify route handlers share one async signature; many answer from memory without awaiting.
    files: ['simulator/**/*.ts'],
    rules: { '@typescript-eslint/require-await': 'off' },
  },
  {
    // Tests read CLI JSON, histories and HTTP bodies as any, hand jest mock methods around and
    // implement async interfaces with fakes that answer at once.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['workflows/**/*.ts', 'common/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            ...builtinModules
              .flatMap((m) => [m, `node:${m}`])
              .map((name) => ({
                name,
                message: 'Workflows and common/ must stay deterministic and Node-free.',
              })),
          ],
          patterns: [
            {
              group: ['**/activities', '**/activities/*'],
              allowTypeImports: true,
              message: 'Import activities as types only.',
            },
            { group: ['openai', '@anthropic-ai/*', '@electric-sql/*'], message: 'No SDKs in workflows or common/.' },
          ],
        },
      ],
    },
  },
);
