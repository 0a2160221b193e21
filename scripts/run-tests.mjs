// Runs every *.test.ts in the workspace with node's test runner, straight from
// source (tsx transpiles; `tsc -b` has already type-checked). Pass paths or
// directories to run a subset: `node scripts/run-tests.mjs packages/kit`.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const roots = process.argv.slice(2);
const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', 'results', 'bin']);

function collect(dir, out) {
  for (const name of readdirSync(dir)) {
    if (SKIP_DIRS.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out;
}

const starts = roots.length > 0 ? roots : ['packages', 'interop', 'scripts'];
const files = starts.flatMap((s) => {
  const p = join(root, s);
  return statSync(p, { throwIfNoEntry: false })?.isDirectory() ? collect(p, []) : [relative(root, p)];
}).sort();
if (files.length === 0) {
  console.error('run-tests: no test files found');
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--conditions=source', '--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files],
  { cwd: root, stdio: 'inherit' },
);
process.exit(result.status ?? 1);
