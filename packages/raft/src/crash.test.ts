// Raft on real processes and real disks: three servers, one process each,
// SIGKILLed and restarted on their directories for 20 s while clients write
// through the leader (bench/raft-crash-soak.ts runs the same for minutes).
// The history must be linearizable and keep every acknowledged write.
// Replay the nemesis's choices with SHOAL_CRASH_SEED=<seed>.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { realClock } from '@shoal/kit';
import { parseKvHistory } from '@shoal/sim';
import { runCrashTest } from './testing/process-cluster/crash-run.js';

const SEED = Number(process.env.SHOAL_CRASH_SEED ?? 13);
const DURATION_MS = Number(process.env.SHOAL_CRASH_MS ?? 20_000);

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
    assert.equal(report.unexpectedExits, 0, `a server process died by itself (${why})`);
    assert.equal(report.verdict, 'ok', `history not linearizable (${why})`);
    assert.equal(report.ackedWritesMissing, 0, `acknowledged writes missing (${why})`);
    // The file is one `shoal lincheck` reads, whole (the soak runs the command itself on its file).
    assert.equal(parseKvHistory(readFileSync(historyFile, 'utf8')).length, report.historyOps);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
