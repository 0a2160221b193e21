// Every package README (packages/*/README.md) carries one example marked
//   <!-- example: scripts/readme-examples.test.ts runs this block ... -->
// followed by a fenced ```ts program (or ```sh commands) and, after it, a
// ```text block with what it prints. This test extracts each program, type-checks
// the TypeScript ones together, runs each against the built packages (`npx tsc -b`
// first) and checks that it exits 0 and prints every line of the text block, in
// order; "…" in an expected line stands for any text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const MARKER = '<!-- example: scripts/readme-examples.test.ts';
/** Inside the repository (gitignored), so that `@shoal/*` resolve to the workspace packages. */
const scratch = join(root, 'tmp', 'readme-examples');

interface Example {
  pkg: string;
  lang: 'ts' | 'sh';
  code: string;
  expected: string[];
}

/** The fenced blocks of a markdown text, with their offsets. */
function fences(markdown: string): { lang: string; body: string; at: number }[] {
  return [...markdown.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1]!, body: m[2]!, at: m.index }));
}

function extractExample(pkg: string, markdown: string): Example {
  const marks = markdown.split(MARKER).length - 1;
  assert.equal(marks, 1, `packages/${pkg}/README.md: want exactly one example marker, found ${marks}`);
  const at = markdown.indexOf(MARKER);
  const after = fences(markdown).filter((f) => f.at > at);
  const program = after[0];
  assert.ok(program && (program.lang === 'ts' || program.lang === 'sh'), `packages/${pkg}/README.md: the marker is not followed by a ts or sh block`);
  const output = after.slice(1).find((f) => f.lang === 'text');
  assert.ok(output, `packages/${pkg}/README.md: no text block with the example's output after it`);
  const expected = output.body.split('\n').filter((line) => line.trim() !== '');
  assert.ok(expected.length > 0, `packages/${pkg}/README.md: the output block is empty`);
  return { pkg, lang: program.lang, code: program.body, expected };
}

/** `expected` lines, "…" as a wildcard, must each match a whole line of `stdout`, in order. */
function missingLines(stdout: string, expected: string[]): string[] {
  const lines = stdout.split('\n');
  let at = 0;
  const missing: string[] = [];
  for (const want of expected) {
    const pattern = new RegExp(`^${want.split('…').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*?')}$`);
    const found = lines.findIndex((line, i) => i >= at && pattern.test(line));
    if (found < 0) missing.push(want);
    else at = found + 1;
  }
  return missing;
}

test('the "…" wildcard and the order of expected lines', () => {
  assert.deepEqual(missingLines('a 1\nb 2\n', ['a …', 'b 2']), []);
  assert.deepEqual(missingLines('b 2\na 1\n', ['a 1', 'b 2']), ['b 2'], 'out of order');
  assert.deepEqual(missingLines('a 12\n', ['a 1']), ['a 1'], 'a whole line, not a prefix');
});

const packages = readdirSync(join(root, 'packages')).filter((d) => existsSync(join(root, 'packages', d, 'package.json'))).sort();
const examples = packages.map((pkg) => extractExample(pkg, readFileSync(join(root, 'packages', pkg, 'README.md'), 'utf8')));

function run(example: Example): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const [cmd, args] =
    example.lang === 'ts'
      ? [process.execPath, ['--import', 'tsx', join(scratch, `${example.pkg}.ts`)]]
      : ['bash', ['-euo', 'pipefail', '-c', example.code]];
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: root, timeout: 60_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

test('every package README has an example that type-checks, runs and prints what the README says', { timeout: 180_000 }, async (t) => {
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  try {
    const ts = examples.filter((e) => e.lang === 'ts');
    for (const e of ts) writeFileSync(join(scratch, `${e.pkg}.ts`), e.code);
    // Against the packages' declarations (dist/), as a user's compiler sees them.
    writeFileSync(
      join(scratch, 'tsconfig.json'),
      JSON.stringify({ extends: '../../tsconfig.base.json', compilerOptions: { noEmit: true, composite: false, customConditions: [], rootDir: '.' }, include: ['*.ts'] }),
    );
    await t.test('the TypeScript examples type-check', () => {
      try {
        execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', scratch], { cwd: root, encoding: 'utf8', stdio: 'pipe' });
      } catch (error) {
        assert.fail(`tsc failed:\n${(error as { stdout?: string }).stdout ?? String(error)}`);
      }
    });
    // They wait on timers and sockets more than on the CPU: run them side by side.
    const results = await Promise.all(examples.map(async (e) => ({ e, ...(await run(e)) })));
    for (const { e, code, stdout, stderr } of results) {
      await t.test(`packages/${e.pkg}/README.md`, () => {
        assert.equal(code, 0, `exited ${code}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
        assert.deepEqual(missingLines(stdout, e.expected), [], `lines the README promises but the example did not print\nstdout:\n${stdout}`);
      });
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});
