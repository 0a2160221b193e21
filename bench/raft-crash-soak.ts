// Soak: raft on real processes and real disks under SIGKILL (issue 13 item 5).
// Three servers, one process each, on their own directories; clients write
// through the leader while a nemesis SIGKILLs a server (the leader half the
// time) every few seconds and restarts it on the same directory. Afterwards
// every key is read through the leader, and the history is checked: by the
// checker API, and by `shoal lincheck` on the written file. Prints one JSON
// object; exits 1 unless linearizable with no acknowledged write missing and
// no server process dying by itself.
// Stops by itself after --seconds (plus start-up, healing and the check).
//
//   node --conditions=source --import tsx bench/raft-crash-soak.ts [--seconds 120] [--seed S] [--history FILE]
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { realClock } from '@shoal/kit';
import { runCrashTest } from '../packages/raft/src/testing/process-cluster/crash-run.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '120' },
    seed: { type: 'string' },
    history: { type: 'string' },
  },
});
const seconds = Math.max(1, Number(values.seconds));
const seed = values.seed !== undefined ? Number(values.seed) : Date.now() % 1_000_000;
const historyFile = values.history ?? join(tmpdir(), `shoal-raft-crash-${seed}.json`);
const shoalBin = fileURLToPath(new URL('../packages/cli/bin/shoal.js', import.meta.url));

const started = performance.now();
const report = await runCrashTest({ clock: realClock, seed, durationMs: seconds * 1000, historyFile, lincheckTimeoutMs: 120_000 });
const cli = spawnSync(process.execPath, [shoalBin, 'lincheck', '--json', historyFile], { encoding: 'utf8', timeout: 180_000 });
const lincheckCli = { command: `node packages/cli/bin/shoal.js lincheck ${historyFile}`, exit: cli.status, output: cli.stdout.trim() || cli.stderr.trim() };

const { nemesisLog, missing, ...figures } = report;
console.log(
  JSON.stringify({
    bench: 'raft-crash-soak',
    ...figures,
    wallMs: Math.round(performance.now() - started),
    lincheckCli,
    missing,
    nemesisLog,
  }),
);
process.exit(report.linearizable && report.ackedWritesMissing === 0 && report.unexpectedExits === 0 && cli.status === 0 ? 0 : 1);
