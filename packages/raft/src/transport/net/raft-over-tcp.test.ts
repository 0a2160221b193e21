// Three Raft servers in one process over NetworkTransport on 127.0.0.1, on
// both wire generations: a leader is elected, commands replicate to every
// FSM, and every server shuts down while its peers still hold pooled
// connections to it (that shutdown used to hang: issue 14).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromUtf8, RealClock, utf8 } from '@shoal/kit';
import { bootstrapCluster } from '../../bootstrap.js';
import { testConfig } from '../../config.js';
import { ServerSuffrage } from '../../configuration.js';
import { Raft } from '../../raft.js';
import { InmemSnapshotStore } from '../../storage/inmem-snapshot.js';
import { InmemStore } from '../../storage/inmem-store.js';
import { MockFSM } from '../../testing/mock-fsm.js';
import type { WireGeneration } from '../wire/index.js';
import { NetworkTransport } from './network-transport.js';
import { TcpStreamLayer } from './real-tcp-stream-layer.js';

const clock = new RealClock();

async function until(what: string, ok: () => boolean, limitMs = 10_000): Promise<void> {
  const started = clock.now();
  while (!ok()) {
    if (clock.now() - started > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

for (const wire of ['1.1', '1.7'] as WireGeneration[]) {
  test(`three Raft servers over loopback TCP (wire ${wire}) elect a leader and replicate`, { timeout: 30_000 }, async () => {
    const layers = await Promise.all([0, 1, 2].map(() => TcpStreamLayer.listen({ bind: '127.0.0.1:0' })));
    const servers = layers.map((layer, i) => ({ id: `n${i}`, address: layer.addr, suffrage: ServerSuffrage.Voter }));
    const nodes = await Promise.all(
      layers.map(async (layer, i) => {
        const transport = new NetworkTransport({ layer, clock, wire, timeoutMs: 2000 });
        const store = new InmemStore();
        const snapshots = new InmemSnapshotStore();
        // Go's default timeouts: a 200 ms lease lost leadership mid-test on a machine at load 28 (CI, 2026-12-07).
        const config = { ...testConfig(`n${i}`), logger: process.env.RAFT_TCP_TRACE ? trace(i) : undefined, heartbeatTimeoutMs: 1000, electionTimeoutMs: 1000, leaderLeaseTimeoutMs: 1000, trailingLogs: 10, snapshotThreshold: 20,
          // Go 1.1.2 has no pre-vote; a 1.1 cluster runs without it.
          preVoteDisabled: wire === '1.1' };
        await bootstrapCluster({ config, logs: store, stable: store, snapshots, transport, configuration: { servers } });
        const fsm = new MockFSM();
        const raft = await Raft.create({ config, fsm, logs: store, stable: store, snapshots, transport, clock }).catch((err: unknown) => {
          if (process.env.RAFT_TCP_TRACE) console.log('create failed', i, err);
          throw err;
        });
        return { raft, fsm, transport };
      }),
    );
    try {
      await until('a leader', () => nodes.some((n) => n.raft.state === 'Leader'));
      const leader = nodes.find((n) => n.raft.state === 'Leader')!;
      for (let i = 0; i < 100; i++) await leader.raft.apply(utf8(`cmd-${i}`));
      await until('every FSM to apply 100 commands', () => nodes.every((n) => n.fsm.logs.length === 100));
      for (const n of nodes) assert.deepEqual(n.fsm.logs.map(fromUtf8), Array.from({ length: 100 }, (_, i) => `cmd-${i}`));
    } finally {
      for (const n of nodes) await n.raft.shutdown();
      for (const n of nodes) await n.transport.close();
    }
  });
}

/** RAFT_TCP_TRACE=1: every server's raft log on stdout, prefixed with its id. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function trace(i: number): any {
  const log = (lvl: string) => (o: unknown, m?: string) => console.log(`n${i}`, lvl, JSON.stringify(o), (o as { err?: Error }).err?.message ?? '', m ?? '');
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const l: any = { trace: () => {}, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'), fatal: log('fatal') };
  l.child = () => l;
  return l;
}
