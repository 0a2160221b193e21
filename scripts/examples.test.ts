// Runs every program in examples/ as a user does (`npx tsx examples/NAME.ts`,
// against the built packages: run `npx tsc -b` first) and checks that it
// exits 0 and prints its key lines. Also checks that examples/README.md lists
// each program with that command, and lists nothing that does not exist.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const examplesDir = join(root, 'examples');

/** The lines each program must print, in this order (other lines may come between). */
const EXPECTED: Record<string, RegExp[]> = {
  'memberlist-encrypted-cluster.ts': [
    /^members: a, b, c$/m,
    /^outsider without the key: join refused$/m,
    /^a received: hello a, from b$/m,
    /^a saw c leave$/m,
    /^done$/m,
  ],
  'peerlist-over-memberlist.ts': [
    /^peers: a, b, c$/m,
    /^6 requests served by: a a b b c c$/m,
    /^after c left, peers: a, b$/m,
    /^4 requests served by: a a b b$/m,
    /^done$/m,
  ],
  'raft-in-process.ts': [
    /^leader elected: [abc]$/m,
    /^applied "set colour blue" at index 3 \(previous value: none\)$/m,
    /^applied "set colour green" at index 5 \(previous value: blue\)$/m,
    /^leader reads: colour=green, size=3$/m,
    /^after restart, a holds: colour=green, size=3$/m,
    /^after restart, b holds: colour=green, size=3$/m,
    /^after restart, c holds: colour=green, size=3$/m,
    /^done$/m,
  ],
  'raft-networked.ts': [
    /^leader: [abc] at 127\.0\.0\.1:\d+$/m,
    /^applied "set stage one"$/m,
    /^[abc] stopped; new leader: [abc]$/m,
    /^[abc] holds: stage=two$/m,
    /^done$/m,
  ],
};
/** Lines printed once per receiver, in any order. */
const UNORDERED: Record<string, RegExp[]> = {
  'memberlist-encrypted-cluster.ts': [/^b received: config version 2$/m, /^c received: config version 2$/m],
};

const programs = readdirSync(examplesDir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).sort();

test('examples/README.md lists every program with its run command, and each has expected output here', () => {
  const readme = readFileSync(join(examplesDir, 'README.md'), 'utf8');
  for (const program of programs) {
    assert.ok(readme.includes(`\`npx tsx examples/${program}\``), `examples/README.md does not show \`npx tsx examples/${program}\``);
    assert.ok(EXPECTED[program], `no expected output for ${program} in scripts/examples.test.ts`);
  }
  const listed = [...readme.matchAll(/npx tsx examples\/([\w.-]+\.ts)/g)].map((m) => m[1]!);
  assert.deepEqual([...new Set(listed)].sort(), programs, 'examples/README.md lists programs that do not exist');
});

/** Runs `npx tsx examples/NAME.ts` (node --import tsx, without npx's start-up), bounded in time. */
function run(program: string): Promise<{ code: number | null; stdout: string; stderr: string; seconds: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', join('examples', program)], { cwd: root, timeout: 60_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr, seconds: +((performance.now() - started) / 1000).toFixed(1) });
    });
  });
}

// The programs wait on real timers (elections, gossip), not on the CPU: run them side by side.
test('every example exits 0 and prints its key lines', { timeout: 120_000 }, async (t) => {
  const results = await Promise.all(programs.map(async (program) => ({ program, ...(await run(program)) })));
  for (const { program, code, stdout, stderr, seconds } of results) {
    await t.test(program, () => {
      t.diagnostic(`${program}: ${seconds} s`);
      assert.equal(code, 0, `${program} exited ${code}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
      let from = 0;
      for (const line of EXPECTED[program] ?? []) {
        const match = line.exec(stdout.slice(from));
        assert.ok(match, `${program} did not print ${line} (after offset ${from})\nstdout:\n${stdout}`);
        from += match.index + match[0].length;
      }
      for (const line of UNORDERED[program] ?? []) assert.match(stdout, line, `${program}\nstdout:\n${stdout}`);
    });
  }
});
