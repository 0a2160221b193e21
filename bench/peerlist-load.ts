// Simulated load in virtual time: which chooser keeps tail latency down when
// one backend is slow? Run: node --conditions=source --import tsx bench/peerlist-load.ts [--quick] [--seed=N]
// Prints one JSON object per line.
//
// Setup: 10 backends, backend b0 is 10x slower; 1,000 concurrent requests in
// a closed loop (each client sends its next request as soon as the last one
// answers), on @shoal/sim's virtual clock, so the latency a chooser sees is
// what it measures on the list's Clock. Two backend models:
// - "queue": each backend serves 100 requests at a time, FIFO queue beyond
//   that; service times are exponential, mean 10 ms (b0: 100 ms). The 1,000
//   workers match the 1,000 clients, so well-spread load barely queues, but
//   b0 completes only 1 request/ms: a chooser that sends it a tenth of the
//   traffic piles requests up there.
// - "delay": every backend serves any number at once (no queueing); latency is
//   exponential, mean 10 ms (b0: 100 ms). Only the share of requests a chooser
//   sends to b0 matters here.
// Latency is measured from choose to answer. The first 10% of requests warm
// up the choosers and are not counted. "reference: fast backends only" is an
// oracle that never uses b0: its p99 is the floor any chooser can reach, so
// floor_p99 is the best ratio possible in that model.
import { Simulation } from '@shoal/sim';
import { FakeTransport } from '@shoal/peerlist/testing';
import { PeakEwma, PeerList, RoundRobin, TwoRandomChoices, type Chosen, type Implementation } from '@shoal/peerlist';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const seed = Number(args.find((a) => a.startsWith('--seed='))?.slice(7) ?? 1);
const BACKENDS = 10;
const SLOW_FACTOR = 10;
const FAST_MEAN_MS = 10;
const WORKERS = 100;
const CLIENTS = 1000;
const REQUESTS = quick ? 50_000 : 300_000;
const WARMUP = REQUESTS / 10;

type Model = 'queue' | 'delay';

interface Backend {
  readonly meanMs: number;
  busy: number;
  readonly queue: (() => void)[];
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

interface Row {
  p50_ms: number;
  p99_ms: number;
  p999_ms: number;
  mean_ms: number;
  slow_share: number;
  throughput_per_ms: number;
}

function run(model: Model, strategy: string, makeImplementation: (sim: Simulation) => Implementation<unknown>): Row {
  const sim = new Simulation({ seed, maxEventsPerRun: Infinity });
  const rnd = sim.fork();
  const ids = Array.from({ length: BACKENDS }, (_, i) => `b${i}`);
  const backends = new Map<string, Backend>(ids.map((id, i) => [id, { meanMs: FAST_MEAN_MS * (i === 0 ? SLOW_FACTOR : 1), busy: 0, queue: [] }]));
  const list = new PeerList({ transport: new FakeTransport(), implementation: makeImplementation(sim), clock: sim, seed, noShuffle: true });
  list.update({ additions: ids });
  list.start();

  const latencies = new Float64Array(REQUESTS - WARMUP);
  let sent = 0;
  let answered = 0;
  let toSlow = 0;
  let measuredSince = 0;

  const serve = (backend: Backend, done: () => void): void => {
    backend.busy++;
    const serviceMs = -Math.log(1 - rnd.float()) * backend.meanMs;
    sim.after(serviceMs, () => {
      backend.busy--;
      const next = backend.queue.shift();
      if (next !== undefined) serve(backend, next);
      done();
    });
  };

  const send = (): void => {
    if (sent >= REQUESTS) return;
    const n = sent++;
    const chosen = list.tryChoose() as Chosen; // every backend stays available
    const started = sim.now();
    if (n >= WARMUP && chosen.id === 'b0') toSlow++;
    if (n === WARMUP) measuredSince = started;
    const backend = backends.get(chosen.id)!;
    const done = (): void => {
      chosen.onFinish();
      if (n >= WARMUP) latencies[n - WARMUP] = sim.now() - started;
      answered++;
      send();
    };
    if (model === 'delay' || backend.busy < WORKERS) serve(backend, done);
    else backend.queue.push(done);
  };

  for (let c = 0; c < CLIENTS; c++) send();
  sim.runUntilSync(() => answered >= REQUESTS);
  const sorted = latencies.sort();
  const elapsed = sim.now() - measuredSince;
  const row: Row = {
    p50_ms: round(percentile(sorted, 0.5)),
    p99_ms: round(percentile(sorted, 0.99)),
    p999_ms: round(percentile(sorted, 0.999)),
    mean_ms: round(sorted.reduce((a, b) => a + b, 0) / sorted.length),
    slow_share: round(toSlow / sorted.length, 4),
    throughput_per_ms: round((REQUESTS - WARMUP) / elapsed),
  };
  console.log(JSON.stringify({ bench: 'peerlist.load', model, strategy, backends: BACKENDS, slow_factor: SLOW_FACTOR, clients: CLIENTS, requests: REQUESTS - WARMUP, seed, ...row }));
  return row;
}

function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Reference, not a strategy: round robin that never sees b0 (an oracle), i.e. the floor for any chooser here. */
function withoutSlowBackend(): Implementation<unknown> {
  const inner = new RoundRobin();
  return {
    add: (peer) => (peer.id === 'b0' ? undefined : inner.add(peer)),
    remove: (peer, node) => {
      if (node !== undefined) inner.remove(peer, node as never);
    },
    choose: (key) => inner.choose(key),
  };
}

const strategies: Record<string, (sim: Simulation) => Implementation<unknown>> = {
  'round-robin': () => new RoundRobin() as Implementation<unknown>,
  'two-random-choices': () => new TwoRandomChoices({ seed }) as Implementation<unknown>,
  'peak-ewma': (sim) => new PeakEwma({ clock: sim, seed }) as Implementation<unknown>,
  'reference: fast backends only': () => withoutSlowBackend(),
};

for (const model of ['queue', 'delay'] as const) {
  const rows: Record<string, Row> = Object.fromEntries(Object.entries(strategies).map(([name, make]) => [name, run(model, name, make)]));
  const rr = rows['round-robin']!;
  const ratio = (name: string, key: 'p50_ms' | 'p99_ms'): number => round(rows[name]![key] / rr[key], 3);
  console.log(
    JSON.stringify({
      bench: 'peerlist.load.ratios',
      model,
      note: 'latency of the strategy divided by round-robin latency (lower is better)',
      two_choices_p50: ratio('two-random-choices', 'p50_ms'),
      two_choices_p99: ratio('two-random-choices', 'p99_ms'),
      peak_ewma_p50: ratio('peak-ewma', 'p50_ms'),
      peak_ewma_p99: ratio('peak-ewma', 'p99_ms'),
      floor_p99: ratio('reference: fast backends only', 'p99_ms'),
      target_peak_ewma_p99_at_most: 0.2,
    }),
  );
}
