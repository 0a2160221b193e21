// Install test (issue 15, item 3): packs every workspace, checks each tarball
// holds only compiled JS, declarations, source maps, README and LICENSE, then
// installs the tarballs outside the repository as a user would:
//  - each package alone, with only the tarballs of its declared @shoal
//    dependencies, and loads its main entry point (an undeclared dependency fails);
//  - all together in a scratch project that compiles and runs scripts/install-test/consumer.ts
//    with moduleResolution node16 and with bundler, and runs consumer.cjs
//    with require(): two memberlist members on loopback join and exchange a
//    message; a one-server raft cluster applies a command; a dev agent stores
//    a key through its HTTP API.
// Third-party dependencies come from the npm cache (--prefer-offline).
// Needs the packages built (`npx tsc -b`). Set KEEP_INSTALL_TEST=1 to keep the scratch directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const here = join(root, 'scripts', 'install-test');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const NPM_INSTALL = ['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error'];
/** Paths a tarball must not hold. */
const FORBIDDEN = [/\.test\./, /tsbuildinfo/, /^src\//, /testdata/, /(^|\/)fixtures\//, /(?<!\.d)\.ts$/];
const ALLOWED = [/^package\.json$/, /^LICENSE$/, /^README\.md$/, /^dist\/.*\.(js|d\.ts|js\.map|d\.ts\.map)$/, /^bin\/[^/]+\.js$/, /^ui\/[^/]+\.(html|js|css)$/];

interface Workspace {
  dir: string;
  name: string;
  deps: string[];
  tarball?: string;
}

const workspaces: Workspace[] = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces.map((dir) => {
  const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as { name: string; dependencies?: Record<string, string> };
  return { dir, name: pkg.name, deps: Object.keys(pkg.dependencies ?? {}) };
});
const byName = new Map(workspaces.map((w) => [w.name, w]));

function run(cmd: string, args: string[], cwd: string): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

/** The workspace and its @shoal dependencies, transitively. */
function closure(name: string, out = new Set<string>()): Set<string> {
  if (out.has(name)) return out;
  out.add(name);
  for (const d of byName.get(name)?.deps ?? []) if (byName.has(d)) closure(d, out);
  return out;
}

function scratchProject(dir: string, extra: Record<string, unknown> = {}): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'scratch', private: true, version: '0.0.0', ...extra }, null, 2));
}

test('npm pack, install and use every workspace outside the repository', { timeout: 300_000 }, async (t) => {
  const started = performance.now();
  const scratch = mkdtempSync(join(tmpdir(), 'shoal-install-'));
  const figures: Record<string, unknown> = {};
  try {
    const tarballs = join(scratch, 'tarballs');
    mkdirSync(tarballs);

    await t.test('every tarball holds only compiled JS, declarations, source maps, README and LICENSE', () => {
      const bad: string[] = [];
      for (const w of workspaces) {
        const [packed] = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', tarballs], join(root, w.dir))) as [
          { filename: string; files: { path: string }[] },
        ];
        w.tarball = join(tarballs, packed!.filename);
        figures[`${w.name} files`] = packed!.files.length;
        for (const { path } of packed!.files) {
          if (FORBIDDEN.some((re) => re.test(path)) || !ALLOWED.some((re) => re.test(path))) bad.push(`${w.name}: ${path}`);
        }
        assert.ok(packed!.files.some((f) => f.path === 'LICENSE'), `${w.name} has no LICENSE`);
        assert.ok(packed!.files.some((f) => f.path === 'README.md'), `${w.name} has no README.md`);
      }
      assert.deepEqual(bad, [], 'tarballs hold files they should not');
    });

    await t.test('each package installs alone with its declared dependencies and loads', () => {
      for (const w of workspaces) {
        const dir = join(scratch, 'alone', w.dir.replace(/\//g, '-'));
        scratchProject(dir, { type: 'module' });
        run('npm', [...NPM_INSTALL, ...[...closure(w.name)].map((n) => byName.get(n)!.tarball!)], dir);
        const out = run(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(w.name)}); console.log(Object.keys(m).length);`], dir);
        assert.ok(Number(out) > 0, `${w.name} exports nothing`);
      }
    });

    const app = join(scratch, 'app');
    await t.test('a scratch project installs all the tarballs', () => {
      scratchProject(app, { type: 'module' });
      const types = (JSON.parse(readFileSync(join(root, 'node_modules', '@types', 'node', 'package.json'), 'utf8')) as { version: string }).version;
      run('npm', [...NPM_INSTALL, ...workspaces.map((w) => w.tarball!), `@types/node@${types}`], app);
      cpSync(join(here, 'consumer.ts'), join(app, 'src', 'consumer.ts'));
      cpSync(join(here, 'consumer.cjs'), join(app, 'consumer.cjs'));
      // Every entry point of every package loads from the installed tarballs.
      for (const w of workspaces) {
        const pkg = JSON.parse(readFileSync(join(app, 'node_modules', w.name, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
        for (const sub of Object.keys(pkg.exports)) {
          const spec = sub === '.' ? w.name : `${w.name}${sub.slice(1)}`;
          run(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(spec)});`], app);
        }
      }
    });

    const check = (output: string): void => {
      const r = JSON.parse(output.trim().split('\n').at(-1)!) as {
        joined: number;
        members: number;
        text: string;
        raft: { index: number; response: number; applied: string[] };
        agent: { put: unknown; ui: unknown; value: string };
      };
      assert.equal(r.joined, 1);
      assert.equal(r.members, 2);
      assert.equal(r.text, 'hello from a');
      assert.deepEqual(r.raft.applied, ['set x 1']);
      assert.equal(r.raft.response, 1);
      assert.deepEqual(r.agent, { put: true, ui: [200, 'text/javascript; charset=utf-8'], value: 'hello' });
    };
    const compilerOptions = { target: 'ES2022', lib: ['ES2023'], strict: true, types: ['node'], rootDir: 'src', skipLibCheck: false };
    for (const [mode, options] of [
      ['node16', { module: 'node16', moduleResolution: 'node16' }],
      ['bundler', { module: 'esnext', moduleResolution: 'bundler' }],
    ] as const) {
      await t.test(`an ESM TypeScript consumer (moduleResolution ${mode}) compiles and runs`, () => {
        const config = `tsconfig.${mode}.json`;
        writeFileSync(join(app, config), JSON.stringify({ compilerOptions: { ...compilerOptions, ...options, outDir: `out-${mode}` }, include: ['src'] }, null, 2));
        run(process.execPath, [tsc, '-p', config], app);
        check(run(process.execPath, [join(`out-${mode}`, 'consumer.js')], app));
      });
    }
    await t.test('a CommonJS consumer require()s the packages and runs', () => {
      check(run(process.execPath, ['consumer.cjs'], app));
    });
  } finally {
    figures.seconds = +((performance.now() - started) / 1000).toFixed(1);
    t.diagnostic(JSON.stringify(figures));
    if (process.env.KEEP_INSTALL_TEST === '1') t.diagnostic(`kept ${scratch}`);
    else rmSync(scratch, { recursive: true, force: true });
  }
});
