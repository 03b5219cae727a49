import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** vscode and every Node built-in (`fs`, `fs/promises`, `node:zlib`, …): what code that also runs in a browser cannot import. */
const hostOnly = (why, ...patterns) => ({
  paths: ['vscode', ...builtinModules].map((name) => ({ name, message: why })),
  patterns: [{ group: ['node:*'], message: why }, ...patterns],
});

export default tseslint.config(
  { ignores: ['dist/', 'out/', 'node_modules/', '.tools/', '.test-artifacts/', 'backend/', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
      // Prettier wraps code at 160; long messages stay whole, so that they can be found with grep.
      'max-len': ['error', { code: 160, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true }],
    },
  },
  {
    // src/core must stay usable in Node, a browser and a worker: no vscode, no Node built-in.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', hostOnly('src/core runs in Node, browsers and workers alike')],
    },
  },
  {
    // The webviews are browser pages: besides npm packages they import src/core and each other only.
    files: ['webview/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        // Webview files sit two folders deep: `../../` leaves webview/.
        hostOnly('a webview is a browser page', { regex: '^(\\.\\./){2,}(?!src/core/)', message: 'a webview imports only src/core and webview/' }),
      ],
    },
  },
);
