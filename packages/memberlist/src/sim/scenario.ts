import { uniformLatency, constantLatency } from '@shoal/sim';
import type { ConfigProfile, Config } from '../config.js';
import { CONFIG_PROFILES } from '../config.js';
import { suspicionTimeout } from '../util.js';
import { NodeStateType } from '../wire/types.js';
import { SimCluster, type SimMember } from './cluster.js';

/** A whole-cluster experiment on the simulator (what `shoal sim memberlist` runs). */
export interface ScenarioOptions {
  nodes: number;
  seed: number;
  /** Virtual time to simulate. */
  durationMs: number;
  /** Datagram loss probability on every link (streams see it as retransmission delay). */
  loss?: number;
  /** Members crashed once the cluster has converged (or at `killAtMs`). */
  kill?: number;
  /** Members made slow (each message handled 0.5–2 s late) once the cluster has converged. */
  slow?: number;
  profile?: ConfigProfile;
  /** false: SWIM without Lifeguard's health multiplier and suspicion range (awareness ×1, max timeout ×1). */
  lifeguard?: boolean;
  /** Members join through member 0 at random times in [0, joinWindowMs). Default: 5 ms per member, at most 10 s. */
  joinWindowMs?: number;
  /**
   * How the cluster forms: 'join' (default), everyone joins through member 0;
   * 'warm', everyone starts knowing everyone, as if converged before time 0.
   */
  start?: 'join' | 'warm';
  /** When to kill; default: as soon as the cluster converged (or half the duration if it never does). */
  killAtMs?: number;
  /** One-way link latency range in ms (uniform). Default 0.5–2. */
  latencyMs?: [number, number];
  /** Extra config for every member. */
  config?: Partial<Config>;
  /** Frame mode: skip the codec (see MockNetwork); byte counts are then uncompressed sizes. */
  frames?: boolean;
  /** Called with progress lines (virtual time, convergence), for long runs. */
  progress?: (line: string) => void;
}

export interface ScenarioResult {
  nodes: number;
  seed: number;
  trace_hash: string;
  /** Virtual time at which every member first saw every member alive; null if never. */
  converged_at_ms: number | null;
  /** Longest time from a kill until every survivor marked the victim dead (max over victims); null if not all detected or no kill. */
  kill_detected_ms: number | null;
  /**
   * Healthy members declared dead: (observer, subject) events where the
   * subject was running and not slow — the Lifeguard paper's measure.
   */
  false_positives: number;
  /** Slow members declared dead, likewise (they miss the protocol's deadlines, so SWIM may fairly drop them). */
  false_positives_slow: number;
  /** Bytes sent (packets and streams) per member per virtual second. */
  bytes_per_node_per_s: number;
  profile: ConfigProfile;
  lifeguard: boolean;
  frames: boolean;
  start: 'join' | 'warm';
  loss: number;
  kill: number;
  slow: number;
  duration_ms: number;
  killed_at_ms: number | null;
  /** The time every survivor should have detected a crash by (see detectionBoundMs). */
  detection_bound_ms: number;
  /** Victims not detected by every survivor by the end. */
  undetected: number;
  sim_events: number;
}

/**
 * Upper bound on detecting a crash in a cluster of n with this config: a
 * probe reaches the victim within a few probe intervals, the failed probe
 * takes one (scaled) interval, the suspicion runs at most its maximum, and
 * the dead message spreads in a few gossip rounds. Slack covers probe order
 * (round-robin over a shuffled list) and retransmission.
 */
export function detectionBoundMs(config: Config, n: number): number {
  const minMs = suspicionTimeout(config.suspicionMult, n, config.probeIntervalMs);
  const maxMs = config.suspicionMaxTimeoutMult * minMs;
  return 5 * config.probeIntervalMs + maxMs + 10 * config.gossipIntervalMs;
}

/** Runs the scenario. Wall time is the caller's to measure (protocol code has no wall clock). */
export async function runScenario(o: ScenarioOptions): Promise<ScenarioResult> {
  const profile = o.profile ?? 'lan';
  const lifeguard = o.lifeguard ?? true;
  const loss = o.loss ?? 0;
  const [latMin, latMax] = o.latencyMs ?? [0.5, 2];
  const swim: Partial<Config> = lifeguard ? {} : { awarenessMaxMultiplier: 1, suspicionMaxTimeoutMult: 1 };
  const cluster = new SimCluster({
    seed: o.seed,
    profile,
    config: { ...swim, ...o.config },
    link: { latency: latMax > latMin ? uniformLatency(latMin, latMax) : constantLatency(latMin), loss },
    frames: o.frames ?? false,
  });
  const { sim } = cluster;
  const n = o.nodes;
  const config = CONFIG_PROFILES[profile]({ name: 'x', ...swim, ...o.config });

  // Bookkeeping through events: who declared whom dead, and when.
  const killedAt = new Map<string, number>();
  const slow = new Set<string>();
  let falsePositives = 0;
  let aboutSlow = 0;
  const detections = new Map<string, Set<string>>();
  const lastDetection = new Map<string, number>();
  const watch = (m: SimMember): void => {
    m.list.on('leave', (node) => {
      if (node.state !== NodeStateType.Dead) return;
      const killed = killedAt.get(node.name);
      if (killed === undefined) {
        if (slow.has(node.name)) aboutSlow++;
        else falsePositives++;
        return;
      }
      let seen = detections.get(node.name);
      if (!seen) detections.set(node.name, (seen = new Set()));
      seen.add(m.name);
      lastDetection.set(node.name, sim.now());
    });
  };

  for (let i = 0; i < n; i++) watch(await cluster.add(`node-${i}`));
  if (o.start === 'warm') {
    cluster.warmStart();
  } else {
    const seedAddr = cluster.members[0]!.transport.address;
    const joinWindow = o.joinWindowMs ?? Math.min(10_000, 5 * n);
    const rnd = sim.fork();
    for (const m of cluster.members.slice(1)) {
      const at = rnd.float() * joinWindow;
      const attempt = (): void => {
        if (m.killed) return;
        m.list.join([seedAddr]).catch(() => sim.after(1_000, attempt));
      };
      sim.after(at, attempt);
    }
  }

  let convergedAt: number | null = null;
  let killTime: number | null = null;
  const victims: SimMember[] = [];
  const doKillAndSlow = (): void => {
    if (killTime !== null) return;
    killTime = sim.now();
    const candidates = cluster.members.slice(1);
    const pick = sim.fork().sample(candidates, Math.min(candidates.length, (o.kill ?? 0) + (o.slow ?? 0)));
    for (const m of pick.slice(0, o.kill ?? 0)) {
      killedAt.set(m.name, sim.now());
      victims.push(m);
      cluster.kill(m.name);
    }
    for (const m of pick.slice(o.kill ?? 0)) {
      slow.add(m.name);
      m.host.processingDelay = uniformLatency(500, 2_000);
    }
  };
  const needEvents = (o.kill ?? 0) > 0 || (o.slow ?? 0) > 0;
  if (o.killAtMs !== undefined && needEvents) sim.after(o.killAtMs, doKillAndSlow);

  const checkEveryMs = 100;
  const end = o.durationMs;
  let lastProgress = 0;
  for (let first = true; sim.now() < end; first = false) {
    // Checked before time moves too: a warm start is converged at 0.
    if (!first || !cluster.converged()) await sim.runFor(Math.min(checkEveryMs, end - sim.now()));
    if (convergedAt === null && killTime === null && cluster.converged()) {
      convergedAt = sim.now();
      o.progress?.(`converged at ${convergedAt} ms`);
      if (needEvents && o.killAtMs === undefined) doKillAndSlow();
    }
    if (needEvents && killTime === null && o.killAtMs === undefined && sim.now() >= end / 2) doKillAndSlow();
    if (o.progress && sim.now() - lastProgress >= 5_000) {
      lastProgress = sim.now();
      o.progress(`t=${sim.now()} ms events=${sim.stats.eventsRun}`);
    }
  }

  const survivors = cluster.live.length;
  let detectedMs: number | null = null;
  let undetected = 0;
  if (victims.length > 0 && killTime !== null) {
    let worst = 0;
    for (const v of victims) {
      if ((detections.get(v.name)?.size ?? 0) < survivors) {
        undetected++;
        continue;
      }
      worst = Math.max(worst, lastDetection.get(v.name)! - killTime);
    }
    detectedMs = undetected === 0 ? worst : null;
  }

  let bytes = 0;
  for (const m of cluster.members) bytes += m.host.stats.packetBytesSent + m.host.stats.streamBytesSent;
  for (const m of cluster.live) await m.list.shutdown();
  return {
    nodes: n,
    seed: o.seed,
    trace_hash: sim.traceHash,
    converged_at_ms: convergedAt,
    kill_detected_ms: detectedMs,
    false_positives: falsePositives,
    false_positives_slow: aboutSlow,
    bytes_per_node_per_s: Math.round(bytes / n / (end / 1000)),
    profile,
    lifeguard,
    frames: o.frames ?? false,
    start: o.start ?? 'join',
    loss,
    kill: o.kill ?? 0,
    slow: o.slow ?? 0,
    duration_ms: end,
    killed_at_ms: killTime,
    detection_bound_ms: detectionBoundMs(config, n),
    undetected,
    sim_events: sim.stats.eventsRun,
  };
}
