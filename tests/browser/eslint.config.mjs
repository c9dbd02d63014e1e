// ESLint for the console's JavaScript (web/app, plain ES modules in the browser) and these tests
// (Node, with page.evaluate callbacks that run in the browser). Run from the repository root, as
// `npm run lint` does: the file patterns are the repository's. web/vendor is vendored, not ours.
import js from '@eslint/js';
import globals from 'globals';

export default [
  { ignores: ['web/vendor/**', '**/node_modules/**'] },
  {
    files: ['web/app/**/*.js'],
    ...js.configs.recommended,
    languageOptions: { globals: globals.browser },
  },
  {
    files: ['tests/browser/**/*.mjs'],
    ...js.configs.recommended,
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
];
