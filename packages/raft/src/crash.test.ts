// Raft on real processes and real disks: three servers, one process each,
// SIGKILLed and restarted on their directories for 20 s while clients write
// through the leader (bench/raft-crash-soak.ts runs the same for minutes).
// The history must be linearizable and keep every acknowledged write.
// Replay the nemesis's choices with SHOAL_CRASH_SEED=<seed>.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { realClock } from '@shoal/kit';
import { runCrashTest } from './testing/process-cluster/crash-run.js';

const SEED = Number(process.env.SHOAL_CRASH_SEED ?? 13);
const DURATION_MS = Number(process.env.SHOAL_CRASH_MS ?? 20_000);
const SHOAL_BIN = fileURLToPath(new URL('../../cli/bin/shoal.js', import.meta.url));

test(`SIGKILLed raft servers on real disks keep a linearizable history and every acknowledged write (seed ${SEED})`, { timeout: DURATION_MS + 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'shoal-crash-history-'));
  try {
    const historyFile = join(dir, 'history.json');
    const report = await runCrashTest({ clock: realClock, seed: SEED, durationMs: DURATION_MS, historyFile, lincheckTimeoutMs: 20_000 });
    const { nemesisLog, missing, ...figures } = report;
    console.log(`crash run (seed ${SEED}): ${JSON.stringify(figures)}`);
    const why = `seed ${SEED}; nemesis: ${nemesisLog.join(', ')}; missing: ${JSON.stringify(missing)}`;
    assert.ok(report.kills >= 3, `too few kills to mean anything (${why})`);
    assert.ok(report.leaderKills >= 1, `no leader was killed (${why})`);
    assert.ok(report.operations.ok >= 100, `too few operations succeeded (${why})`);
    assert.equal(report.verdict, 'ok', `history not linearizable (${why})`);
    assert.equal(report.ackedWritesMissing, 0, `acknowledged writes missing (${why})`);
    // The same file passes the CLI's checker.
    const cli = spawnSync(process.execPath, [SHOAL_BIN, 'lincheck', '--json', historyFile], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(cli.status, 0, `shoal lincheck ${historyFile}: ${cli.stdout}${cli.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
