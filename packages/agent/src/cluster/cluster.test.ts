// Three servers and a client agent on loopback, in this process: real
// memberlist over UDP/TCP, real raft over TCP with the state store as its
// FSM, data in temporary directories, the real HTTP API. They bootstrap raft
// by gossip with --bootstrap-expect 3, take writes from anywhere (store
// refusals and lock-delay the same whichever agent took the write), renew
// sessions on the leader from a follower, add a fourth server as a voter,
// remove it when it leaves gracefully, and mark a killed server's serfHealth
// critical.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromUtf8, type LogEntry, memoryLogger, NodeFileSystem, utf8 } from '@shoal/kit';
import { waitFor } from '@shoal/kit/testing';
import { RaftState, ServerSuffrage } from '@shoal/raft';
import { StateError } from '../errors.js';
import type { StateStore } from '../state/store.js';
import { sessionSpec } from '../testing/store-fixtures.js';
import { ClusterAgent } from './cluster-agent.js';

interface Node {
  agent: ClusterAgent;
  store?: StateStore;
  bootstrapped: string[][];
  logs: LogEntry[];
}

const valueOf = (store: StateStore, key: string): string | undefined => {
  const entry = store.kv.get(key);
  return entry === undefined ? undefined : fromUtf8(entry.value);
};

async function startAgent(root: string, name: string, options: { server: boolean; join?: string[] }): Promise<Node> {
  const dataDir = join(root, name);
  const dataFs = new NodeFileSystem(dataDir);
  await dataFs.mkdir('', { recursive: true });
  const logger = memoryLogger('info');
  const node: Partial<Node> & { bootstrapped: string[][] } = { bootstrapped: [], logs: logger.entries };
  node.agent = await ClusterAgent.start({
    name,
    logger,
    dataFs,
    gossip: { bind: { host: '127.0.0.1', port: 0 }, profile: 'local' },
    join: options.join,
    ...(options.server
      ? {
          server: {
            raftBind: '127.0.0.1:0',
            bootstrapExpect: 3,
            raftConfig: { heartbeatTimeoutMs: 500, electionTimeoutMs: 500, leaderLeaseTimeoutMs: 250 },
          },
        }
      : {}),
    http: '127.0.0.1:0',
    timing: { tickMs: 200, reconcileIntervalMs: 2_000, reconcileRetryMs: 300, leaveDrainMs: 10_000 },
    events: { bootstrapped: (servers) => node.bootstrapped.push(servers.map((s) => s.id)) },
  });
  node.store = node.agent.store;
  return node as Node;
}

function httpGet(address: string, path: string): Promise<{ status: number; body: string }> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    request({ host, port: Number(port), path }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    })
      .on('error', reject)
      .end();
  });
}

const leaderOf = (nodes: Node[]): Node | undefined => nodes.find((n) => n.agent.raft?.state === RaftState.Leader);

async function voterIds(node: Node): Promise<string[]> {
  const { configuration } = await node.agent.raft!.getConfiguration();
  return configuration.servers.filter((s) => s.suffrage === ServerSuffrage.Voter).map((s) => s.id).sort();
}

test('cluster: three servers bootstrap by gossip, take writes from a follower and a client, add a fourth server, remove it when it leaves, and mark a killed one critical', { timeout: 240_000 }, async () => {
  const root = await mkdtemp(join(tmpdir(), 'shoal-cluster-'));
  const started: Node[] = [];
  try {
    const s1 = await startAgent(root, 's1', { server: true });
    started.push(s1);
    const seed = [s1.agent.addresses.gossip];
    const s2 = await startAgent(root, 's2', { server: true, join: seed });
    started.push(s2);
    const s3 = await startAgent(root, 's3', { server: true, join: seed });
    started.push(s3);
    const c1 = await startAgent(root, 'c1', { server: false, join: seed });
    started.push(c1);
    const servers = [s1, s2, s3];

    // Bootstrap by gossip: one configuration of all three, a leader elected.
    const leader = await waitFor('a leader', () => leaderOf(servers));
    for (const s of servers) assert.deepEqual(await waitFor(`${s.agent.name} to see 3 voters`, async () => ((await voterIds(s)).length === 3 ? voterIds(s) : undefined)), ['s1', 's2', 's3']);
    const bootstraps = servers.flatMap((s) => s.bootstrapped);
    assert.ok(bootstraps.length >= 1, 'some server bootstrapped');
    for (const b of bootstraps) assert.deepEqual(b, ['s1', 's2', 's3'], 'every bootstrap used the same configuration');

    // A write from a follower goes to the leader; a barrier on another follower then sees it.
    const [f1, f2] = servers.filter((s) => s !== leader);
    const fromFollower = await f1!.agent.replicator.write({ type: 'kv', op: { verb: 'set', key: 'from-follower', value: utf8('one') } });
    assert.equal(fromFollower.result, true);
    assert.ok(fromFollower.index > 0);
    await f2!.agent.replicator.barrier();
    assert.equal(valueOf(f2!.store!, 'from-follower'), 'one');
    const view = f2!.agent.replicator.leadership();
    assert.ok(view.knownLeader);
    assert.ok(servers.some((s) => s.agent.addresses.raft === view.leaderRaftAddress), `leader at ${view.leaderRaftAddress}`);
    // The voter list is refreshed on the housekeeping tick.
    await waitFor('the voters in the leadership view', () => f2!.agent.replicator.leadership().raftPeers.length === 3);
    assert.deepEqual([...f2!.agent.replicator.leadership().raftPeers].sort(), servers.map((s) => s.agent.addresses.raft!).sort());

    // A write from the client agent, and a consistent read through its forwarder.
    const fromClient = await c1.agent.replicator.write({ type: 'kv', op: { verb: 'set', key: 'from-client', value: utf8('two') } });
    assert.equal(fromClient.result, true);
    assert.ok(fromClient.index > fromFollower.index);
    const read = await httpGet(c1.agent.addresses.http, '/v1/kv/from-client?consistent');
    assert.equal(read.status, 200);
    assert.equal(Buffer.from((JSON.parse(read.body) as { Value: string }[])[0]!.Value, 'base64').toString(), 'two');
    // A store refusal comes back to the writer as the StateError it was, forwarded or not.
    const badLock = { type: 'kv', op: { verb: 'lock', key: 'k', session: 'no-such-session' } } as const;
    for (const writer of [c1, f1!, leader]) {
      await assert.rejects(writer.agent.replicator.write(badLock), (e) => e instanceof StateError && e.code === 'ERR_INVALID_SESSION', writer.agent.name);
    }

    // The leader registers every agent in the catalog with serfHealth passing.
    const catalogShows = (node: Node, names: string[], status: string): boolean =>
      names.every((n) => node.store!.catalog.checksOf(n).get('serfHealth')?.status === status && node.store!.catalog.nodes.has(n));
    await waitFor('the catalog to list every agent, passing', () => catalogShows(leaderOf(servers) ?? leader, ['s1', 's2', 's3', 'c1'], 'passing'));
    const c1Node = leader.store!.catalog.nodes.get('c1')!;
    assert.equal(c1Node.address, '127.0.0.1');
    assert.match(c1Node.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    // Lock-delay holds for a write forwarded to the leader as for one made on it.
    const lockHolder = sessionSpec('11111111-1111-4111-8111-111111111111', { node: f1!.agent.name, lockDelayMs: 60_000, ttlMs: 10_000 });
    const contender = sessionSpec('22222222-2222-4222-8222-222222222222', { node: 'c1', lockDelayMs: 0 });
    await f1!.agent.replicator.write({ type: 'session-create', session: lockHolder });
    await c1.agent.replicator.write({ type: 'session-create', session: contender });
    // A renewal through a follower reaches the leader's timers.
    assert.equal(await f1!.agent.replicator.renewSession(lockHolder.id), true);
    assert.equal(await c1.agent.replicator.renewSession('33333333-3333-4333-8333-333333333333'), false);
    const lock = (session: string) => ({ type: 'kv', op: { verb: 'lock', key: 'the-lock', value: utf8(session), session } }) as const;
    assert.equal((await f1!.agent.replicator.write(lock(lockHolder.id))).result, true);
    await f2!.agent.replicator.write({ type: 'session-destroy', id: lockHolder.id });
    for (const writer of [c1, f2!, leader]) assert.equal((await writer.agent.replicator.write(lock(contender.id))).result, false, `${writer.agent.name}: under lock-delay`);

    // A fourth server with the same expect value meets a bootstrapped cluster: the leader adds it as a voter.
    const s4 = await startAgent(root, 's4', { server: true, join: seed });
    started.push(s4);
    await waitFor('s4 to become a voter', async () => {
      const l = leaderOf(servers);
      return l !== undefined && (await voterIds(l)).includes('s4');
    });
    assert.deepEqual(s4.bootstrapped, [], 's4 did not bootstrap a cluster of its own');
    const refusal = s4.logs.find((e) => e.msg === 'agent: not bootstrapping raft');
    assert.match(String(refusal?.reason), /already have raft state/, 's4 said why it did not bootstrap');
    await s4.agent.replicator.barrier();
    assert.equal(valueOf(s4.store!, 'from-client'), 'two', 's4 has the log');
    await waitFor('the catalog to list s4', () => catalogShows(leaderOf(servers) ?? leader, ['s4'], 'passing'));

    // s4 leaves gracefully: removed from raft and from the catalog.
    await s4.agent.leave();
    started.splice(started.indexOf(s4), 1);
    await waitFor('s4 to be removed from the raft configuration', async () => {
      const l = leaderOf(servers);
      return l !== undefined && !(await voterIds(l)).includes('s4');
    });
    await waitFor('s4 to be deregistered', () => {
      const l = leaderOf(servers);
      return l !== undefined && !l.store!.catalog.nodes.has('s4');
    });

    // A follower is killed (no leave): its serfHealth goes critical; it stays a voter.
    const victim = servers.find((s) => s !== leaderOf(servers))!;
    await victim.agent.stop();
    started.splice(started.indexOf(victim), 1);
    const survivors = servers.filter((s) => s !== victim);
    await waitFor(`${victim.agent.name}'s serfHealth to go critical`, () => {
      const l = leaderOf(survivors);
      return l !== undefined && l.store!.catalog.checksOf(victim.agent.name).get('serfHealth')?.status === 'critical';
    });
    const l = leaderOf(survivors)!;
    assert.ok((await voterIds(l)).includes(victim.agent.name), 'a failed server stays in the configuration');
    assert.equal(l.store!.catalog.checksOf(victim.agent.name).get('serfHealth')?.output, 'Agent not live or unreachable');
    // Two of three voters still make a quorum.
    const after = await c1.agent.replicator.write({ type: 'kv', op: { verb: 'set', key: 'after-kill', value: utf8('three') } });
    assert.equal(after.result, true);
    assert.equal(valueOf(l.store!, 'after-kill'), 'three');
  } finally {
    for (const node of started.reverse()) await node.agent.stop().catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  }
});
