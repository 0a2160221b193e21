// The CommonJS consumer: require() of the ESM packages (Node 20.19+ or 22.12+).
// Same program as consumer.ts.
/* eslint-disable @typescript-eslint/no-require-imports -- the point of this consumer */
'use strict';
const { realClock, utf8 } = require('@shoal/kit');
const { createNetMemberlist, defaultLocalConfig } = require('@shoal/memberlist');
const { bootstrapCluster, defaultConfig, InmemNetwork, InmemSnapshotStore, InmemStore, Raft, ServerSuffrage } = require('@shoal/raft');
const { startDevAgent } = require('@shoal/agent');

async function main() {
  let delivered;
  const message = new Promise((resolve) => (delivered = resolve));
  const delegate = {
    nodeMeta: () => new Uint8Array(0),
    notifyMsg: (msg) => delivered(new TextDecoder().decode(msg)),
    getBroadcasts: () => [],
    localState: () => new Uint8Array(0),
    mergeRemoteState: () => {},
  };
  const b = await createNetMemberlist(defaultLocalConfig({ name: 'b', bindAddr: '127.0.0.1', bindPort: 0, delegate }));
  const a = await createNetMemberlist(defaultLocalConfig({ name: 'a', bindAddr: '127.0.0.1', bindPort: 0 }));
  const joined = await a.join([b.localNode().address]);
  const toB = a.members().find((n) => n.name === 'b');
  await a.sendReliable(toB, utf8('hello from a'));
  const text = await message;
  const members = a.numMembers();
  await a.shutdown();
  await b.shutdown();

  const applied = [];
  const fsm = {
    apply: (log) => {
      applied.push(new TextDecoder().decode(log.data));
      return applied.length;
    },
    snapshot: () => ({ persist: async (sink) => sink.close(), release: () => {} }),
    restore: async () => {},
  };
  const network = new InmemNetwork(realClock);
  const transport = network.add('server-1');
  const store = new InmemStore();
  const snapshots = new InmemSnapshotStore();
  const config = { ...defaultConfig(), localId: 'server-1' };
  await bootstrapCluster({ config, logs: store, stable: store, snapshots, transport, configuration: { servers: [{ id: 'server-1', address: 'server-1', suffrage: ServerSuffrage.Voter }] } });
  const raft = await Raft.create({ config, fsm, logs: store, stable: store, snapshots, transport });
  while (raft.state !== 'Leader') await new Promise((r) => setTimeout(r, 10));
  const { index, response } = await raft.apply(utf8('set x 1'), { timeoutMs: 5000 });
  await raft.shutdown();

  const agent = await startDevAgent({ http: '127.0.0.1:0', nodeName: 'consumer' });
  const put = await (await fetch(`http://${agent.address}/v1/kv/greeting`, { method: 'PUT', body: 'hello' })).json();
  const [entry] = await (await fetch(`http://${agent.address}/v1/kv/greeting`)).json();
  // The dashboard's files ship in the tarball: the page and its script are served.
  const ui = [(await fetch(`http://${agent.address}/ui/`)).status, (await fetch(`http://${agent.address}/ui/dashboard.js`)).headers.get('content-type')];
  await agent.close();
  console.log(JSON.stringify({ joined, members, text, raft: { index, response, applied }, agent: { put, ui, value: Buffer.from(entry.Value, 'base64').toString() } }));
}
main().catch((err) => {
  console.error(err);
  process.exit(1);
});
