// Cluster benchmark: shoal memberlist against HashiCorp memberlist 0.2.2 (Go),
// N real nodes on loopback, in the same run.
//
//   node --conditions=source --import tsx bench/memberlist-cluster.ts \
//     [--nodes 50] [--kill 5] [--layout multi|single|both] [--impl shoal|go|both]
//     [--profile local] [--runs 1] [--window-ms MS] [--steady-not-before-ms MS] [--settle-ms 5000]
//     [--cpu-prof DIR]   (V8 CPU profiles of the shoal seed host, per phase: join, steady, detect)
//     [--shoal-host-args='--join-sync-ms 300,1500 --join-timeout-mult 1']
//                        (engine settings beyond Go, for experiments; results then carry "variant")
//     [--shoal-node-flags='--perf-basic-prof --interpreted-frames-native-stack']
//                        (Node.js flags for every shoal host, for diagnostics; also recorded in "variant")
//
// Layouts: `multi` runs all N nodes in one process per implementation (one
// Node.js process; one Go process); `single` runs one node per process. Hosts:
// bench/memberlist-cluster/node-host.ts (shoal) and interop/memberlist-bench
// (Go); both print every membership change as it happens, stamped with the
// wall-clock time the node saw it, and answer stats requests over stdin.
//
// Scenario, per implementation and layout:
//   1. start N nodes (nothing joined), wait --idle-ms;
//   2. burst join: every node but the seed (node 0) calls join([seed]) at once;
//   3. after convergence (or --converge-timeout-ms, 90 s), wait --settle-ms (and
//      until --steady-not-before-ms after start), then measure a --window-ms quiet window;
//   4. kill K nodes, spread over the cluster, never the seed. multi: the node is
//      shut down abruptly, no leave broadcast (Go: Shutdown(); shoal: shutdown());
//      single: its process gets SIGKILL.
//
// Figures (one JSON object per line; then one "shoal/go" line of ratios per layout):
//   converge_ms         from the moment the join commands are sent until every
//                       node's members() holds all N nodes (the latest time any
//                       node completed its view, all views being complete then).
//   detect_all_dead_ms  from the moment the kills are issued until every
//                       survivor has dropped all K killed nodes from members()
//                       (marked dead or left: Go's and shoal's NotifyLeave).
//   steady_bytes_per_node_s
//                       bytes sent per node per second over the quiet window,
//                       UDP + TCP, counted where Go's memberlist counts
//                       memberlist.udp.sent and memberlist.tcp.sent (whole
//                       packets and stream messages after compression/encryption;
//                       no IP/UDP/TCP headers). Split out as steady_udp_/steady_tcp_.
//   steady_cpu_ms_per_node_s
//                       process CPU time (user + system; process.cpuUsage for
//                       shoal, getrusage(RUSAGE_SELF) for Go) per node per second
//                       over the same window, summed over the implementation's
//                       processes. One-per-process includes each runtime's idle cost.
// Each host's rates use its own elapsed window. The window defaults to one
// scaled push/pull period (local profile, 50 nodes: 15 s × 2 = 30 s) and opens
// no earlier than one unscaled period (15 s) after the last node started, when
// every node's staggered push/pull timer has begun to tick: so each node does
// exactly one push/pull in it, in both implementations (steady_push_pulls).
// Burst diagnostics: join_cpu_ms_per_node (process CPU of all hosts from the
// join commands to the convergence check, per node), join_seed_host_cpu_ms
// (the seed's process alone), join_gc_ms_per_node (shoal's GC pauses in it);
// the log names the last node to converge and how long after anyone first
// listed it that node learned its last member (the epidemic's tail).
// Also reported: steady_push_pulls (push/pulls started in the window, all
// nodes), join_failures (join calls that failed), false_dead_events (leave
// events about nodes never killed), members_check (each node's members()
// count equalled N right after convergence, cross-checking the event-built
// view), loadavg_1m (the machine may be shared: read timings with it),
// shoal_rev (the commit measured, "+dirty" with uncommitted engine changes),
// steady_gc_ms_per_node_s (shoal's main-thread GC pauses within the CPU figure).
// Every wait is bounded; the whole run also stops at a hard deadline (8 min per
// scenario), and host processes are killed when the coordinator exits.
// Tests of the bookkeeping: node scripts/run-tests.mjs bench/memberlist-cluster
// null means the step timed out (--converge-timeout-ms, --detect-timeout-ms).
//
// Targets (issue 5): converge_ms ≤ 2000 in every run; detect_all_dead_ms ≤ Go's;
// steady bytes ≤ Go's; steady CPU ≤ 1.5 × Go's. Figures and findings: docs/memberlist.md,
// "Real sockets: shoal and Go memberlist 0.2.2".
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CONFIG_PROFILES, type ConfigProfile, pushPullScale } from '@shoal/memberlist';
import { killAllHosts } from './memberlist-cluster/host.js';
import { goLauncher, type Impl, type Launcher, shoalLauncher, shoalRevision } from './memberlist-cluster/launch.js';
import { type Layout, runScenario, type ScenarioResult } from './memberlist-cluster/scenario.js';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '50' },
    kill: { type: 'string', default: '5' },
    layout: { type: 'string', default: 'both' },
    impl: { type: 'string', default: 'both' },
    profile: { type: 'string', default: 'local' },
    runs: { type: 'string', default: '1' },
    'idle-ms': { type: 'string', default: '1000' },
    'settle-ms': { type: 'string', default: '5000' },
    'window-ms': { type: 'string' },
    'steady-not-before-ms': { type: 'string' },
    'converge-timeout-ms': { type: 'string', default: '90000' },
    'detect-timeout-ms': { type: 'string', default: '60000' },
    'start-concurrency': { type: 'string', default: '4' },
    'cpu-prof': { type: 'string' },
    'shoal-host-args': { type: 'string', default: '' },
    'shoal-node-flags': { type: 'string', default: '' },
    quiet: { type: 'boolean', default: false },
  },
});

function positiveInt(flag: string, text: string | undefined, min = 1): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${flag} must be an integer ≥ ${min}, got '${text}'`);
  return n;
}

function choice<T extends string>(flag: string, text: string | undefined, options: readonly T[]): T[] {
  if (text === 'both') return [...options];
  if (!options.includes(text as T)) throw new Error(`--${flag} must be ${options.join(', ')} or both, got '${text}'`);
  return [text as T];
}

const nodes = positiveInt('nodes', values.nodes, 2);
const kill = positiveInt('kill', values.kill, 0);
if (kill >= nodes) throw new Error('--kill must be less than --nodes');
const layouts = choice<Layout>('layout', values.layout, ['multi', 'single']);
const impls = choice<Impl>('impl', values.impl, ['shoal', 'go']);
const runs = positiveInt('runs', values.runs);
const log = values.quiet ? (): void => {} : (m: string): void => void process.stderr.write(`# ${m}\n`);

const cpuProfileDir = values['cpu-prof'] === undefined ? undefined : resolve(values['cpu-prof']);
if (cpuProfileDir) mkdirSync(cpuProfileDir, { recursive: true });

// Never leave host processes behind: on exit, on Ctrl-C, and after a hard deadline.
process.on('exit', killAllHosts);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killAllHosts();
    process.exit(130);
  });
}
const SCENARIO_BUDGET_MS = 8 * 60_000;
setTimeout(() => {
  process.stderr.write('memberlist-cluster: hard deadline reached, stopping\n');
  process.exit(1);
}, runs * layouts.length * impls.length * SCENARIO_BUDGET_MS).unref();

const shoalHostArgs = values['shoal-host-args']!.split(/\s+/).filter((a) => a !== '');
const shoalNodeFlags = values['shoal-node-flags']!.split(/\s+/).filter((a) => a !== '');
const variantParts = [...shoalNodeFlags.map((f) => `node ${f}`), ...shoalHostArgs];
const variant = variantParts.length > 0 ? variantParts.join(' ') : undefined;

const shoalRev = shoalRevision();
const launchers = new Map<Impl, Launcher>();
for (const impl of impls) launchers.set(impl, impl === 'shoal' ? await shoalLauncher(shoalHostArgs, shoalNodeFlags) : await goLauncher());

const RATIO_FIELDS = ['converge_ms', 'detect_all_dead_ms', 'steady_bytes_per_node_s', 'steady_cpu_ms_per_node_s'] as const;

function ratios(shoal: ScenarioResult, go: ScenarioResult): Record<string, unknown> {
  const line: Record<string, unknown> = { impl: 'shoal/go', layout: shoal.layout, profile: shoal.profile, nodes, killed: kill, ...(variant ? { variant } : {}) };
  for (const f of RATIO_FIELDS) {
    const s = shoal[f];
    const g = go[f];
    line[f] = s === null || g === null || g === 0 ? null : Number((s / g).toFixed(3));
  }
  return line;
}

if (!(values.profile! in CONFIG_PROFILES)) throw new Error(`--profile must be lan, wan or local, got '${values.profile}'`);
const pushPullMs = CONFIG_PROFILES[values.profile as ConfigProfile]().pushPullIntervalMs;
const timing = {
  idleMs: positiveInt('idle-ms', values['idle-ms'], 0),
  settleMs: positiveInt('settle-ms', values['settle-ms'], 0),
  // One scaled push/pull period, opening once every node's push/pull timer is periodic (see scenario.ts).
  windowMs: values['window-ms'] === undefined ? pushPullScale(pushPullMs, nodes) : positiveInt('window-ms', values['window-ms'], 100),
  steadyNotBeforeMs: values['steady-not-before-ms'] === undefined ? pushPullMs : positiveInt('steady-not-before-ms', values['steady-not-before-ms'], 0),
  convergeTimeoutMs: positiveInt('converge-timeout-ms', values['converge-timeout-ms']),
  detectTimeoutMs: positiveInt('detect-timeout-ms', values['detect-timeout-ms']),
  startConcurrency: positiveInt('start-concurrency', values['start-concurrency']),
};

for (let run = 0; run < runs; run++) {
  for (const layout of layouts) {
    const results = new Map<Impl, ScenarioResult>();
    for (const impl of impls) {
      const launcher = launchers.get(impl)!;
      try {
        const result = await runScenario({ impl, layout, launcher, profile: values.profile!, nodes, kill, ...timing, cpuProfileDir, log });
        results.set(impl, result);
        const extra = impl === 'shoal' ? { shoal_rev: shoalRev, ...(variant ? { variant } : {}) } : {};
        process.stdout.write(`${JSON.stringify({ ...result, ...extra })}\n`);
      } catch (error) {
        const message = (error as Error).message.slice(0, 500);
        process.stdout.write(`${JSON.stringify({ impl, layout, profile: values.profile, nodes, killed: kill, error: message })}\n`);
      }
    }
    const shoal = results.get('shoal');
    const go = results.get('go');
    if (shoal && go) process.stdout.write(`${JSON.stringify(ratios(shoal, go))}\n`);
  }
}
