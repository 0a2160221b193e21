// Simulator throughput. Run: node --conditions=source --import tsx bench/sim.ts [--quick]
// Prints one JSON object per result line.
import { sleep, seededRandom } from '@shoal/kit';
import { SimNetwork, Simulation, logNormalLatency } from '@shoal/sim';

const quick = process.argv.includes('--quick');
const scale = quick ? 0.1 : 1;

let cpuMark = process.cpuUsage();

/** Starts a measurement: the wall clock is returned, CPU time is remembered for `report`. */
function start(): number {
  cpuMark = process.cpuUsage();
  return performance.now();
}

/**
 * One result line. events_per_s is per wall second; events_per_cpu_s per second
 * of this process's CPU time, which is steadier when other work shares the cores.
 */
function report(bench: string, events: number, wallMs: number, extra: Record<string, unknown> = {}): void {
  const cpu = process.cpuUsage(cpuMark);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  console.log(
    JSON.stringify({
      bench,
      events,
      wall_ms: Math.round(wallMs),
      events_per_s: Math.round((events / wallMs) * 1000),
      cpu_ms: Math.round(cpuMs),
      events_per_cpu_s: Math.round((events / cpuMs) * 1000),
      ...extra,
    }),
  );
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
  const t0 = start();
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
  const t0 = start();
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
  const t0 = start();
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
  const t0 = start();
  await sim.run();
  await Promise.all(workers);
  report('sim.async-await', sim.stats.eventsRun, performance.now() - t0, { coroutines, mode: 'async', detection, drains: sim.stats.drains });
}

/**
 * A memberlist-like packet workload: every node gossips to 3 random peers every
 * 200 ms and probes one peer every second (which acks), over lossy log-normal links.
 */
function packetWorkload(nodeCount: number, virtualMs: number): void {
  const sim = new Simulation({ seed: 9, maxEventsPerRun: Infinity });
  const net = new SimNetwork(sim, { link: { latency: logNormalLatency(1, 0.5, 0.1), loss: 0.01 } });
  const nodes = Array.from({ length: nodeCount }, () => net.addNode());
  const addresses = nodes.map((n) => n.address(7946));
  const gossip = new Uint8Array(120);
  const ack = new Uint8Array([2, 0, 0, 0, 1]);
  for (const node of nodes) {
    const socket = node.bindPacket(7946, (packet) => {
      if (packet.data[0] === 1) socket.send(ack, packet.from);
    });
    const rnd = node.random;
    node.clock.after(rnd.float() * 200, () => {
      node.clock.every(200, () => {
        for (let i = 0; i < 3; i++) socket.send(gossip, addresses[rnd.int(nodeCount)]!);
      });
    });
    node.clock.after(rnd.float() * 1000, () => {
      node.clock.every(1000, () => socket.send(new Uint8Array([1, 0, 0, 0, 1, 2, 3]), addresses[rnd.int(nodeCount)]!));
    });
  }
  const t0 = start();
  sim.runForSync(virtualMs);
  const wallMs = performance.now() - t0;
  report('sim.network-packets', sim.stats.eventsRun, wallMs, {
    nodes: nodeCount,
    virtual_s: virtualMs / 1000,
    packets_sent: net.stats.packetsSent,
    packets_per_s: Math.round((net.stats.packetsSent / wallMs) * 1000),
    virtual_s_per_wall_s: Number((virtualMs / wallMs).toFixed(2)),
  });
}

schedulerHold(10_000, Math.round(5_000_000 * scale));
clockTimers(10_000, Math.round(2_000_000 * scale));
await asyncCallbacks(10_000, Math.round(2_000_000 * scale));
await asyncAwait('promise-hooks', 1_000, Math.round(300_000 * scale));
await asyncAwait('always', 1_000, Math.round(300_000 * scale));
packetWorkload(1_000, Math.round(30_000 * scale));
packetWorkload(10_000, Math.round(10_000 * scale));
