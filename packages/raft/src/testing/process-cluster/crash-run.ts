/**
 * One crash run: a 3-server cluster of processes on real directories,
 * clients writing through the leader, the kill nemesis for `durationMs`;
 * then every server runs again, each key is read through the leader, and the
 * history is checked (linearizable, no acknowledged write missing). Every
 * wait is bounded and the servers are SIGKILLed at the end, also on failure.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '@shoal/kit';
import { seededRandom } from '@shoal/kit';
import type { LinVerdict } from '@shoal/sim';
import type { HistoryOp } from '../../sim/sim-clients.js';
import { ProcessClients } from './clients.js';
import { checkHistory, missingAcknowledgedWrites, writeHistoryFile } from './history-check.js';
import { KillNemesis } from './kill-nemesis.js';
import { ProcessCluster } from './process-cluster.js';

export interface CrashRunOptions {
  /** The real clock: the servers run in real time. */
  clock: Clock;
  seed: number;
  /** How long the nemesis and the clients run. */
  durationMs: number;
  clients?: number;
  keys?: number;
  /** Keys that only take appends (and gets): every acknowledged append to them must last. */
  appendOnlyKeys?: number;
  /** Where the history goes (a file for `shoal lincheck`); not written when absent. */
  historyFile?: string;
  /** Budget of the linearizability check. */
  lincheckTimeoutMs?: number;
  /** Pause between kills and time down, ms ranges (see KillNemesis). */
  intervalMs?: [number, number];
  downMs?: [number, number];
}

export interface CrashRunReport {
  seed: number;
  durationMs: number;
  kills: number;
  leaderKills: number;
  restarts: number;
  /** Server processes that died without being killed (each is a bug, or a store that would not open). */
  unexpectedExits: number;
  operations: { ok: number; failed: number; unknown: number };
  historyOps: number;
  linearizable: boolean;
  verdict: LinVerdict;
  ackedWritesMissing: number;
  missing: HistoryOp[];
  /** InstallSnapshot RPCs routed: restarted servers caught up from a snapshot. */
  installSnapshots: number;
  /** Snapshot directories left on the servers' disks at the end. */
  snapshotsOnDisk: number;
  historyFile: string | undefined;
  nemesisLog: string[];
  /** Wall time of each phase: starting the servers, the nemesis run, healing and final reads, the check. */
  phasesMs: { start: number; run: number; heal: number; check: number };
}

const SERVERS = ['s0', 's1', 's2'];

export async function runCrashTest(options: CrashRunOptions): Promise<CrashRunReport> {
  const { clock, seed } = options;
  const random = seededRandom(seed);
  const baseDir = mkdtempSync(join(tmpdir(), 'shoal-crash-'));
  const keys = options.keys ?? 4;
  const clientCount = options.clients ?? 3;
  const cluster = new ProcessCluster({ ids: SERVERS, baseDir, clock, seed });
  const t0 = clock.now();
  try {
    await cluster.startAll();
    await cluster.waitForLeader(10_000);
    const t1 = clock.now();
    const endMs = clock.now() + options.durationMs;
    const clients = new ProcessClients(cluster, clock, random.fork(), { clients: clientCount, keys, appendOnlyKeys: options.appendOnlyKeys ?? 2, opTimeoutMs: 1000 });
    const nemesis = new KillNemesis(cluster, clock, random.fork(), { intervalMs: options.intervalMs ?? [1000, 2500], downMs: options.downMs ?? [100, 800] });
    await Promise.all([clients.run(endMs), nemesis.run(endMs)]);

    const t2 = clock.now();
    // Healed: every server runs again. Read each key through the leader, as one more client.
    await cluster.waitForLeader(10_000);
    const finals = new Map<string, string | null>();
    const readDeadline = clock.now() + 15_000;
    for (const key of clients.keys) finals.set(key, await clients.finalRead(clientCount, key, readDeadline));

    const t3 = clock.now();
    const history = clients.history;
    if (options.historyFile !== undefined) writeHistoryFile(options.historyFile, history);
    const verdict = await checkHistory(history, options.lincheckTimeoutMs ?? 60_000);
    const missing = missingAcknowledgedWrites(history, finals);
    return {
      seed,
      durationMs: options.durationMs,
      ...nemesis.stats,
      unexpectedExits: [...cluster.servers.values()].reduce((n, s) => n + s.unexpectedExits, 0),
      operations: { ...clients.stats },
      historyOps: history.length,
      linearizable: verdict === 'ok',
      verdict,
      ackedWritesMissing: missing.length,
      missing: missing.slice(0, 10),
      installSnapshots: cluster.router.stats.installSnapshots,
      snapshotsOnDisk: SERVERS.reduce((n, id) => n + countSnapshots(join(baseDir, id)), 0),
      historyFile: options.historyFile,
      nemesisLog: nemesis.log,
      phasesMs: { start: Math.round(t1 - t0), run: Math.round(t2 - t1), heal: Math.round(t3 - t2), check: Math.round(clock.now() - t3) },
    };
  } finally {
    await cluster.killAll();
    rmSync(baseDir, { recursive: true, force: true });
  }
}

function countSnapshots(dir: string): number {
  try {
    return readdirSync(join(dir, 'raft', 'snapshots')).filter((name) => !name.endsWith('.tmp')).length;
  } catch {
    return 0;
  }
}
