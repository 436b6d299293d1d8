// @ts-check
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

const libInsides = {
  // @ballast/client/react is the client package's second public face (its exports map).
  group: ['@ballast/*/*', '!@ballast/client/react', '**/libs/*/src/**', '**/libs/*/src'],
  message: 'Import a lib through its public face: @ballast/<name>.',
};
const clientLib = {
  group: ['@ballast/client', '@ballast/client/*'],
  message: 'The server never imports the browser/Node client package; only the playground page (src/playground/page) does.',
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
  { ignores: ['libs/client/dist/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-extraneous-class': 'off',
      eqeqeq: ['error', 'always'],
      curly: ['error', 'all'],
      'no-restricted-imports': ['error', { patterns: [libInsides] }],
    },
  },
  {
    // Libs never reach into the app, nor into each other's insides.
    files: ['libs/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            libInsides,
            { group: ['**/src/**', '!./**', '!../**'], message: 'A lib must not import the app.' },
            { group: ['../../../**', '../../../../**'], message: 'A lib must not import the app or another lib by path; use @ballast/<name>.' },
          ],
        },
      ],
    },
  },
  {
    // The app's server code stays free of the client package.
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    ignores: ['src/playground/page/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [libInsides, clientLib] }] },
  },
  {
    // The client package is published on its own and runs in browsers: no Node built-ins, no Nest, no other lib.
    files: ['libs/client/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            libInsides,
            { group: ['node:*', '@nestjs/*', '@ballast/*', '!@ballast/client'], message: 'libs/client depends on nothing but fetch, eventsource-parser and (for the hook) React.' },
            { group: ['../**'], message: 'libs/client imports only its own files.' },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
