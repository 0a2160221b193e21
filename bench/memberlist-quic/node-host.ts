// One memberlist node in a process of its own, over QUIC or over the
// NetTransport, for the per-process layout of bench/memberlist-quic/cluster.ts.
// It speaks the line protocol of bench/memberlist-cluster/host.ts (Host
// drives it):
//
//   args:    --transport net|quic --name NAME --bind HOST
//            [--ca FILE --cert FILE --key FILE]   (quic: PEM files)
//   stdout:  {"event":"ready","nodes":[{name,addr}]},
//            {"event":"join"|"leave","self","node","t"}   (every membership change, as it happens),
//            {"event":"joined","ok","failed","errors","t"}, {"event":"stats","cpu_ms","t"[,"quic"]}
//            ("quic": the transport's counters, quic-counters.ts)
//   stdin:   join ADDR | stats | exit   (closing stdin = exit)
//
// "t" is wall-clock epoch ms with a fraction, comparable across the host
// processes of one machine. The coordinator kills a node with SIGKILL.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { InMemoryMetrics, RealClock } from '@shoal/kit';
import { createNetMemberlist, defaultLocalConfig, type EventDelegate, Memberlist } from '@shoal/memberlist';
import { QuicTransport } from '@shoal/memberlist-quic';
import { quicNodeCounters } from './quic-counters.js';

const wallMs = (): number => performance.timeOrigin + performance.now();

const { values } = parseArgs({
  options: {
    transport: { type: 'string', default: 'net' },
    name: { type: 'string', default: 'node' },
    bind: { type: 'string', default: '127.0.0.1' },
    ca: { type: 'string' },
    cert: { type: 'string' },
    key: { type: 'string' },
  },
});
const name = values.name!;

/** Batches output lines (a burst join makes many): the first buffered line schedules a flush. */
let lines: string[] = [];
let flushTimer: NodeJS.Timeout | undefined;
function flush(): void {
  if (flushTimer) clearTimeout(flushTimer);
  flushTimer = undefined;
  if (lines.length === 0) return;
  process.stdout.write(`${lines.join('\n')}\n`);
  lines = [];
}
function emit(obj: Record<string, unknown>): void {
  lines.push(JSON.stringify(obj));
  flushTimer ??= setTimeout(flush, 10);
}

const events: EventDelegate = {
  notifyJoin: (n) => emit({ event: 'join', self: name, node: n.name, t: wallMs() }),
  notifyLeave: (n) => emit({ event: 'leave', self: name, node: n.name, t: wallMs() }),
  notifyUpdate: () => {},
};
const clock = new RealClock();
const base = { name, bindAddr: values.bind!, clock, events };

let list: Memberlist;
let addr: string;
let quicMetrics: InMemoryMetrics | undefined;
if (values.transport === 'quic') {
  if (!values.ca || !values.cert || !values.key) throw new Error('--transport quic needs --ca, --cert and --key');
  const transport = await QuicTransport.create({
    bindAddr: values.bind!,
    bindPort: 0,
    tls: { caPem: readFileSync(values.ca, 'utf8'), certPem: readFileSync(values.cert, 'utf8'), keyPem: readFileSync(values.key, 'utf8') },
    clock,
    metrics: (quicMetrics = new InMemoryMetrics()),
  });
  list = await Memberlist.create(defaultLocalConfig({ ...base, bindPort: transport.port, advertisePort: transport.port, transport }));
  addr = `${values.bind}:${transport.port}`;
} else if (values.transport === 'net') {
  list = await createNetMemberlist(defaultLocalConfig({ ...base, bindPort: 0 }));
  addr = `${values.bind}:${list.localNode().port}`;
} else {
  throw new Error(`unknown --transport '${values.transport}'`);
}
emit({ event: 'ready', nodes: [{ name, addr }] });
flush();

async function join(seed: string): Promise<void> {
  try {
    await list.join([seed]);
    emit({ event: 'joined', ok: 1, failed: 0, errors: [], t: wallMs() });
  } catch (error) {
    emit({ event: 'joined', ok: 0, failed: 1, errors: [(error as Error).message], t: wallMs() });
  }
}

const input = createInterface({ input: process.stdin });
let exiting = false;
const exit = (): void => {
  if (exiting) return;
  exiting = true;
  input.close();
  void list.shutdown().then(() => {
    flush();
    process.exit(0);
  });
};
input.on('line', (line) => {
  const [command, arg] = line.trim().split(/\s+/);
  switch (command) {
    case 'join':
      if (arg) void join(arg);
      break;
    case 'stats': {
      const cpu = process.cpuUsage();
      emit({ event: 'stats', cpu_ms: (cpu.user + cpu.system) / 1000, t: wallMs(), ...(quicMetrics ? { quic: quicNodeCounters(quicMetrics) } : {}) });
      flush();
      break;
    }
    case 'exit':
      exit();
      break;
    default:
      break;
  }
});
input.on('close', exit);
