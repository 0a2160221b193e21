// Runs benchmarks from source: `npm run bench` runs every bench/*.ts;
// `npm run bench -- sim peerlist` runs the named ones (extra flags after `--`
// on each name are not supported; run a bench file directly for its options).
// Each benchmark prints one JSON object per line.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const all = readdirSync(join(root, 'bench')).filter((f) => f.endsWith('.ts') && f !== 'index.ts').map((f) => f.slice(0, -3)).sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length > 0) {
  console.error(`run-bench: no such benchmark: ${unknown.join(', ')} (have: ${all.join(', ')})`);
  process.exit(2);
}
let failed = 0;
for (const name of wanted.length > 0 ? wanted : all) {
  const r = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', join(root, 'bench', `${name}.ts`)], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`run-bench: ${name} exited with ${r.status}`);
    failed++;
  }
}
process.exit(failed > 0 ? 1 : 0);
