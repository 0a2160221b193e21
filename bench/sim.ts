// Simulator throughput. Run: node --conditions=source --import tsx bench/sim.ts [--quick]
// Prints one JSON object per result line.
import { sleep, seededRandom } from '@shoal/kit';
import { Simulation } from '@shoal/sim';

const quick = process.argv.includes('--quick');
const scale = quick ? 0.1 : 1;

function report(bench: string, events: number, wallMs: number, extra: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ bench, events, wall_ms: Math.round(wallMs), events_per_s: Math.round((events / wallMs) * 1000), ...extra }));
}

/** Hold model: a steady population of pending events; each one schedules a successor at a random delay. */
function schedulerHold(population: number, total: number): void {
  const sim = new Simulation({ seed: 1, maxEventsPerRun: Infinity });
  const rnd = seededRandom(2);
  let left = total - population;
  const step = (): void => {
    if (left-- > 0) sim.scheduleAt(sim.now() + rnd.float() * 100, step, undefined);
  };
  for (let i = 0; i < population; i++) sim.scheduleAt(rnd.float() * 100, step, undefined);
  const t0 = performance.now();
  sim.runSync();
  report('sim.scheduler', sim.stats.eventsRun, performance.now() - t0, { population, mode: 'sync', api: 'scheduleAt' });
}

/** Clock timers (Timer objects), with a fifth of them cancelled and re-armed, as protocol timeouts are. */
function clockTimers(population: number, total: number): void {
  const sim = new Simulation({ seed: 3, maxEventsPerRun: Infinity });
  const rnd = seededRandom(4);
  let left = total - population;
  const step = (): void => {
    if (left-- <= 0) return;
    const timer = sim.after(rnd.float() * 100, step);
    if (rnd.chance(0.2)) {
      timer.cancel();
      sim.after(rnd.float() * 100, step);
    }
  };
  for (let i = 0; i < population; i++) sim.after(rnd.float() * 100, step);
  const t0 = performance.now();
  sim.runSync();
  report('sim.timers', sim.stats.eventsRun, performance.now() - t0, { population, mode: 'sync', api: 'after', cancelled_fraction: 0.2 });
}

/** The same hold model under the async run loop: callbacks only, so no drains should be needed. */
async function asyncCallbacks(population: number, total: number): Promise<void> {
  const sim = new Simulation({ seed: 5, maxEventsPerRun: Infinity });
  const rnd = seededRandom(6);
  let left = total - population;
  const step = (): void => {
    if (left-- > 0) sim.scheduleAt(sim.now() + rnd.float() * 100, step, undefined);
  };
  for (let i = 0; i < population; i++) sim.scheduleAt(rnd.float() * 100, step, undefined);
  const t0 = performance.now();
  await sim.run();
  report('sim.async-callbacks', sim.stats.eventsRun, performance.now() - t0, { population, mode: 'async', drains: sim.stats.drains });
}

/** Coroutines awaiting sleeps: every event resumes a continuation, so the loop drains before each time advance. */
async function asyncAwait(detection: 'promise-hooks' | 'always', coroutines: number, total: number): Promise<void> {
  const sim = new Simulation({ seed: 7, asyncDetection: detection, maxEventsPerRun: Infinity });
  const rnd = seededRandom(8);
  let left = total;
  const worker = async (): Promise<void> => {
    while (left-- > 0) await sleep(sim, rnd.float() * 100);
  };
  const workers = Array.from({ length: coroutines }, worker);
  const t0 = performance.now();
  await sim.run();
  await Promise.all(workers);
  report('sim.async-await', sim.stats.eventsRun, performance.now() - t0, { coroutines, mode: 'async', detection, drains: sim.stats.drains });
}

schedulerHold(10_000, Math.round(5_000_000 * scale));
clockTimers(10_000, Math.round(2_000_000 * scale));
await asyncCallbacks(10_000, Math.round(2_000_000 * scale));
await asyncAwait('promise-hooks', 1_000, Math.round(300_000 * scale));
await asyncAwait('always', 1_000, Math.round(300_000 * scale));
