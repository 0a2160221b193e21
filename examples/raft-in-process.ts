// A three-server raft cluster in one process, its logs on disk: a write-ahead
// log (WalLogStore), the term and vote (FileStableStore) and snapshots
// (FileSnapshotStore) under a temporary directory, and the servers talking
// through the in-memory transport. It elects a leader, replicates three
// writes, reads them back linearizably, then shuts down and restarts every
// server from its directory: the state comes back from disk.
//
// Run: npx tsx examples/raft-in-process.ts
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { NodeFileSystem, realClock, utf8 } from '@shoal/kit';
import { bootstrapCluster, defaultConfig, FileSnapshotStore, FileStableStore, hasExistingState, InmemNetwork, Raft, ServerSuffrage, WalLogStore } from '@shoal/raft';
import { KeyValueFSM } from './lib/kv-fsm.js';

const ids = ['a', 'b', 'c'];
const configuration = { servers: ids.map((id) => ({ id, address: id, suffrage: ServerSuffrage.Voter })) };

interface Server {
  id: string;
  raft: Raft;
  fsm: KeyValueFSM;
  close(): Promise<void>;
}

/** Opens server `id`'s stores under `dir`/`id`, bootstraps them if they are empty, and starts raft. */
async function startServer(network: InmemNetwork, dir: string, id: string): Promise<Server> {
  await mkdir(join(dir, id), { recursive: true });
  const fs = new NodeFileSystem(join(dir, id)); // the stores' paths are relative to this directory
  const logs = await WalLogStore.open(fs, 'wal');
  const stable = await FileStableStore.open(fs, 'stable');
  const snapshots = await FileSnapshotStore.open(fs, '', { clock: realClock });
  const transport = network.add(id);
  const config = { ...defaultConfig(), localId: id };
  if (!(await hasExistingState(logs, stable, snapshots))) {
    await bootstrapCluster({ config, logs, stable, snapshots, transport, configuration });
  }
  const fsm = new KeyValueFSM();
  const raft = await Raft.create({ config, fsm, logs, stable, snapshots, transport });
  return {
    id,
    raft,
    fsm,
    async close() {
      await raft.shutdown();
      await logs.close();
      await stable.close();
    },
  };
}

async function startCluster(dir: string): Promise<Server[]> {
  const network = new InmemNetwork(realClock);
  const servers = await Promise.all(ids.map((id) => startServer(network, dir, id)));
  // An election takes one to two election timeouts (1 s by default).
  for (const deadline = Date.now() + 10_000; !servers.some((s) => s.raft.state === 'Leader'); await sleep(50)) {
    if (Date.now() > deadline) throw new Error('no leader within 10 s');
  }
  return servers;
}

const dir = await mkdtemp(join(tmpdir(), 'shoal-raft-example-'));
try {
  let servers = await startCluster(dir);
  const leader = servers.find((s) => s.raft.state === 'Leader')!;
  console.log(`leader elected: ${leader.id}`);

  // Writes go to the leader; apply resolves once the command is committed and applied there.
  for (const command of ['set colour blue', 'set size 3', 'set colour green']) {
    const { index, response } = await leader.raft.apply(utf8(command), { timeoutMs: 5_000 });
    console.log(`applied "${command}" at index ${index} (previous value: ${response ?? 'none'})`);
  }
  // A linearizable read: readIndex confirms leadership and waits until the FSM has caught up to it.
  await leader.raft.readIndex({ timeoutMs: 5_000 });
  console.log(`leader reads: ${leader.fsm}`);

  for (const s of servers) await s.close();
  console.log('all servers shut down');

  // Restart from the same directories: the log is on disk, and once a leader
  // is elected again every server re-applies the committed commands.
  servers = await startCluster(dir);
  for (const deadline = Date.now() + 10_000; !servers.every((s) => s.fsm.data.size === 2); await sleep(50)) {
    if (Date.now() > deadline) throw new Error('the restarted servers did not catch up within 10 s');
  }
  for (const s of servers) console.log(`after restart, ${s.id} holds: ${s.fsm}`);
  for (const s of servers) await s.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
console.log('done');
