// Peer list choose + onFinish cost, per strategy and list size.
// Run: node --conditions=source --import tsx bench/peerlist.ts [maxPeers] [--quick]
//   maxPeers limits the sizes (10, 1000, 100000); --quick runs fewer iterations.
// Prints one JSON object per line.
//
// ns_per_op: the best of several runs of a tight loop, in CPU time of this
// process (process.cpuUsage), which stays meaningful when other work shares
// the cores; wall_ns_per_op is the same from the wall clock. Each iteration is
// one synchronous `choose()` plus one `onFinish()` (with `outstanding` > 1,
// the finish is for a random one of that many requests held open, so pending
// counts vary). The loop harness itself is included (~10 ns).
// bytes_per_op: V8 heap growth (process.memoryUsage().heapUsed) over a
// 220k-iteration loop minus that over a 20k one, divided by the 200k
// difference, after a forced full GC. The script runs each strategy in a child
// process with --expose-gc and a 64 MB young generation
// (--min/--max-semi-space-size) so the loop fits without a GC;
// gc_during_alloc_measure says whether one ran anyway (then the figure is
// unreliable). 0 means the synchronous path allocates nothing per operation.
// On Node 20 every performance.now() allocates ~32 B, so a strategy that
// measures latency on the real clock (two reads per request) shows 64 B/op;
// the virtual-clock row isolates the strategy's own cost.
import { spawnSync } from 'node:child_process';
import { PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { ManualClock, realClock } from '@shoal/kit';
import { FakeTransport } from '@shoal/peerlist/testing';
import {
  FewestPending,
  HashRing,
  OutlierEjection,
  PeakEwma,
  PeerList,
  PendingHeap,
  RandomPeer,
  RoundRobin,
  TwoRandomChoices,
  type Chosen,
  type Implementation,
  type PeerListOptions,
  type TransportPeer,
} from '@shoal/peerlist';

const args = process.argv.slice(2);
const childStrategy = process.env['PEERLIST_BENCH_STRATEGY'];
const quick = args.includes('--quick');
const maxPeers = Number(args.find((a) => /^\d+$/.test(a)) ?? Infinity);
const SIZES = [10, 1_000, 100_000].filter((n) => n <= maxPeers);
const OUTSTANDING = [1, 1024];
const RUNS = quick ? 3 : 5;

const manualClock = new ManualClock();

interface Strategy {
  name: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  make(): Implementation<any>;
  options?: Partial<PeerListOptions<TransportPeer>>;
  keyed?: boolean;
  /** Marks this share of peers unavailable before measuring. */
  downShare?: number;
}

const STRATEGIES: Strategy[] = [
  { name: 'round-robin', make: () => new RoundRobin() },
  { name: 'random', make: () => new RandomPeer({ seed: 1 }) },
  { name: 'two-random-choices', make: () => new TwoRandomChoices({ seed: 1 }) },
  { name: 'fewest-pending-heap', make: () => new PendingHeap({ seed: 1 }) },
  { name: 'fewest-pending-buckets', make: () => new FewestPending() },
  { name: 'hash-ring(100 vnodes, keyed)', make: () => new HashRing({ seed: 1, replicas: 100 }), keyed: true },
  { name: 'peak-ewma(real clock)', make: () => new PeakEwma({ clock: realClock, seed: 1 }) },
  { name: 'peak-ewma(virtual clock)', make: () => new PeakEwma({ clock: manualClock, seed: 1 }), options: { clock: manualClock } },
  { name: 'outlier-ejection(round-robin)', make: () => new OutlierEjection(new RoundRobin(), { clock: realClock }) },
  { name: 'panic-threshold(round-robin), healthy', make: () => new RoundRobin(), options: { panicThreshold: 0.5 } },
  { name: 'panic-threshold(round-robin), panicking', make: () => new RoundRobin(), options: { panicThreshold: 0.5 }, downShare: 0.6 },
];

// Each strategy runs in a fresh process: in one process the list's call into
// its strategy would turn megamorphic after a few strategies and slow every
// later one, which no real program (one strategy per list) would see.
if (childStrategy === undefined) {
  const flags = ['--expose-gc', '--min-semi-space-size=64', '--max-semi-space-size=64'];
  for (const strategy of STRATEGIES) {
    const child = spawnSync(process.execPath, [...process.execArgv, ...flags, fileURLToPath(import.meta.url), ...args], {
      stdio: 'inherit',
      env: { ...process.env, PEERLIST_BENCH_STRATEGY: strategy.name },
    });
    if (child.status !== 0) process.exit(child.status ?? 1);
  }
  process.exit(0);
}
const gc = (globalThis as { gc?: () => void }).gc!;

// Precomputed so the harness itself does no arithmetic that could box.
const SLOTS = Uint16Array.from({ length: 4096 }, (_, i) => (Math.imul(i + 1, 0x9e3779b1) >>> 7) & 0xffff);
const KEYS = Array.from({ length: 4096 }, (_, i) => ({ key: `user:${i * 7919}` }));

function build(strategy: Strategy, peers: number): { list: PeerList<TransportPeer>; setupMs: number } {
  const t0 = performance.now();
  const transport = new FakeTransport();
  const list = new PeerList<TransportPeer>({ transport, implementation: strategy.make(), seed: 1, noShuffle: true, capacity: 2048, ...strategy.options });
  list.update({ additions: Array.from({ length: peers }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:4040`) });
  list.start();
  if (strategy.downShare !== undefined) {
    for (const p of list.peers().slice(0, Math.floor(peers * strategy.downShare))) transport.simulateDisconnect(p.id);
  }
  // First choose of a hash ring builds it; count that as setup.
  const first = list.choose(KEYS[0]);
  if (first instanceof Promise) throw new Error('expected a synchronous choose');
  first.onFinish();
  return { list, setupMs: performance.now() - t0 };
}

/** The measured loop. `held` is a ring of outstanding requests. */
function loop(list: PeerList<TransportPeer>, iterations: number, held: (Chosen | undefined)[], keyed: boolean): number {
  const mask = held.length - 1;
  let sink = 0;
  for (let i = 0; i < iterations; i++) {
    const chosen = list.choose(keyed ? KEYS[i & 4095] : undefined);
    if (chosen instanceof Promise) throw new Error('expected a synchronous choose');
    sink += chosen.id.length;
    if (mask === 0) {
      chosen.onFinish();
    } else {
      const slot = SLOTS[i & 4095]! & mask;
      held[slot]?.onFinish();
      held[slot] = chosen;
    }
  }
  return sink;
}

let gcCount = 0;
new PerformanceObserver((entries) => {
  gcCount += entries.getEntries().length;
}).observe({ entryTypes: ['gc'] });
// GC entries reach observers a turn or two after the GC.
const flushObservers = async (): Promise<void> => {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
};

async function measure(strategy: Strategy, peers: number, outstanding: number): Promise<void> {
  const { list, setupMs } = build(strategy, peers);
  const held = new Array<Chosen | undefined>(outstanding).fill(undefined);
  const keyed = strategy.keyed === true;
  const iterations = Math.round((quick ? 200_000 : 1_000_000) / (peers >= 100_000 ? 2 : 1));
  loop(list, Math.min(iterations, 200_000), held, keyed); // warm up, fill the outstanding ring
  let best = Infinity;
  let bestWall = Infinity;
  for (let r = 0; r < RUNS; r++) {
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    loop(list, iterations, held, keyed);
    const wallNs = Number(process.hrtime.bigint() - t0);
    const cpu = process.cpuUsage(cpu0);
    best = Math.min(best, ((cpu.user + cpu.system) * 1000) / iterations);
    bestWall = Math.min(bestWall, wallNs / iterations);
  }
  // Allocation: heap growth of a long loop minus that of a short one, so fixed
  // costs (the measuring calls themselves, JIT feedback) cancel out.
  const heapGrowth = (n: number): number => {
    const before = process.memoryUsage().heapUsed;
    loop(list, n, held, keyed);
    return process.memoryUsage().heapUsed - before;
  };
  const SHORT = 20_000;
  const LONG = 220_000;
  gc();
  await flushObservers();
  const gcBefore = gcCount;
  const shortGrowth = heapGrowth(SHORT);
  const longGrowth = heapGrowth(LONG);
  await flushObservers();
  const bytesPerOp = Math.max(0, (longGrowth - shortGrowth) / (LONG - SHORT));
  for (const c of held) c?.onFinish();
  console.log(
    JSON.stringify({
      bench: 'peerlist.choose+finish',
      strategy: strategy.name,
      peers,
      outstanding,
      ns_per_op: Math.round(best * 10) / 10,
      wall_ns_per_op: Math.round(bestWall * 10) / 10,
      bytes_per_op: Math.round(bytesPerOp * 100) / 100,
      gc_during_alloc_measure: gcCount !== gcBefore,
      iterations,
      runs: RUNS,
      setup_ms: Math.round(setupMs),
      node: process.version,
    }),
  );
}

const strategy = STRATEGIES.find((s) => s.name === childStrategy)!;
for (const peers of SIZES) {
  for (const outstanding of OUTSTANDING) await measure(strategy, peers, outstanding);
}
