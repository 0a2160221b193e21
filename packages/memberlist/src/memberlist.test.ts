import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Delegate, NodeEvent } from './delegates.js';
import { JoinError, MemberlistError, NoPingResponseError } from './errors.js';
import { SimCluster } from './sim/cluster.js';
import { NodeStateType } from './wire/types.js';

const SEED = Number(process.env.SEED ?? 1);
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

async function joined(names: string[], options: ConstructorParameters<typeof SimCluster>[0] = { seed: SEED }) {
  const c = new SimCluster(options);
  for (const n of names) await c.add(n);
  const seed = c.members[0]!.transport.address;
  for (const m of c.members.slice(1)) await c.sim.settle(m.list.join([seed]));
  await c.sim.runUntil(() => c.converged());
  return c;
}

/** A delegate that records what it is given. */
class RecordingDelegate implements Delegate {
  msgs: string[] = [];
  remoteStates: [string, boolean][] = [];
  broadcasts: Uint8Array[] = [];
  constructor(
    public meta = '',
    public state = '',
  ) {}
  nodeMeta(): Uint8Array {
    return enc(this.meta);
  }
  notifyMsg(msg: Uint8Array): void {
    this.msgs.push(dec(msg));
  }
  getBroadcasts(_overhead: number, limit: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    let used = 0;
    while (this.broadcasts.length > 0 && used + this.broadcasts[0]!.length + 3 <= limit) {
      const b = this.broadcasts.shift()!;
      used += b.length + 3;
      out.push(b);
    }
    return out;
  }
  localState(join: boolean): Uint8Array {
    return enc(`${this.state}:${join}`);
  }
  mergeRemoteState(buf: Uint8Array, join: boolean): void {
    this.remoteStates.push([dec(buf), join]);
  }
}

test('join: through one member, counting contacts; members() and numMembers() agree', async () => {
  const c = await joined(['a', 'b', 'c']);
  for (const m of c.members) {
    assert.equal(m.list.numMembers(), 3);
    assert.deepEqual(m.list.members().map((n) => n.name).sort(), ['a', 'b', 'c']);
    assert.equal(m.list.localNode().name, m.name);
    assert.equal(m.list.localNode().state, NodeStateType.Alive);
    assert.equal(m.list.protocolVersion(), 2);
    assert.equal(m.list.healthScore(), 0);
  }
  const d = await c.add('d');
  const n = await c.sim.settle(d.list.join([c.member('a').transport.address, 'b/' + c.member('b').transport.address, '10.99.0.1:7946']));
  assert.equal(n, 2, 'two of three reachable');
});

test('join: rejects with JoinError when nobody answers, and with the reason when aborted', async () => {
  const c = new SimCluster({ seed: SEED, config: { tcpTimeoutMs: 500 } });
  const a = await c.add('a');
  await assert.rejects(c.sim.settle(a.list.join(['10.99.0.1:7946', '/bad'])), (e: unknown) => e instanceof JoinError && e.errors.length === 2 && e.code === 'ERR_JOIN_FAILED');
  const ac = new AbortController();
  const p = a.list.join(['10.99.0.1:7946'], { signal: ac.signal });
  c.sim.after(100, () => ac.abort(new Error('stop')));
  await assert.rejects(c.sim.settle(p), /stop/);
});

test('a crashed member is suspected, then declared dead by everyone (Go TestMemberList_ProbeNode_Suspect)', async () => {
  const c = await joined(['a', 'b', 'c', 'd']);
  const leaves: string[] = [];
  for (const m of c.members) m.list.on('leave', (n) => leaves.push(`${m.name}:${n.name}:${n.state}`));
  c.kill('d');
  const start = c.sim.now();
  await c.sim.runUntil(() => c.converged());
  assert.deepEqual(leaves.sort(), [`a:d:${NodeStateType.Dead}`, `b:d:${NodeStateType.Dead}`, `c:d:${NodeStateType.Dead}`]);
  // n = 4: suspicion min 4 s, max 24 s (k = 2 confirmations available).
  assert.ok(c.sim.now() - start < 30_000, `detected after ${c.sim.now() - start} ms`);
});

test('leave: others see the node as left, not dead; leave() resolves once it is sent (Go TestMemberlist_Leave)', async () => {
  const c = await joined(['a', 'b', 'c']);
  const seen: NodeEvent[] = [];
  c.member('a').list.on('leave', (node) => seen.push({ type: 'leave', node }));
  await c.sim.settle(c.member('c').list.leave(5_000));
  await c.sim.runFor(2_000);
  assert.deepEqual(seen.map((e) => [e.node.name, e.node.state]), [['c', NodeStateType.Left]]);
  assert.equal(c.member('a').list.numMembers(), 2);
  assert.equal(c.member('c').list.localNode().state, NodeStateType.Left);
  await c.member('c').list.shutdown();
  await assert.rejects(c.member('c').list.leave(1), MemberlistError);
});

test('user messages: best effort, reliable, to an address, and gossiped by the delegate (Go TestMemberlist_UserData, SendTo)', async () => {
  const delegates = { a: new RecordingDelegate(), b: new RecordingDelegate() };
  const c = new SimCluster({ seed: SEED });
  await c.add('a', { delegate: delegates.a });
  await c.add('b', { delegate: delegates.b });
  await c.sim.settle(c.member('b').list.join([c.member('a').transport.address]));
  const a = c.member('a').list;
  const bNode = a.members().find((n) => n.name === 'b')!;
  a.sendBestEffort(bNode, enc('best-effort'));
  await c.sim.settle(a.sendReliable(bNode, enc('reliable')));
  a.sendToAddress(bNode.fullAddress, enc('to-address'));
  delegates.a.broadcasts.push(enc('gossiped'));
  await c.sim.runFor(3_000);
  assert.deepEqual(delegates.b.msgs.sort(), ['best-effort', 'gossiped', 'reliable', 'to-address']);
  await assert.rejects(c.sim.settle(a.sendReliable({ ...bNode, fullAddress: { addr: '10.99.0.1:7946', name: 'x' } } as typeof bNode, enc('x'))));
});

test('push/pull carries delegate state both ways, flagged join or not (Go TestMemberlist_JoinWithDelegateState)', async () => {
  const da = new RecordingDelegate('', 'from-a');
  const db = new RecordingDelegate('', 'from-b');
  const c = new SimCluster({ seed: SEED, config: { pushPullIntervalMs: 1_000 } });
  await c.add('a', { delegate: da });
  await c.add('b', { delegate: db });
  await c.sim.settle(c.member('b').list.join([c.member('a').transport.address]));
  assert.deepEqual(db.remoteStates[0], ['from-a:true', true]);
  assert.deepEqual(da.remoteStates[0], ['from-b:true', true]);
  await c.sim.runFor(5_000);
  assert.ok(da.remoteStates.some(([s, join]) => s === 'from-b:false' && !join), 'periodic push/pull is not a join');
});

test('node meta and updateNode reach the others as an update event (Go TestMemberlist_Meta, UpdateNode)', async () => {
  const da = new RecordingDelegate('meta-1');
  const c = new SimCluster({ seed: SEED });
  await c.add('a', { delegate: da });
  await c.add('b');
  await c.sim.settle(c.member('b').list.join([c.member('a').transport.address]));
  const b = c.member('b').list;
  assert.equal(dec(b.members().find((n) => n.name === 'a')!.meta), 'meta-1');
  const updates: string[] = [];
  b.on('update', (n) => updates.push(dec(n.meta)));
  da.meta = 'meta-2';
  await c.sim.settle(c.member('a').list.updateNode(5_000));
  await c.sim.runFor(1_000);
  assert.deepEqual(updates, ['meta-2']);
  assert.equal(dec(b.members().find((n) => n.name === 'a')!.meta), 'meta-2');
  da.meta = 'x'.repeat(600);
  await assert.rejects(c.sim.settle(c.member('a').list.updateNode(1_000)), (e: unknown) => e instanceof MemberlistError && e.code === 'ERR_META_TOO_LARGE');
});

test('meta size limit is configurable (beyond Go)', async () => {
  const c = new SimCluster({ seed: SEED });
  const big = await c.add('a', { delegate: new RecordingDelegate('m'.repeat(1000)), metaMaxSize: 1024 });
  assert.equal(big.list.localNode().meta.length, 1000);
  await assert.rejects(c.add('b', { delegate: new RecordingDelegate('m'.repeat(600)) }), (e: unknown) => e instanceof MemberlistError && e.code === 'ERR_META_TOO_LARGE');
});

test('ping() returns the RTT, or NoPingResponseError (Go TestMemberList_Ping)', async () => {
  const c = await joined(['a', 'b']);
  const rtt = await c.sim.settle(c.member('a').list.ping('b', c.member('b').transport.address));
  assert.equal(rtt, 2, 'two 1 ms hops');
  await assert.rejects(c.sim.settle(c.member('a').list.ping('ghost', '10.99.0.1:7946')), NoPingResponseError);
});

test('ping delegate: RTTs and ack payloads of direct probes (Go TestMemberlist_PingDelegate)', async () => {
  const seen: [string, number, string][] = [];
  const c = new SimCluster({ seed: SEED });
  await c.add('a', { ping: { ackPayload: () => enc('unused'), notifyPingComplete: (n, rtt, p) => seen.push([n.name, rtt, dec(p)]) } });
  await c.add('b', { ping: { ackPayload: () => enc('from-b'), notifyPingComplete: () => {} } });
  await c.sim.settle(c.member('b').list.join([c.member('a').transport.address]));
  await c.sim.runFor(3_000);
  assert.ok(seen.length > 0);
  assert.deepEqual(seen[0], ['b', 2, 'from-b']);
});

test('events: EventDelegate, typed listeners and the async iterator see the same story', async () => {
  const delegated: string[] = [];
  const c = new SimCluster({ seed: SEED });
  const a = await c.add('a', {
    events: {
      notifyJoin: (n) => delegated.push(`join:${n.name}`),
      notifyLeave: (n) => delegated.push(`leave:${n.name}`),
      notifyUpdate: (n) => delegated.push(`update:${n.name}`),
    },
  });
  const typed: string[] = [];
  a.list.on('join', (n) => typed.push(`join:${n.name}`));
  const unsubscribe = a.list.on('leave', (n) => typed.push(`leave:${n.name}`));
  const streamed: string[] = [];
  const iter = a.list.events();
  const consumer = (async () => {
    for await (const e of iter) streamed.push(`${e.type}:${e.node.name}`);
  })();
  await c.add('b');
  await c.sim.settle(c.member('b').list.join([a.transport.address]));
  await c.sim.settle(c.member('b').list.leave(1_000));
  await c.sim.runFor(1_000);
  unsubscribe();
  await a.list.shutdown();
  await consumer;
  assert.deepEqual(delegated, ['join:a', 'join:b', 'leave:b']);
  assert.deepEqual(typed, ['join:b', 'leave:b']);
  assert.deepEqual(streamed, ['join:b', 'leave:b']);
});

test('callbacks may call back into the list: members(), sends, even leave() (Go deadlocks, #23/#237)', async () => {
  const c = new SimCluster({ seed: SEED });
  const a = await c.add('a');
  const seenInside: number[] = [];
  a.list.on('join', (n) => {
    seenInside.push(a.list.members().length);
    if (n.name !== 'a') a.list.sendBestEffort(n, enc('welcome'));
  });
  const db = new RecordingDelegate();
  const b = await c.add('b', { delegate: db });
  b.list.on('join', (n) => {
    if (n.name === 'a') void b.list.leave(1_000);
  });
  await c.sim.settle(b.list.join([a.transport.address]));
  await c.sim.runFor(2_000);
  assert.deepEqual(seenInside, [2], 'the joined node is visible inside the callback');
  assert.deepEqual(db.msgs, ['welcome']);
  assert.equal(b.list.localNode().state, NodeStateType.Left);
  assert.equal(a.list.members().find((n) => n.name === 'b'), undefined);
});

test('merge and alive delegates can veto a join (Go TestMemberlist_Join_Cancel, _CancelPassive)', async () => {
  const c = new SimCluster({ seed: SEED });
  const a = await c.add('a');
  const b = await c.add('b', { merge: { notifyMerge: (peers) => (peers.some((p) => p.name === 'a') ? new Error('not a') : undefined) } });
  await assert.rejects(c.sim.settle(b.list.join([a.transport.address])), JoinError);
  assert.equal(b.list.numMembers(), 1);
  const d = await c.add('d', { alive: { notifyAlive: (p) => (p.name === 'a' ? new Error('no a') : undefined) } });
  assert.equal(await c.sim.settle(d.list.join([a.transport.address])), 1, 'the join itself succeeds');
  assert.equal(d.list.members().some((n) => n.name === 'a'), false, 'but a is filtered out');
});

test('incompatible delegate protocol versions fail the join (spec §9, Go TestMemberlist_Join_protocolVersions)', async () => {
  const c = new SimCluster({ seed: SEED });
  const a = await c.add('a', { delegateProtocolMin: 2, delegateProtocolMax: 3, delegateProtocolVersion: 2 });
  const b = await c.add('b', { delegateProtocolMin: 1, delegateProtocolMax: 1, delegateProtocolVersion: 1 });
  await assert.rejects(c.sim.settle(b.list.join([a.transport.address])), /incompatible/);
  const d = await c.add('d', { delegateProtocolMin: 1, delegateProtocolMax: 3, delegateProtocolVersion: 2 });
  assert.equal(await c.sim.settle(d.list.join([a.transport.address])), 1);
  const old = await c.add('old', { protocolVersion: 1, delegateProtocolMin: 2, delegateProtocolMax: 2, delegateProtocolVersion: 2 });
  assert.equal(await c.sim.settle(old.list.join([a.transport.address])), 1, 'protocol 1 and 2 mix');
});

test('a name held by another address is a conflict; DeadNodeReclaimTime lets it be reclaimed (Go TestMemberlist_Conflict)', async () => {
  const conflicts: [string, string][] = [];
  const c = new SimCluster({ seed: SEED, config: { deadNodeReclaimTimeMs: 5_000 } });
  const a = await c.add('a', { conflict: { notifyConflict: (e, o) => conflicts.push([e.address, o.address]) } });
  const b1 = await c.add('b');
  await c.sim.settle(b1.list.join([a.transport.address]));
  const impostor = await c.add('b-impostor', { name: 'b' });
  // As in Go, the push/pull itself succeeds; the impostor's alive is what gets ignored.
  assert.equal(await c.sim.settle(impostor.list.join([a.transport.address])), 1);
  await c.sim.runFor(1_000);
  assert.ok(conflicts.length > 0);
  for (const pair of conflicts) assert.deepEqual(pair, [b1.transport.address, impostor.transport.address]);
  assert.equal(a.list.members().find((n) => n.name === 'b')?.address, b1.transport.address);
  c.kill('b');
  await c.sim.runUntil(() => a.list.numMembers() === 1);
  await c.sim.runFor(6_000);
  const reborn = await c.add('b-reborn', { name: 'b' });
  await c.sim.settle(reborn.list.join([a.transport.address]));
  await c.sim.runFor(1_000);
  assert.equal(a.list.members().find((n) => n.name === 'b')?.address, reborn.transport.address);
});

test('a restarted node hears the dead claim against it and refutes above it (beyond Go, #311)', async () => {
  const c = await joined(['a', 'b'], { seed: SEED, config: { pushPullIntervalMs: 0 } });
  const b = c.member('b');
  await c.sim.settle(b.list.updateNode(1_000)); // incarnation 2
  c.kill('b');
  await c.sim.runUntil(() => c.converged());
  const held = c.member('a').list.allNodes().find((n) => n.node.name === 'b')!;
  assert.equal(held.node.state, NodeStateType.Dead);
  assert.ok(held.incarnation >= 2);
  await c.sim.runFor(5_000); // a's own dead broadcast has been sent its last time
  // d never knew b; the restarted b (incarnation 1) joins through d, so no push/pull tells it about the claim.
  const d = await c.add('d');
  await c.sim.settle(d.list.join([c.member('a').transport.address]));
  const reborn = await c.restart('b');
  assert.equal(reborn.list.allNodes()[0]!.incarnation, 1);
  await c.sim.settle(reborn.list.join([d.transport.address]));
  await c.sim.runFor(10_000);
  const now = c.member('a').list.allNodes().find((n) => n.node.name === 'b')!;
  assert.equal(now.node.state, NodeStateType.Alive, 'a took b back');
  assert.ok(now.incarnation > held.incarnation, 'above the old claim');
});

test('shutdown: stops everything; API calls then fail with ERR_SHUTDOWN', async () => {
  const c = await joined(['a', 'b']);
  const a = c.member('a').list;
  await a.shutdown();
  await a.shutdown();
  assert.equal(a.isShutdown, true);
  assert.throws(() => a.sendToAddress({ addr: '10.0.0.2:7946', name: 'b' }, enc('x')), (e: unknown) => e instanceof MemberlistError && e.code === 'ERR_SHUTDOWN');
  await assert.rejects(a.join(['10.0.0.2:7946']), MemberlistError);
});

test('metrics carry Go names: alive messages, packets, health score, broadcast queue depth', async () => {
  const { InMemoryMetrics } = await import('@shoal/kit');
  const metrics = new InMemoryMetrics();
  const c = new SimCluster({ seed: SEED, config: { queueCheckIntervalMs: 1_000 } });
  const a = await c.add('a', { metrics });
  const b = await c.add('b');
  await c.sim.settle(b.list.join([a.transport.address]));
  await c.sim.runFor(3_000);
  assert.ok(metrics.counter('memberlist.msg.alive') >= 2);
  assert.ok(metrics.counter('memberlist.udp.sent') > 0);
  assert.ok(metrics.counter('memberlist.udp.received') > 0);
  assert.ok(metrics.counter('memberlist.tcp.accept') >= 1);
  assert.equal(metrics.gauge('memberlist.queue.broadcasts'), a.list.queuedBroadcasts());
});

test('rolling encryption upgrade: each step of the verify flags keeps the cluster whole (Go TestMemberlist_EncryptedGossipTransition)', async () => {
  const key = Uint8Array.from({ length: 32 }, (_, i) => i * 3);
  const plain = {};
  const keyedOpen = { secretKey: key, gossipVerifyIncoming: false, gossipVerifyOutgoing: false };
  const keyedSending = { secretKey: key, gossipVerifyIncoming: false, gossipVerifyOutgoing: true };
  const strict = { secretKey: key, gossipVerifyIncoming: true, gossipVerifyOutgoing: true };
  for (const [older, newer] of [[plain, keyedOpen], [keyedOpen, keyedSending], [keyedSending, strict]] as const) {
    const c = new SimCluster({ seed: SEED });
    const a = await c.add('a', { ...older });
    const b = await c.add('b', { ...newer });
    await c.sim.settle(b.list.join([a.transport.address]));
    await c.sim.runFor(5_000);
    assert.ok(c.converged(), `${JSON.stringify(Object.keys(older))} with ${JSON.stringify(Object.keys(newer))}`);
    assert.equal(c.member('a').list.numMembers(), 2);
  }
  // A strict node cannot be joined by one sending plaintext.
  const c = new SimCluster({ seed: SEED, config: { tcpTimeoutMs: 1_000 } });
  const a = await c.add('a', { ...strict });
  const b = await c.add('b', { ...plain });
  await assert.rejects(c.sim.settle(b.list.join([a.transport.address])), JoinError);
});

test('labels: members with the same label join and gossip; a different label cannot join (Go TestMemberlist_Join_with_Labels)', async () => {
  const c = new SimCluster({ seed: SEED, config: { tcpTimeoutMs: 1_000 } });
  const a = await c.add('a', { label: 'prod' });
  const b = await c.add('b', { label: 'prod' });
  assert.equal(await c.sim.settle(b.list.join([a.transport.address])), 1);
  await c.sim.runFor(3_000);
  assert.equal(a.list.numMembers(), 2);
  const dev = await c.add('dev', { label: 'dev' });
  await assert.rejects(c.sim.settle(dev.list.join([a.transport.address])), JoinError);
  const none = await c.add('none');
  await assert.rejects(c.sim.settle(none.list.join([a.transport.address])), JoinError);
  await c.sim.runFor(3_000);
  assert.equal(a.list.numMembers(), 2);
});
