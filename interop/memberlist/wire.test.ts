// Go decodes everything our memberlist wire encoders produce: packets of every
// message type, compounds (and splits past 255 parts), CRC, LZW compression,
// AES-GCM v0/v1 with 128/192/256-bit keys, labels, and TCP streams. The Go
// side (interop/memberlist/gowire `check`) uses go-msgpack 0.5.5 and the Go
// standard library as memberlist 0.2.2 does, and re-encodes every decoded
// message to prove our bytes are identical to Go's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomInt } from 'node:crypto';
import { buildGoProgram, goMissingReason } from '../harness/go-build.js';
import { buildCases } from './wire-cases.js';

const run = promisify(execFile);
const missing = goMissingReason();
const SEED = process.env.WIRE_SEED === undefined ? randomInt(2 ** 31) : Number(process.env.WIRE_SEED);

test(missing ? `memberlist wire interop: SKIPPED, ${missing}` : 'memberlist wire interop: Go decodes everything we encode', { skip: missing !== undefined, timeout: 300_000 }, async () => {
  const bin = await buildGoProgram('memberlist/gowire', 'gowire');
  const cases = buildCases(SEED);
  const dir = mkdtempSync(join(tmpdir(), 'shoal-wire-'));
  try {
    const file = join(dir, 'cases.json');
    writeFileSync(file, JSON.stringify({ cases }));
    const { stdout } = await run(bin, ['check', file], { maxBuffer: 64 << 20 }).catch((e: { stdout?: string; stderr?: string }) => {
      assert.fail(`gowire check failed (replay: WIRE_SEED=${SEED}):\n${(e.stdout ?? '').slice(0, 4000)}\n${e.stderr ?? ''}`);
    });
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as { checked: number; failed: number };
    assert.deepEqual(summary, { checked: cases.length, failed: 0 }, `seed ${SEED}`);
    const kinds = new Map<string, number>();
    for (const c of cases) kinds.set(c.kind, (kinds.get(c.kind) ?? 0) + 1);
    console.log(`wire interop: Go checked ${summary.checked} cases (${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ')}), seed ${SEED}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
