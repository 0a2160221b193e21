// One shoal memberlist node in its own process, for bench/memberlist-hostile.ts
// and bench/memberlist-soak.ts. Uses only the public API, so it runs against
// older builds too (the "before" figures).
//
//   args:    --name N [--key HEX] [--join ADDR] [--chatty-ms MS] [--tcp-timeout-ms MS] [--frame-budget-mib N]
//   stdout:  {"event":"ready","addr"}, {"event":"leave","node"}, {"event":"stats","rss","cpu_ms","fds","received"}
//   stdin:   stats | exit   (closing stdin = exit)
// --chatty-ms: every MS, a reliable user message (1 KB) to every other member.
import { readdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createNetMemberlist, defaultLocalConfig, ipPortString } from '@shoal/memberlist';

const { values } = parseArgs({ options: { name: { type: 'string' }, key: { type: 'string' }, join: { type: 'string' }, 'chatty-ms': { type: 'string' }, 'tcp-timeout-ms': { type: 'string' }, 'frame-budget-mib': { type: 'string' } } });
const emit = (o: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(o)}\n`);
let received = 0;
const list = await createNetMemberlist(
  defaultLocalConfig({
    name: values.name ?? 'node',
    bindAddr: '127.0.0.1',
    bindPort: 0,
    tcpTimeoutMs: Number(values['tcp-timeout-ms'] ?? 1_000),
    ...(values['frame-budget-mib'] ? { partialFrameBudgetBytes: Number(values['frame-budget-mib']) * 1024 * 1024 } : {}),
    secretKey: values.key ? Uint8Array.from(Buffer.from(values.key, 'hex')) : undefined,
    events: { notifyJoin: () => {}, notifyUpdate: () => {}, notifyLeave: (n) => emit({ event: 'leave', node: n.name }) },
    delegate: {
      nodeMeta: () => new Uint8Array(0),
      notifyMsg: () => void received++,
      getBroadcasts: () => [],
      localState: () => new Uint8Array(0),
      mergeRemoteState: () => {},
    },
  }),
);
if (values.join) await list.join([values.join]);
const self = list.localNode();
emit({ event: 'ready', addr: ipPortString(self.addr, self.port) });

const chattyMs = Number(values['chatty-ms'] ?? 0);
const payload = new Uint8Array(1024).fill(1);
const chatter =
  chattyMs > 0
    ? setInterval(() => {
        for (const m of list.members()) if (m.name !== self.name) list.sendReliable(m, payload).catch(() => {});
      }, chattyMs)
    : undefined;

createInterface({ input: process.stdin })
  .on('line', (line) => {
    if (line === 'stats') {
      const cpu = process.cpuUsage();
      const mem = process.memoryUsage();
      emit({ event: 'stats', rss: mem.rss, heap_used: mem.heapUsed, array_buffers: mem.arrayBuffers, cpu_ms: (cpu.user + cpu.system) / 1000, fds: readdirSync('/proc/self/fd').length, received, members: list.numMembers() });
    } else if (line === 'gc') {
      (globalThis as { gc?: () => void }).gc?.();
    } else if (line === 'exit') process.stdin.destroy();
  })
  .on('close', () => {
    if (chatter) clearInterval(chatter);
    void list.shutdown().then(() => process.exit(0));
  });
