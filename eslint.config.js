// Lints the import boundaries of STYLE.md. Type errors are svelte-check's and tsc's job.
import tseslint from 'typescript-eslint';

const banned = (groups, message) => ({
  'no-restricted-imports': ['error', { patterns: [{ group: groups, message }] }],
});

export default tseslint.config(
  { ignores: ['node_modules/**', 'build/**', '.svelte-kit/**', 'data/**', 'models/train/**', '**/*.svelte', 'test-results/**', 'bench-results/**'] },
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs'],
    languageOptions: { parser: tseslint.parser, ecmaVersion: 2023, sourceType: 'module' },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      ...banned(['**/src/**', '**/server/**', 'node:*', 'fs', 'path', 'os', 'child_process', '$lib/*', '$app/*'],
        'shared/ uses no Node globals and imports nothing from src/ or server/'),
      'no-restricted-globals': ['error', 'process', 'Buffer', '__dirname', 'require', 'window', 'document'],
    },
  },
  {
    files: ['src/lib/editor/**/*.ts'],
    rules: banned(['pixi.js', 'svelte', 'svelte/*', '**/canvas/**', '**/components/**', '**/server/**'],
      'the editor engine imports shared/ only (plus yjs): no Pixi, no Svelte, no server'),
  },
  {
    files: ['src/lib/canvas/**/*.ts'],
    rules: banned(['**/components/**', '**/server/**', 'svelte', 'svelte/*'], 'the canvas renders with Pixi only'),
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/lib/editor/**', 'src/lib/canvas/**'],
    rules: banned(['**/server/**'], 'the browser app never imports server code'),
  },
  {
    files: ['server/**/*.ts'],
    ignores: ['server/config.ts'],
    rules: {
      ...banned(['**/src/**'], 'server/ never imports src/'),
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'only server/config.ts reads process.env' }],
    },
  },
);
