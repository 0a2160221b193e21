// Three raft servers over TCP on loopback, in one process: each has its own
// NetworkTransport (Go raft's wire protocol) on a TcpStreamLayer, exactly as
// servers on three machines would. The cluster elects a leader and
// replicates writes; then the leader stops, the other two elect a new one,
// and the cluster keeps accepting writes.
// (As separate processes, run `shoal raft` once per server: see docs/raft.md.)
//
// Run: npx tsx examples/raft-networked.ts
import { setTimeout as sleep } from 'node:timers/promises';
import { realClock, utf8 } from '@shoal/kit';
import { bootstrapCluster, defaultConfig, InmemStore, InmemSnapshotStore, NetworkTransport, Raft, ServerSuffrage, TcpStreamLayer } from '@shoal/raft';
import { KeyValueFSM } from './lib/kv-fsm.js';

interface Server {
  id: string;
  raft: Raft;
  fsm: KeyValueFSM;
  transport: NetworkTransport;
}

// Listen first (port 0: the system picks one), so that every server's address is known.
const ids = ['a', 'b', 'c'];
const transports = await Promise.all(
  ids.map(async () => new NetworkTransport({ layer: await TcpStreamLayer.listen({ bind: '127.0.0.1:0' }), clock: realClock, wire: '1.7' })),
);
const configuration = { servers: ids.map((id, i) => ({ id, address: transports[i]!.localAddr, suffrage: ServerSuffrage.Voter })) };

const servers: Server[] = await Promise.all(
  ids.map(async (id, i) => {
    const transport = transports[i]!;
    const store = new InmemStore(); // log and stable store; see raft-in-process.ts for the on-disk ones
    const snapshots = new InmemSnapshotStore();
    const config = { ...defaultConfig(), localId: id };
    await bootstrapCluster({ config, logs: store, stable: store, snapshots, transport, configuration });
    const fsm = new KeyValueFSM();
    const raft = await Raft.create({ config, fsm, logs: store, stable: store, snapshots, transport });
    return { id, raft, fsm, transport };
  }),
);

/** Waits until one of `among` is leader, and returns it. */
async function leaderOf(among: Server[]): Promise<Server> {
  for (const deadline = Date.now() + 15_000; ; await sleep(50)) {
    const leader = among.find((s) => s.raft.state === 'Leader');
    if (leader) return leader;
    if (Date.now() > deadline) throw new Error('no leader within 15 s');
  }
}

async function stop(server: Server): Promise<void> {
  await server.raft.shutdown();
  await server.transport.close(); // closes the listener and the pooled connections
}

const first = await leaderOf(servers);
console.log(`leader: ${first.id} at ${first.transport.localAddr}`);
await first.raft.apply(utf8('set stage one'), { timeoutMs: 5_000 });
console.log(`applied "set stage one"`);

// Stop the leader. The two left are still a majority of three.
await stop(first);
const rest = servers.filter((s) => s !== first);
const second = await leaderOf(rest);
console.log(`${first.id} stopped; new leader: ${second.id}`);
await second.raft.apply(utf8('set stage two'), { timeoutMs: 5_000 });
await second.raft.barrier({ timeoutMs: 5_000 }); // every earlier entry is applied on the leader
for (const deadline = Date.now() + 5_000; !rest.every((s) => s.fsm.data.get('stage') === 'two'); await sleep(50)) {
  if (Date.now() > deadline) throw new Error('a follower did not apply the write within 5 s');
}
for (const s of rest) console.log(`${s.id} holds: ${s.fsm}`);

for (const s of rest) await stop(s);
console.log('done');
