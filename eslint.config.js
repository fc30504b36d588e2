// @ts-check
const tseslint = require('typescript-eslint');

/**
 * Import direction (see ARCHITECTURE.md). Each folder below gets exactly one
 * `@typescript-eslint/no-restricted-imports` entry, because a later flat-config block replaces a
 * rule's options rather than adding to them. Patterns are regular expressions over the import
 * specifier; the project has no path aliases, so every import of project code is relative.
 */

/** Relative specifiers that climb (`../`) into one of the given top-level folders, at any depth. */
const reaches = (folders, message) => ({
  regex: `^(\\./)?(\\.\\./)+(${folders.join('|')})(/|$)`,
  caseSensitive: true,
  message,
});

// lib/ is flat, so any `../` leaves it.
const leavesLib = {
  regex: '^(\\./)?\\.\\.(/|$)',
  caseSensitive: true,
  message: 'lib/ is pure and self-contained: import only packages and other lib/ modules.',
};

// The only lib/ modules workflows may import, held to the sandbox rules (workflows import enums.ts
// today; nodes.ts is pure and cheap to allow): an allowlist rather than all of lib/, because
// secret-box.ts, tarball.ts and settings-comparison.ts need node:crypto, node:zlib and node:util
// and occurrences.ts pulls in cron-parser.
const workflowLibModules = ['enums', 'nodes'];
const workflowLibAlternatives = workflowLibModules.join('|');

// In the sandbox the only packages are the Temporal workflow SDK; this also rules out Node built-ins.
const sandboxPackages = {
  regex: '^(?!\\.|@temporalio/(workflow|common)$)',
  caseSensitive: true,
  message:
    'Workflow sandbox: no Node built-ins and no packages but @temporalio/workflow and @temporalio/common.',
};

const restrictImports = (...patterns) => ({
  '@typescript-eslint/no-restricted-imports': ['error', { patterns }],
});

module.exports = tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tools/**', '.data/**', 'coverage/**', 'generated/**', 'eslint.config.js', 'jest.config.js', 'bin/steward.js'] },
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: __dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // lib/ is pure: no I/O, no environment, no clock, no randomness.
    files: ['lib/**/*.ts'],
    rules: {
      ...restrictImports(leavesLib),
      'no-restricted-globals': ['error', { name: 'process', message: 'lib/ is pure: it must not read the environment.' }],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'lib/ is pure: take the time as an argument.' },
        { object: 'Math', property: 'random', message: 'lib/ is pure: take randomness as an argument.' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: 'NewExpression[callee.name="Date"][arguments.length=0]', message: 'lib/ is pure: take the time as an argument.' },
      ],
    },
  },
  {
    // The lib/ modules workflows load run in the sandbox too, and may import only each other.
    files: workflowLibModules.map((name) => `lib/${name}.ts`),
    rules: restrictImports(leavesLib, sandboxPackages, {
      regex: `^\\./(?!(${workflowLibAlternatives})$)`,
      caseSensitive: true,
      message: `Workflows load this module, so it may import only the other sandbox-safe lib/ modules (${workflowLibModules.join(', ')}).`,
    }),
  },
  {
    files: ['db/**/*.ts'],
    rules: restrictImports(
      reaches(['services', 'api', 'temporal', 'workflows', 'activities'], 'db/ sits below services/: import only lib/ and db/.'),
    ),
  },
  {
    files: ['services/**/*.ts'],
    rules: restrictImports(
      reaches(
        ['api', 'temporal', 'workflows', 'activities'],
        'services/ must not depend on the API or on the durable engine; reach the engine through services/ports.ts.',
      ),
    ),
  },
  {
    files: ['infra/**/*.ts'],
    rules: restrictImports(
      reaches(['api', 'temporal', 'workflows', 'activities', 'services'], 'infra/ sits below services/: import only lib/ and infra/.'),
    ),
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox (Date.now and Math.random are replayed
    // there, so they stay allowed): it may import workflows/, the sandbox-safe lib/ modules, the
    // Temporal workflow SDK, and only types from activities/.
    files: ['workflows/**/*.ts'],
    rules: {
      ...restrictImports(
        {
          regex: '^(\\./)?\\.\\./activities(/|$)',
          caseSensitive: true,
          allowTypeImports: true,
          message: 'Workflows may import only types from activities/; call activities through proxyActivities.',
        },
        {
          regex: `^(\\./)?\\.\\.(/|$)(?!lib/(${workflowLibAlternatives})$|activities(/|$))`,
          caseSensitive: true,
          message: `Workflows may import only workflows/, lib/{${workflowLibModules.join(',')}} and types from activities/.`,
        },
        sandboxPackages,
      ),
      'no-restricted-globals': ['error', { name: 'process', message: 'Workflows must not read the environment.' }],
    },
  },
);
