// One crash run of the agent: three `shoal agent` server processes, KV
// clients on their HTTP API (agent-kv-workload.ts) while a nemesis SIGKILLs
// the leader (or, with leaderChance < 1, sometimes another server) and
// restarts it on the same directory and ports; then, with every server
// running again, each key is read once more, and the history is checked by
// `shoal lincheck` (a process) and for acknowledged writes that the final
// values do not account for. Every wait is bounded; the servers are SIGKILLed
// at the end, also on failure. Used by commands/agent-crash.test.ts and
// bench/agent-crash-soak.ts. Not shipped (test support).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentCluster, httpCall, LeaderKiller } from './agent-cluster.js';
import { historyJson, type KvHistoryOp, KvWorkload, type KvWorkloadStats, missingAcknowledgedWrites, runLincheck } from './agent-kv-workload.js';

export interface AgentCrashRunOptions {
  /** How long the clients and the nemesis run. */
  readonly durationMs: number;
  readonly clients?: number;
  readonly keys?: number;
  /** Pause before each kill, and time down, ms ranges. */
  readonly intervalMs?: readonly [number, number];
  readonly downMs?: readonly [number, number];
  /** Chance that a kill aims at the leader. Default 1. */
  readonly leaderChance?: number;
  /** Where the history goes; default a file in the temporary directory (kept). */
  readonly historyFile?: string;
  readonly lincheckTimeoutMs?: number;
  /** Client agents beside the servers, never killed; the clients send them requests too. Default 0. */
  readonly clientAgents?: number;
  /** Run the built bin (agents and lincheck). */
  readonly built?: boolean;
}

export interface AgentCrashReport {
  durationMs: number;
  kills: number;
  leaderKills: number;
  restarts: number;
  /** Agent processes that died without being killed: each is a bug. */
  unexpectedExits: number;
  operations: KvWorkloadStats;
  /** Why operations failed or have unknown outcomes, counted. */
  failures: Record<string, number>;
  historyOps: number;
  historyFile: string;
  lincheck: { exit: number | null; verdict: unknown; ms: unknown; report: Record<string, unknown> | undefined };
  linearizable: boolean;
  ackedWritesMissing: number;
  missing: KvHistoryOp[];
  /** Answers the API does not allow. */
  apiErrors: string[];
  finals: Record<string, string | null>;
  /**
   * Whether every server rejoined after its restarts: every agent names the
   * same leader and all three voters, sees every agent alive in gossip, and
   * reads the final values with ?stale (a server: from its own copy); what
   * was still missing if not.
   */
  rejoined: { ok: boolean; ms: number; missing: string[] };
  nemesisLog: string[];
  phasesMs: { start: number; run: number; heal: number; check: number };
}

export async function runAgentCrash(options: AgentCrashRunOptions): Promise<AgentCrashReport> {
  const root = mkdtempSync(join(tmpdir(), 'shoal-agent-crash-'));
  const historyFile = options.historyFile ?? join(tmpdir(), `shoal-agent-crash-${process.pid}-${Date.now()}.json`);
  const t0 = Date.now();
  let cluster: AgentCluster | undefined;
  try {
    cluster = await AgentCluster.start({ root, clientAgents: options.clientAgents ?? 0, ...(options.built ? { built: true } : {}) });
    const t1 = Date.now();
    const workload = new KvWorkload(cluster, { clients: options.clients ?? 6, keys: options.keys ?? 4, opTimeoutMs: 15_000 });
    const nemesis = new LeaderKiller(cluster, {
      intervalMs: options.intervalMs ?? [1500, 3000],
      downMs: options.downMs ?? [300, 1200],
      leaderChance: options.leaderChance ?? 1,
    });
    nemesis.start();
    await workload.run(Date.now() + options.durationMs);
    await nemesis.stop();

    const t2 = Date.now();
    // Healed: every server runs again. One more read of each key, linearizable like the others.
    await cluster.waitForLeader(30_000);
    const finals = await workload.finalReads(Date.now() + 30_000);

    const rejoinStart = Date.now();
    const missingParts = await waitRejoined(cluster, finals, Date.now() + 30_000);
    const rejoined = { ok: missingParts.length === 0, ms: Date.now() - rejoinStart, missing: missingParts };

    const t3 = Date.now();
    const history = workload.history;
    writeFileSync(historyFile, historyJson(history));
    const lincheckTimeoutMs = options.lincheckTimeoutMs ?? 60_000;
    const lincheck = await runLincheck(historyFile, lincheckTimeoutMs, options.built ? { built: true } : {});
    const missing = missingAcknowledgedWrites(history, finals);
    return {
      durationMs: options.durationMs,
      ...nemesis.stats,
      unexpectedExits: cluster.unexpectedExits,
      operations: { ...workload.stats },
      failures: Object.fromEntries([...workload.failures].sort((a, b) => b[1] - a[1])),
      historyOps: history.length,
      historyFile,
      lincheck: { exit: lincheck.exit, verdict: lincheck.report?.verdict, ms: lincheck.report?.ms, report: lincheck.exit === 0 ? undefined : (lincheck.report ?? { stderr: lincheck.stderr }) },
      linearizable: lincheck.exit === 0,
      ackedWritesMissing: missing.length,
      missing: missing.slice(0, 10),
      apiErrors: workload.errors.slice(0, 20),
      finals: Object.fromEntries(finals),
      rejoined,
      nemesisLog: nemesis.log,
      phasesMs: { start: t1 - t0, run: t2 - t1, heal: t3 - t2, check: Date.now() - t3 },
    };
  } finally {
    await cluster?.killAll();
    rmSync(root, { recursive: true, force: true });
  }
}

/** What keeps the servers from being one healthy cluster again, polled until nothing or `deadlineMs`. */
async function waitRejoined(cluster: AgentCluster, finals: ReadonlyMap<string, string | null>, deadlineMs: number): Promise<string[]> {
  const voters = cluster.servers.map((s) => s.raft).sort().join(',');
  const names = cluster.agents.map((s) => s.name).sort().join(',');
  for (;;) {
    const missing: string[] = [];
    const leaders = new Set<string>();
    // Client agents too: they forward these reads to a server.
    for (const s of cluster.agents) {
      try {
        const leader = await httpCall(s.http, 'GET', '/v1/status/leader', undefined, 5000);
        leaders.add(leader.body);
        const peers = await httpCall(s.http, 'GET', '/v1/status/peers', undefined, 5000);
        if ((JSON.parse(peers.body) as string[]).sort().join(',') !== voters) missing.push(`${s.name}: peers ${peers.body}`);
        const members = JSON.parse((await httpCall(s.http, 'GET', '/v1/agent/members', undefined, 5000)).body) as { Name: string; Status: number }[];
        const alive = members.filter((m) => m.Status === 1).map((m) => m.Name).sort().join(',');
        if (alive !== names) missing.push(`${s.name}: alive in gossip ${alive}`);
        for (const [key, value] of finals) {
          const read = await httpCall(s.http, 'GET', `/v1/kv/${key}?stale`, undefined, 5000);
          const entry = read.status === 200 ? (JSON.parse(read.body) as { Value: string | null }[])[0] : undefined;
          const local = entry === undefined ? null : Buffer.from(entry.Value ?? '', 'base64').toString('utf8');
          if (local !== value) missing.push(`${s.name}: ${key} is ${local} in its copy, not ${value}`);
        }
      } catch (error) {
        missing.push(`${s.name}: ${(error as Error).message}`);
      }
    }
    if (leaders.size !== 1 || leaders.has('""')) missing.push(`leaders named: ${[...leaders].join(' ')}`);
    if (missing.length === 0 || Date.now() > deadlineMs) return missing;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
