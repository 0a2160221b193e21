// scripts/check-structure.mjs finds direct assignments to the raft core's
// fields and runtime import cycles (and ignores type-only ones), and this
// repository has none of either.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const script = join(dirname(fileURLToPath(import.meta.url)), 'check-structure.mjs');

function check(root?: string): { status: number | null; report: { core_field_assignments: number; import_cycles: number; assignments: string[]; cycles: string[][] } } {
  const r = spawnSync(process.execPath, [script, ...(root === undefined ? [] : ['--root', root])], { encoding: 'utf8' });
  return { status: r.status, report: JSON.parse(r.stdout) };
}

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'structure-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

test('this repository: no direct core-field assignments, no runtime import cycles', () => {
  const { status, report } = check();
  assert.deepEqual(report.assignments, []);
  assert.deepEqual(report.cycles, []);
  assert.equal(status, 0);
});

test('a fixture with an assignment and a runtime cycle fails; type-only cycles and config reloads pass', () => {
  const root = tree({
    'packages/raft/src/node/core.ts': "export class RaftCore { currentTerm = 0; }\n",
    'packages/raft/src/node/follower.ts': "import type { RaftCore } from './core.js';\nexport function f(core: RaftCore) {\n  core.currentTerm = 3;\n  core.config.x = 1;\n}\n",
    'packages/kit/src/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
    'packages/kit/src/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
    'packages/kit/src/c.ts': "import type { D } from './d.js';\nexport type C = D;\n",
    'packages/kit/src/d.ts': "import { type C } from './c.js';\nexport type D = C | number;\n",
  });
  try {
    const { status, report } = check(root);
    assert.equal(status, 1);
    assert.equal(report.core_field_assignments, 1);
    assert.match(report.assignments[0]!, /follower\.ts:3: core\.currentTerm =/);
    assert.deepEqual(report.cycles, [['packages/kit/src/a.ts', 'packages/kit/src/b.ts']]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
