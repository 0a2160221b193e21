// One memberlist node in a process of its own, over QUIC or over the
// NetTransport, for the per-process layout of bench/memberlist-quic/cluster.ts.
// It speaks the line protocol of bench/memberlist-cluster/host.ts (Host
// drives it):
//
//   args:    --transport net|quic --name NAME --bind HOST
//            [--ca FILE --cert FILE --key FILE]   (quic: PEM files)
//            [--warm-up]   (first a throwaway two-node cluster in this process, see below)
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
    'warm-up': { type: 'boolean', default: false },
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

const tls =
  values.transport === 'quic'
    ? values.ca && values.cert && values.key
      ? { caPem: readFileSync(values.ca, 'utf8'), certPem: readFileSync(values.cert, 'utf8'), keyPem: readFileSync(values.key, 'utf8') }
      : undefined
    : undefined;
if (values.transport === 'quic' && tls === undefined) throw new Error('--transport quic needs --ca, --cert and --key');
if (values.transport !== 'quic' && values.transport !== 'net') throw new Error(`unknown --transport '${values.transport}'`);

/** A node of this host's transport on a free port. */
async function startList(nodeName: string, nodeEvents: EventDelegate | undefined, metrics?: InMemoryMetrics): Promise<{ list: Memberlist; addr: string }> {
  const cfg = { name: nodeName, bindAddr: values.bind!, clock, events: nodeEvents };
  if (tls !== undefined) {
    const transport = await QuicTransport.create({ bindAddr: values.bind!, bindPort: 0, tls, clock, ...(metrics ? { metrics } : {}) });
    const node = await Memberlist.create(defaultLocalConfig({ ...cfg, bindPort: transport.port, advertisePort: transport.port, transport }));
    return { list: node, addr: `${values.bind}:${transport.port}` };
  }
  const node = await createNetMemberlist(defaultLocalConfig({ ...cfg, bindPort: 0 }));
  return { list: node, addr: `${values.bind}:${node.localNode().port}` };
}

// --warm-up: a throwaway two-node cluster of the same transport joins and shuts
// down first, so that the burst join runs code this runtime has already
// compiled (a diagnostic of how much of the join's CPU is first-call cost).
if (values['warm-up']) {
  const [a, b] = [await startList(`${name}-warm-a`, undefined), await startList(`${name}-warm-b`, undefined)];
  await b.list.join([a.addr]);
  await new Promise((r) => setTimeout(r, 300)); // a few gossip rounds: the datagram path too
  await Promise.all([a.list.shutdown(), b.list.shutdown()]);
}

const quicMetrics = tls !== undefined ? new InMemoryMetrics() : undefined;
const { list, addr } = await startList(name, events, quicMetrics);
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
