// The memberlist engine on the deterministic simulator: the scenarios of
// issue 4 at full size. One JSON object per run (the `shoal sim memberlist`
// figures plus cpu_ms).
//
//   node --max-old-space-size=8192 --conditions=source --import tsx bench/memberlist-sim.ts [--quick] [--only NAME,...]
//
// Runs (names for --only):
//   codec      200 members joining, bytes vs frames, same seed: same protocol run, the cost of the codec
//   join-1k    1,000 members joining through one seed (frames), 5 crashed after convergence
//   loss       200 members, 10% datagram loss, 10 virtual minutes: false positives
//   lifeguard  100 members, 10 slow (0.5-2 s handling), 10 minutes, seeds 1-3, Lifeguard on and off
//   10k        10,000 members (frames, warm start), 60 virtual seconds, 10 crashed
// --quick divides sizes and durations by about ten.
import { runScenario, type ScenarioOptions } from '@shoal/memberlist';

const quick = process.argv.includes('--quick');
const onlyArg = process.argv.indexOf('--only');
const only = onlyArg >= 0 ? new Set((process.argv[onlyArg + 1] ?? '').split(',')) : undefined;
const q = (full: number, small: number): number => (quick ? small : full);

async function run(bench: string, options: ScenarioOptions): Promise<void> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const r = await runScenario(options);
  const wall_ms = Math.round(performance.now() - started);
  const used = process.cpuUsage(cpu);
  console.log(JSON.stringify({ bench, ...r, wall_ms, cpu_ms: Math.round((used.user + used.system) / 1000) }));
}

const benches: Record<string, () => Promise<void>> = {
  codec: async () => {
    for (const frames of [false, true]) await run('codec', { nodes: q(200, 50), seed: 1, durationMs: q(30_000, 10_000), frames });
  },
  'join-1k': () => run('join-1k', { nodes: q(1_000, 200), seed: 1, durationMs: q(120_000, 40_000), kill: 5, frames: true }),
  loss: () => run('loss', { nodes: q(200, 40), seed: 1, durationMs: q(600_000, 120_000), loss: 0.1, frames: true }),
  lifeguard: async () => {
    for (const seed of [1, 2, 3]) {
      for (const lifeguard of [true, false]) {
        await run('lifeguard', { nodes: q(100, 40), seed, durationMs: q(600_000, 240_000), slow: q(10, 6), lifeguard, frames: true });
      }
    }
  },
  '10k': () => run('10k', { nodes: q(10_000, 1_000), seed: 1, durationMs: 60_000, kill: 10, frames: true, start: 'warm' }),
};

for (const [name, bench] of Object.entries(benches)) {
  if (only && !only.has(name)) continue;
  await bench();
}
