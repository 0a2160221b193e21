/**
 * A whole raft cluster on the simulator (issue 7, item 5): N servers with
 * durable stores on simulated disks, clients running a KV workload, an
 * optional nemesis, the four Raft safety invariants checked throughout, and
 * at the end the client history handed to a linearizability checker. One
 * seed, one run: the same seed replays the same trace (see `trace_hash`).
 */
import type { Simulation } from '@shoal/sim';
import { uniformLatency } from '@shoal/sim';
import type { Config } from '../config.js';
import { defaultConfig } from '../config.js';
import type { InvariantViolation } from '../invariants.js';
import type { ClusterServer } from '../testing/cluster-server.js';
import { TestCluster } from '../testing/cluster.js';
import { KvFsm } from './kv-fsm.js';
import type { ClientStats, HistoryOp } from './sim-clients.js';
import { SimClients } from './sim-clients.js';
import type { NemesisStats } from './nemesis.js';
import { Nemesis } from './nemesis.js';

export type LinearizabilityVerdict = 'ok' | 'illegal' | 'unknown';

export interface RaftSimOptions {
  nodes: number;
  seed: number;
  /** Virtual time during which clients (and the nemesis) run. */
  durationMs: number;
  chaos: boolean;
  clients?: number;
  keys?: number;
  /** Checks the client history; without it `linearizable` is null. */
  checkHistory?: (history: readonly HistoryOp[]) => LinearizabilityVerdict | Promise<LinearizabilityVerdict>;
  /** Overrides of the raft configuration used by every server. */
  config?: Partial<Config>;
  /** Check exactly that every state change runs in its node's serial task (about 1.5x slower). */
  exactTaskChecks?: boolean;
}

export interface RaftSimResult {
  seed: number;
  trace_hash: string;
  ops_ok: number;
  ops_failed: number;
  ops_unknown: number;
  elections: number;
  linearizable: boolean | null;
  invariant_violations: number;
  /** Details (not part of the one-line summary). */
  violations: InvariantViolation[];
  converged: boolean;
  verdict: LinearizabilityVerdict | null;
  nemesis: NemesisStats | null;
  history: HistoryOp[];
  virtual_ms: number;
  /** Restarts that cut a torn write off the end of a log file. */
  torn_tails: number;
  /** Log segments that reused a file a compaction had freed, all servers together. */
  segments_reused: number;
}

/** Timing for simulations: Go's test profile, snapshots often, small logs. */
export function simConfig(localId: string): Config {
  return {
    ...defaultConfig(),
    localId,
    heartbeatTimeoutMs: 100,
    electionTimeoutMs: 100,
    leaderLeaseTimeoutMs: 80,
    commitTimeoutMs: 10,
    snapshotIntervalMs: 400,
    snapshotThreshold: 64,
    trailingLogs: 32,
    leaseReads: true,
  };
}

async function settleFor(sim: Simulation, ms: number): Promise<void> {
  await sim.runFor(ms);
}

/** Runs one seeded simulation and reports what happened. */
export async function runRaftSimulation(options: RaftSimOptions): Promise<RaftSimResult> {
  const cluster = await TestCluster.create({
    environment: 'simulated',
    nodes: options.nodes,
    seed: options.seed,
    idPrefix: 's',
    fsm: () => new KvFsm(),
    baseConfig: simConfig,
    ...(options.config !== undefined ? { config: options.config } : {}),
    transportTimeoutMs: 300,
    // Disks take time to sync, so a crash can land mid-write (and tear it).
    network: { link: { latency: uniformLatency(1, 5) }, disk: { syncLatency: uniformLatency(0.2, 3) } },
    exactTaskChecks: options.exactTaskChecks ?? false,
  });
  const { sim, network, checker } = cluster;
  const servers = cluster.nodes;

  const checkLogs = (): void => cluster.checkLogs();
  let checking = true;
  const periodic = async (): Promise<void> => {
    while (checking) {
      await new Promise<void>((resolve) => sim.after(100, resolve));
      checkLogs();
    }
  };

  const endMs = sim.now() + options.durationMs;
  const clients = new SimClients(sim, servers, sim.fork(), {
    clients: options.clients ?? 4,
    keys: options.keys ?? 4,
    timeoutMs: 400,
    leaseReadFraction: 0.3,
    logReadFraction: 0.2,
  });
  const nemesis = options.chaos ? new Nemesis(sim, network, servers, sim.fork()) : undefined;
  const work = Promise.all([clients.run(endMs), nemesis?.run(endMs), periodic()]);
  await sim.runUntil(endMs);

  // Heal everything and let the cluster converge.
  const calm = nemesis?.calm() ?? Promise.resolve();
  await sim.settle(calm);
  await settleFor(sim, Math.min(2000, Math.max(500, options.durationMs)));
  const converged = await converge(sim, servers);
  checking = false;
  await sim.runFor(200);
  await sim.settle(work.then(() => undefined));
  checkLogs();

  let verdict: LinearizabilityVerdict | null = null;
  if (options.checkHistory !== undefined) verdict = await options.checkHistory(clients.history);
  for (const s of servers) s.crash();
  const stats: ClientStats = clients.stats;
  return {
    seed: options.seed,
    trace_hash: sim.traceHash,
    ops_ok: stats.ok,
    ops_failed: stats.failed,
    ops_unknown: stats.unknown,
    elections: checker.elections,
    linearizable: verdict === null ? null : verdict === 'ok' ? true : verdict === 'illegal' ? false : null,
    invariant_violations: checker.violations.length,
    violations: checker.violations,
    converged,
    verdict,
    nemesis: nemesis?.stats ?? null,
    history: clients.history,
    virtual_ms: sim.now(),
    torn_tails: servers.reduce((n, s) => n + s.tornTails, 0),
    segments_reused: servers.reduce((n, s) => n + s.reusedSegments, 0),
  };
}

/**
 * After healing: a barrier through the leader, then every server in the
 * configuration must reach the same applied state. False if that does not
 * happen within a generous virtual time.
 */
async function converge(sim: Simulation, servers: readonly ClusterServer<KvFsm>[]): Promise<boolean> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const leader = servers.find((s) => s.up && s.raft.state === 'Leader');
    if (leader !== undefined) {
      const barrier = leader.raft.barrier({ timeoutMs: 1000 }).then(() => true, () => false);
      if (await sim.settle(barrier)) {
        const members = new Set(leader.raft.internals.configurations.latest.servers.map((s) => s.id));
        const target = leader.raft.appliedIndex();
        const deadline = sim.now() + 3000;
        const caughtUp = (): boolean => servers.every((s) => !members.has(s.id) || (s.up && s.raft.appliedIndex() >= target));
        await sim.runUntil(() => caughtUp() || sim.now() > deadline);
        if (caughtUp()) {
          const dumps = new Set(servers.filter((s) => members.has(s.id)).map((s) => s.fsm.dump()));
          return dumps.size === 1;
        }
      }
    }
    await sim.runFor(300);
  }
  return false;
}
