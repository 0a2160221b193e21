// Hosts one or more shoal memberlist nodes for bench/memberlist-cluster.ts.
// Same line protocol as the Go host (interop/memberlist-bench/main.go), so the
// coordinator drives both implementations alike:
//
//   args:     --name PREFIX --first I --nodes M --bind HOST --profile lan|wan|local
//   stdout:   {"event":"ready","nodes":[{name,addr}]}, {"event":"join"|"leave","self","node","t"},
//             {"event":"joined","ok","failed","errors","t"}, {"event":"stats","udp_sent","tcp_sent","push_pulls","cpu_ms","gc_ms","t"},
//             {"event":"members","counts":{name:n}}, {"event":"killed","names","t"}
//   stdin:    join ADDR | stats | members | kill NAME,... | exit   (closing stdin = exit)
//             prof-start | prof-stop PATH   (V8 CPU profile of this process, written to PATH;
//                                            replies {"event":"profiled","path"})
//
// "t" is wall-clock epoch ms with a fraction. Bytes are counted where Go's
// memberlist counts them (memberlist.udp.sent / memberlist.tcp.sent emitted
// by the engine, after compression and encryption); the transport gets a
// sink of its own because it also reports memberlist.udp.sent, which would
// otherwise be counted twice.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { type Metrics } from '@shoal/kit';
import { CONFIG_PROFILES, type Config, type ConfigProfile, createNetMemberlist, ipPortString, type Memberlist } from '@shoal/memberlist';

const wallMs = (): number => performance.timeOrigin + performance.now();

/** Batches output lines; the first buffered line schedules a flush, so an idle host pays nothing. */
class Output {
  #lines: string[] = [];
  #timer: NodeJS.Timeout | undefined;

  emit(obj: Record<string, unknown>): void {
    this.#lines.push(JSON.stringify(obj));
    this.#timer ??= setTimeout(() => this.flush(), 10);
  }

  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#lines.length === 0) return;
    process.stdout.write(`${this.#lines.join('\n')}\n`);
    this.#lines = [];
  }
}

/** Counts the two byte counters Go reports, and push/pulls started (memberlist.tcp.connect); drops the rest. */
class ByteCounter implements Metrics {
  udpSent = 0;
  tcpSent = 0;
  pushPulls = 0;
  incrCounter(name: string, value = 1): void {
    if (name === 'memberlist.udp.sent') this.udpSent += value;
    else if (name === 'memberlist.tcp.sent') this.tcpSent += value;
    else if (name === 'memberlist.tcp.connect') this.pushPulls += value;
  }
  setGauge(): void {}
  addTiming(): void {}
}

interface HostedNode {
  name: string;
  addr: string;
  list: Memberlist;
  killed: boolean;
}

const { values } = parseArgs({
  options: {
    name: { type: 'string', default: 'shoal' },
    first: { type: 'string', default: '0' },
    nodes: { type: 'string', default: '1' },
    bind: { type: 'string', default: '127.0.0.1' },
    profile: { type: 'string', default: 'local' },
    // Experiments only (the benchmark's figures use the engine defaults): engine settings
    // beyond Go, e.g. --join-timeout-mult 1 --join-sync-ms '' --join-settle-ms 0
    // --dead-retransmit-factor 1 to see Go's behaviour.
    'join-sync-ms': { type: 'string' },
    'join-settle-ms': { type: 'string' },
    'dead-retransmit-factor': { type: 'string' },
    'join-timeout-mult': { type: 'string' },
    'tcp-timeout-ms': { type: 'string' },
  },
});
if (!(values.profile! in CONFIG_PROFILES)) throw new Error(`unknown profile '${values.profile}'`);
const profile = CONFIG_PROFILES[values.profile as ConfigProfile];
const out = new Output();
// Main-thread GC pause time, to tell collector noise from protocol work in the CPU figures.
let gcMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
}).observe({ entryTypes: ['gc'] });
const bytes = new ByteCounter();
const nodes: HostedNode[] = [];

for (let i = 0; i < Number(values.nodes); i++) {
  const name = `${values.name}-${Number(values.first) + i}`;
  const list = await createNetMemberlist(
    profile({
      name,
      bindAddr: values.bind!,
      bindPort: 0,
      metrics: bytes,
      ...engineOverrides(),
      events: {
        notifyJoin: (n) => out.emit({ event: 'join', self: name, node: n.name, t: wallMs() }),
        notifyLeave: (n) => out.emit({ event: 'leave', self: name, node: n.name, t: wallMs() }),
        notifyUpdate: () => {},
      },
    }),
  );
  const local = list.localNode();
  nodes.push({ name, addr: ipPortString(local.addr, local.port), list, killed: false });
}
out.emit({ event: 'ready', nodes: nodes.map(({ name, addr }) => ({ name, addr })) });
out.flush();

type Overridable = 'joinSyncDelaysMs' | 'joinSettleSyncMs' | 'joinTimeoutMult' | 'tcpTimeoutMs' | 'deadRetransmitFactor';

function engineOverrides(): Partial<Pick<Config, Overridable>> {
  const overrides: Partial<Pick<Config, Overridable>> = {};
  const sync = values['join-sync-ms'];
  if (sync !== undefined) overrides.joinSyncDelaysMs = sync.split(',').filter((x) => x !== '').map(Number);
  if (values['join-settle-ms'] !== undefined) overrides.joinSettleSyncMs = Number(values['join-settle-ms']);
  if (values['dead-retransmit-factor'] !== undefined) overrides.deadRetransmitFactor = Number(values['dead-retransmit-factor']);
  if (values['join-timeout-mult'] !== undefined) overrides.joinTimeoutMult = Number(values['join-timeout-mult']);
  if (values['tcp-timeout-ms'] !== undefined) overrides.tcpTimeoutMs = Number(values['tcp-timeout-ms']);
  return overrides;
}

async function joinOne(list: Memberlist, seed: string): Promise<void> {
  await list.join([seed]);
}

async function joinAll(seed: string): Promise<void> {
  const errors: string[] = [];
  const results = await Promise.allSettled(nodes.filter((n) => n.addr !== seed).map((n) => joinOne(n.list, seed)));
  for (const r of results) if (r.status === 'rejected') errors.push((r.reason as Error).message);
  out.emit({ event: 'joined', ok: results.length - errors.length, failed: errors.length, errors, t: wallMs() });
}

let profiler: Session | undefined;

async function startProfile(): Promise<void> {
  profiler ??= new Session();
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.start');
}

async function stopProfile(path: string): Promise<void> {
  if (!profiler) throw new Error('prof-stop without prof-start');
  const { profile } = await profiler.post('Profiler.stop');
  profiler.disconnect();
  writeFileSync(path, JSON.stringify(profile));
  out.emit({ event: 'profiled', path });
  out.flush();
}

async function shutdownAll(): Promise<void> {
  await Promise.all(nodes.filter((n) => !n.killed).map((n) => n.list.shutdown()));
  out.flush();
}

function handle(args: string[]): boolean {
  switch (args[0]) {
    case undefined:
      break;
    case 'join':
      if (!args[1]) throw new Error('join needs an address');
      void joinAll(args[1]);
      break;
    case 'stats': {
      const cpu = process.cpuUsage();
      out.emit({ event: 'stats', udp_sent: bytes.udpSent, tcp_sent: bytes.tcpSent, push_pulls: bytes.pushPulls, cpu_ms: (cpu.user + cpu.system) / 1000, gc_ms: gcMs, t: wallMs() });
      break;
    }
    case 'members':
      out.emit({ event: 'members', counts: Object.fromEntries(nodes.filter((n) => !n.killed).map((n) => [n.name, n.list.numMembers()])) });
      break;
    case 'kill': {
      const names = new Set((args[1] ?? '').split(',').filter((s) => s !== ''));
      for (const n of nodes) {
        if (names.has(n.name) && !n.killed) {
          n.killed = true;
          void n.list.shutdown();
        }
      }
      out.emit({ event: 'killed', names: [...names], t: wallMs() });
      break;
    }
    case 'prof-start':
      void startProfile();
      break;
    case 'prof-stop':
      if (!args[1]) throw new Error('prof-stop needs a path');
      void stopProfile(args[1]);
      break;
    case 'exit':
      return false;
    default:
      throw new Error(`unknown command '${args[0]}'`);
  }
  out.flush();
  return true;
}

const lines = createInterface({ input: process.stdin });
let exiting = false;
const exit = (): void => {
  if (exiting) return;
  exiting = true;
  lines.close();
  void shutdownAll().then(() => process.exit(0));
};
lines.on('line', (line) => {
  if (!handle(line.trim().split(/\s+/).filter((s) => s !== ''))) exit();
});
lines.on('close', exit);
