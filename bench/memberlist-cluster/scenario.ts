// One run of the cluster scenario for one implementation and layout:
// start N nodes, burst-join them through one seed, wait for convergence,
// measure a quiet window, kill K nodes, wait for every survivor to drop them.
// Definitions of the figures are in bench/memberlist-cluster.ts.
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Host, type HostStats } from './host.js';
import type { Impl, Launcher } from './launch.js';
import { ClusterView } from './view.js';

export type Layout = 'multi' | 'single';

export interface ScenarioOptions {
  impl: Impl;
  layout: Layout;
  launcher: Launcher;
  profile: string;
  nodes: number;
  kill: number;
  /** Quiet time after startup, before the burst join. */
  idleMs: number;
  /** Time after convergence before the steady window opens (broadcast queues drain). */
  settleMs: number;
  /**
   * The window opens no earlier than this long after the last node started:
   * the unscaled push/pull interval, by when every node's first push/pull
   * stagger has run out, so a window one scaled interval long holds exactly
   * one push/pull per node in both implementations.
   */
  steadyNotBeforeMs: number;
  windowMs: number;
  convergeTimeoutMs: number;
  detectTimeoutMs: number;
  /** Hosts started at once in the one-per-process layout. */
  startConcurrency: number;
  /** When set, shoal hosts (the seed's, and one joiner's in the single layout) write V8 CPU profiles of each phase here. */
  cpuProfileDir?: string | undefined;
  log: (message: string) => void;
}

export interface ScenarioResult {
  impl: Impl;
  layout: Layout;
  profile: string;
  nodes: number;
  killed: number;
  /** null: not converged within convergeTimeoutMs. */
  converge_ms: number | null;
  /**
   * Process CPU from just before the join commands until the convergence check
   * finished, summed over the hosts, per node: what the burst costs (diagnostic).
   */
  join_cpu_ms_per_node: number;
  /** The same for the seed's process alone (in multi, the one process). */
  join_seed_host_cpu_ms: number;
  /** Of join_cpu_ms_per_node, main-thread GC pauses (shoal only; null for Go). */
  join_gc_ms_per_node: number | null;
  /** null: not every survivor dropped every killed node within detectTimeoutMs. */
  detect_all_dead_ms: number | null;
  steady_bytes_per_node_s: number;
  steady_cpu_ms_per_node_s: number;
  steady_udp_bytes_per_node_s: number;
  steady_tcp_bytes_per_node_s: number;
  /** Of which main-thread GC pauses (shoal only; null for Go). */
  steady_gc_ms_per_node_s: number | null;
  steady_window_ms: number;
  /** Push/pulls started during the window, all nodes together (Go: memberlist.tcp.connect). */
  steady_push_pulls: number;
  /** Nodes whose join call failed. */
  join_failures: number;
  /** Leave events about nodes that were never killed (false failure detections). */
  false_dead_events: number;
  /** Every node's own members() count equalled N at convergence (a cross-check of the event view). */
  members_check: boolean;
  /** The machine's 1-minute load average when the run started (the machine may be shared). */
  loadavg_1m: number;
}

const NAME_PREFIX = 'node';
const wallMs = (): number => performance.timeOrigin + performance.now();
const round = (x: number, digits = 1): number => Number(x.toFixed(digits));

/** Nodes to kill: spread over the cluster, never the seed (node 0). */
export function victims(nodes: number, kill: number): number[] {
  const out: number[] = [];
  for (let j = 0; j < kill; j++) out.push(1 + Math.floor((j * (nodes - 1)) / kill));
  return out;
}

export async function runScenario(o: ScenarioOptions): Promise<ScenarioResult> {
  if (o.kill >= o.nodes) throw new Error('--kill must be less than --nodes');
  const load = loadavg()[0]!;
  // The same names for both implementations: names travel in pings and push/pulls, so they weigh on bytes.
  const names = Array.from({ length: o.nodes }, (_, i) => `${NAME_PREFIX}-${i}`);
  const view = new ClusterView(names);
  const hosts: Host[] = [];
  const startHost = async (first: number, count: number): Promise<Host> => {
    const spec = o.launcher({ prefix: NAME_PREFIX, first, nodes: count, profile: o.profile });
    const host = await Host.start(spec, (e) => view.apply(e), 60_000);
    hosts.push(host);
    return host;
  };
  try {
    // 1. Start every node, alone.
    if (o.layout === 'multi') await startHost(0, o.nodes);
    else {
      for (let next = 0; next < o.nodes; ) {
        const batch: Promise<Host>[] = [];
        for (; next < o.nodes && batch.length < o.startConcurrency; next++) batch.push(startHost(next, 1));
        await Promise.all(batch);
      }
      hosts.sort((a, b) => nodeIndex(a) - nodeIndex(b));
    }
    const profiled = o.cpuProfileDir !== undefined && o.impl === 'shoal' ? hosts.slice(0, o.layout === 'single' ? 2 : 1) : [];
    const profileStart = async (): Promise<void> => {
      for (const h of profiled) h.send('prof-start');
      if (profiled.length > 0) await sleep(100);
    };
    const profileStop = async (phase: string): Promise<void> => {
      await Promise.all(profiled.map((h, i) => h.request(`prof-stop ${join(o.cpuProfileDir!, `${o.impl}-${o.layout}-${phase}-host${i}.cpuprofile`)}`, 'profiled', 30_000)));
    };
    const byName = new Map(hosts.flatMap((h) => h.nodes.map((n) => [n.name, h] as const)));
    const seed = hosts[0]!.nodes[0]!;
    o.log(`${o.impl}/${o.layout}: ${o.nodes} nodes up in ${hosts.length} process(es); seed ${seed.name} at ${seed.addr}`);
    const upAt = wallMs();
    await sleep(o.idleMs);

    // 2. Burst join: every node but the seed joins the seed at once.
    const joiners = o.layout === 'multi' ? hosts : hosts.slice(1);
    const joinResults = joiners.map((h) => h.next('joined', o.convergeTimeoutMs + 10_000));
    const beforeJoin = await Promise.all(hosts.map((h) => h.stats()));
    await profileStart();
    const joinStart = wallMs();
    for (const h of joiners) h.send(`join ${seed.addr}`);
    o.log(`${o.impl}/${o.layout}: join commands sent at ${round(joinStart, 0)} (epoch ms)`);
    const convergedAt = await view.waitUntil(() => view.convergedAt(), o.convergeTimeoutMs);
    await profileStop('join');
    const converge = convergedAt === undefined ? null : round(convergedAt - joinStart);
    let joinFailures = 0;
    let joinsDoneAt = joinStart;
    const joinErrors = new Set<string>();
    for (const r of await Promise.allSettled(joinResults)) {
      if (r.status === 'rejected') joinErrors.add(String(r.reason));
      else {
        for (const e of r.value.errors as string[]) joinErrors.add(e.replace(/\d+\.\d+\.\d+\.\d+:\d+|[a-z]+-\d+/g, '*'));
        joinsDoneAt = Math.max(joinsDoneAt, Number(r.value.t));
      }
      joinFailures += r.status === 'fulfilled' ? Number(r.value.failed) : 1;
    }
    const lagging = JSON.stringify(view.lagging());
    const tail = view.lastCompletion();
    if (tail) o.log(`${o.impl}/${o.layout}: last to converge ${tail.node}, completed by ${tail.member} ${round(tail.afterFirstKnownMs)} ms after anyone first listed it`);
    o.log(`${o.impl}/${o.layout}: converge ${converge ?? `not within ${o.convergeTimeoutMs}`} ms (${lagging}), join calls done after ${round(joinsDoneAt - joinStart)} ms, failures ${joinFailures}`);
    for (const e of joinErrors) o.log(`  join error: ${e}`);
    const afterJoin = await Promise.all(hosts.map((h) => h.stats()));
    const joinCpu = beforeJoin.map((b, i) => afterJoin[i]!.cpuMs - b.cpuMs);
    const joinGc = beforeJoin.map((b, i) => (afterJoin[i]!.gcMs ?? 0) - (b.gcMs ?? 0));
    const counts = Object.assign({}, ...(await Promise.all(hosts.map((h) => h.memberCounts())))) as Record<string, number>;
    const membersCheck = names.every((n) => counts[n] === o.nodes);

    // 3. Steady window: quiet cluster, all N alive.
    await sleep(Math.max(o.settleMs, upAt + o.steadyNotBeforeMs - wallMs()));
    await profileStart();
    const before = await Promise.all(hosts.map((h) => h.stats()));
    await sleep(o.windowMs);
    const after = await Promise.all(hosts.map((h) => h.stats()));
    await profileStop('steady');
    const rates = steadyRates(before, after, o.nodes);

    // 4. Kill K nodes without a leave and wait until every survivor drops them.
    const killed = victims(o.nodes, o.kill).map((i) => names[i]!);
    await profileStart();
    const killStart = wallMs();
    view.markKilled(killed, killStart);
    if (o.layout === 'single') for (const name of killed) byName.get(name)!.kill();
    else hosts[0]!.send(`kill ${killed.join(',')}`);
    const clearedAt = await view.waitUntil(() => view.clearedAt(), o.detectTimeoutMs);
    const detect = clearedAt === undefined ? null : round(clearedAt - killStart);
    await profileStop('detect');
    const drops = view.dropTimes().map((d) => `${d.node} ${d.first === undefined ? '-' : round(d.first - killStart, 0)}..${d.last === undefined ? '-' : round(d.last - killStart, 0)}`);
    o.log(`${o.impl}/${o.layout}: detect ${detect ?? `not within ${o.detectTimeoutMs}`} ms (${JSON.stringify(view.lagging())}); first..last survivor dropping each: ${drops.join(', ')}`);

    return {
      impl: o.impl,
      layout: o.layout,
      profile: o.profile,
      nodes: o.nodes,
      killed: o.kill,
      converge_ms: converge,
      join_cpu_ms_per_node: round(joinCpu.reduce((a, b) => a + b, 0) / o.nodes, 2),
      join_seed_host_cpu_ms: round(joinCpu[0]!, 1),
      join_gc_ms_per_node: o.impl === 'go' ? null : round(joinGc.reduce((a, b) => a + b, 0) / o.nodes, 2),
      detect_all_dead_ms: detect,
      steady_bytes_per_node_s: round(rates.udp + rates.tcp),
      steady_cpu_ms_per_node_s: round(rates.cpu, 3),
      steady_udp_bytes_per_node_s: round(rates.udp),
      steady_tcp_bytes_per_node_s: round(rates.tcp),
      steady_gc_ms_per_node_s: rates.gc === undefined ? null : round(rates.gc, 3),
      steady_window_ms: o.windowMs,
      steady_push_pulls: rates.pushPulls,
      join_failures: joinFailures,
      false_dead_events: view.falseLeaves,
      members_check: membersCheck,
      loadavg_1m: round(load, 2),
    };
  } finally {
    await Promise.all(hosts.map((h) => h.stop()));
  }
}

function nodeIndex(host: Host): number {
  return Number(host.nodes[0]!.name.split('-').pop());
}

/** Per-node, per-second rates over the window: each host's delta over its own elapsed time, summed, over N. */
interface Rates {
  udp: number;
  tcp: number;
  cpu: number;
  gc: number | undefined;
  pushPulls: number;
}

function steadyRates(before: HostStats[], after: HostStats[], nodes: number): Rates {
  let pushPulls = 0;
  let gc: number | undefined;
  let udp = 0;
  let tcp = 0;
  let cpu = 0;
  before.forEach((b, i) => {
    const a = after[i]!;
    const seconds = (a.t - b.t) / 1000;
    udp += (a.udpSent - b.udpSent) / seconds;
    tcp += (a.tcpSent - b.tcpSent) / seconds;
    cpu += (a.cpuMs - b.cpuMs) / seconds;
    pushPulls += a.pushPulls - b.pushPulls;
    if (a.gcMs !== undefined && b.gcMs !== undefined) gc = (gc ?? 0) + (a.gcMs - b.gcMs) / seconds;
  });
  return { udp: udp / nodes, tcp: tcp / nodes, cpu: cpu / nodes, gc: gc === undefined ? undefined : gc / nodes, pushPulls };
}
