// Lint: typescript-eslint's recommended rules plus the determinism rule of
// DESIGN.md principle 1. Protocol code gets time, randomness and sockets only
// through injected interfaces; the files listed in REAL_IO may touch the real ones.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/** Files allowed to read real time, real randomness, real sockets and the real disk. */
const REAL_IO = [
  'packages/kit/src/real-clock.ts',
  'packages/kit/src/real-random.ts',
  'packages/sim/src/**',
  'packages/*/src/**/*.test.ts',
  'packages/*/src/**/real-*.ts',
  'packages/*/src/**/*-real.ts',
  'packages/memberlist/src/net/**',
  'packages/memberlist/src/testing/hostile-peer.ts', // hostile traffic on real sockets, for resource-limit tests
  'packages/memberlist/src/wire/go-fixtures.ts', // test support: reads the Go fixtures from disk
  'packages/cli/src/**',
  'bench/**',
  'interop/**',
  'examples/**', // programs for users, on real sockets, disks and timers
  'scripts/**',
  // Test support for crash tests: forks server processes onto real directories and SIGKILLs them.
  'packages/raft/src/testing/process-cluster/**',
  'packages/agent/ui/**', // the dashboard's browser code
];

const forbiddenCalls = [
  { object: 'Date', property: 'now', message: 'Inject a Clock (DESIGN.md principle 1).' },
  { object: 'performance', property: 'now', message: 'Inject a Clock (DESIGN.md principle 1).' },
  { object: 'Math', property: 'random', message: 'Inject a Random (DESIGN.md principle 1).' },
  { object: 'globalThis', property: 'setTimeout', message: 'Use clock.after (DESIGN.md principle 1).' },
  { object: 'globalThis', property: 'setInterval', message: 'Use clock.every (DESIGN.md principle 1).' },
];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'interop/bin/**', 'bench/results/**', 'tmp/**', 'docs/api/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
      'no-restricted-properties': ['error', ...forbiddenCalls],
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'Use clock.after (DESIGN.md principle 1).' },
        { name: 'setInterval', message: 'Use clock.every (DESIGN.md principle 1).' },
      ],
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...['node:dgram', 'dgram', 'node:net', 'net'].map((name) => ({
              name,
              message: 'Sockets only in the real transports (DESIGN.md principle 1).',
            })),
            ...['node:fs', 'fs', 'node:fs/promises', 'fs/promises'].map((name) => ({
              name,
              message: 'Real disk access only in the real stores (DESIGN.md principle 1); take a FileSystem.',
            })),
          ],
        },
      ],
    },
  },
  {
    files: REAL_IO,
    rules: { 'no-restricted-properties': 'off', 'no-restricted-globals': 'off', 'no-restricted-imports': 'off' },
  },
  {
    // The agent's dashboard runs in the browser.
    files: ['packages/agent/ui/**/*.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
