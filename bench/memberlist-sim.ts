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
//   lifeguard  40 members, 6 slow (0.5-2 s handling), 4 minutes, seeds 1-10, Lifeguard on and off, then totals
//   10k        10,000 members (frames, warm start), 60 virtual seconds, 10 crashed
// --quick divides sizes and durations by about ten.
import { runScenario, type ScenarioOptions } from '@shoal/memberlist/sim';

const quick = process.argv.includes('--quick');
const onlyArg = process.argv.indexOf('--only');
const only = onlyArg >= 0 ? new Set((process.argv[onlyArg + 1] ?? '').split(',')) : undefined;
const q = (full: number, small: number): number => (quick ? small : full);

async function run(bench: string, options: ScenarioOptions): Promise<Awaited<ReturnType<typeof runScenario>>> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const r = await runScenario(options);
  const wall_ms = Math.round(performance.now() - started);
  const used = process.cpuUsage(cpu);
  console.log(JSON.stringify({ bench, ...r, wall_ms, cpu_ms: Math.round((used.user + used.system) / 1000) }));
  return r;
}

const benches: Record<string, () => Promise<void>> = {
  codec: async () => {
    for (const frames of [false, true]) await run('codec', { nodes: q(200, 50), seed: 1, durationMs: q(30_000, 10_000), frames });
  },
  'join-1k': async () => void (await run('join-1k', { nodes: q(1_000, 200), seed: 1, durationMs: q(120_000, 40_000), kill: 5, frames: true })),
  loss: async () => void (await run('loss', { nodes: q(200, 40), seed: 1, durationMs: q(600_000, 120_000), loss: 0.1, frames: true })),
  lifeguard: async () => {
    const total = { on: 0, off: 0, on_slow: 0, off_slow: 0 };
    for (let seed = 1; seed <= q(10, 3); seed++) {
      for (const lifeguard of [true, false]) {
        const r = await run('lifeguard', { nodes: 40, seed, durationMs: 240_000, slow: 6, lifeguard, frames: true });
        total[lifeguard ? 'on' : 'off'] += r.false_positives;
        total[lifeguard ? 'on_slow' : 'off_slow'] += r.false_positives_slow;
      }
    }
    console.log(JSON.stringify({ bench: 'lifeguard-total', seeds: q(10, 3), ...total, ratio: total.off / Math.max(1, total.on) }));
  },
  '10k': async () => void (await run('10k', { nodes: q(10_000, 1_000), seed: 1, durationMs: 60_000, kill: 10, frames: true, start: 'warm' })),
};

for (const [name, bench] of Object.entries(benches)) {
  if (only && !only.has(name)) continue;
  await bench();
}
