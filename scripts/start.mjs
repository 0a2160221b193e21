// `npm start`: builds everything, then runs `shoal demo` (arguments after
// `npm start --` go to the demo). It says that it is building first: the first
// build takes a minute or more, and a silent terminal looks like a hang.
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
// Ctrl-C goes to the whole foreground group: the demo handles it and its exit status (130) is passed on.
process.on('SIGINT', () => {});
process.stderr.write('shoal: building the packages (tsc -b; the first build takes a minute or two)...\n');
const build = spawnSync(process.execPath, [new URL('../node_modules/typescript/bin/tsc', import.meta.url).pathname, '-b'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) {
  process.stderr.write(`shoal: the build failed (exit ${build.status ?? build.signal}); see the errors above\n`);
  process.exit(1);
}
process.stderr.write('shoal: built; starting the demo (Ctrl-C stops it)\n');
// The demo runs in this process's place: signals reach it directly, and its exit status is ours.
const demo = spawnSync(process.execPath, [new URL('../packages/cli/bin/shoal.js', import.meta.url).pathname, 'demo', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(demo.status ?? (demo.signal === 'SIGINT' ? 130 : 1));
