import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InMemoryMetrics, ManualClock, memoryLogger, seededRandom } from '@shoal/kit';
import { Awareness } from './awareness.js';
import { SystemBroadcast } from './broadcast.js';
import { buildVsn, defaultLANConfig, type Config } from './config.js';
import type { NodeEvent } from './delegates.js';
import type { Node } from './node.js';
import { TransmitLimitedQueue } from './queue.js';
import { MemberState } from './state.js';
import type { Alive } from './wire/messages.js';
import { MessageType, NodeStateType } from './wire/types.js';

const ME = 'me';
const LOCAL_ADDR = Uint8Array.of(10, 0, 0, 1);

function setup(overrides: Partial<Config> = {}) {
  const config = defaultLANConfig({ name: ME, ...overrides });
  const clock = new ManualClock();
  const events: NodeEvent[] = [];
  const conflicts: [Node, Node][] = [];
  const metrics = new InMemoryMetrics();
  const awareness = new Awareness(config.awarenessMaxMultiplier);
  const broadcasts = new TransmitLimitedQueue({ numNodes: () => state.table.length, retransmitMult: config.retransmitMult });
  const state: MemberState = new MemberState({
    config,
    clock,
    random: seededRandom(42),
    logger: memoryLogger(),
    metrics,
    broadcasts,
    awareness,
    ipRefused: () => undefined,
    emit: (e) => events.push(e),
    conflict: (a, b) => conflicts.push([a, b]),
  });
  const vsn = buildVsn(config);
  const alive = (node: string, incarnation: number, extra: Partial<Alive> = {}): Alive => ({
    node,
    incarnation,
    addr: Uint8Array.of(10, 0, 0, node.length + 1),
    port: 7946,
    meta: undefined,
    vsn,
    ...extra,
  });
  // The local node, as create() adds it.
  state.aliveNode({ ...alive(ME, state.nextIncarnation()), addr: LOCAL_ADDR }, undefined, true);
  events.length = 0;
  broadcasts.reset();
  const row = (name: string) => {
    const i = state.table.indexOf(name);
    return i < 0 ? undefined : { state: state.table.state(i), incarnation: state.table.incarnation(i), info: state.table.info(i) };
  };
  const queued = () =>
    broadcasts.orderedView().map((v) => {
      const b = v.broadcast as SystemBroadcast;
      return { name: b.name, type: b.msg.type, body: 'body' in b.msg ? b.msg.body : undefined };
    });
  return { config, clock, events, conflicts, awareness, broadcasts, state, alive, row, queued, vsn, metrics };
}

test('a new node joins; incarnation 0 leaves only a dead placeholder (Go AliveNode_NewNode, spec §10)', () => {
  const s = setup();
  s.state.aliveNode(s.alive('test', 1), undefined, false);
  assert.equal(s.row('test')?.state, NodeStateType.Alive);
  assert.equal(s.row('test')?.incarnation, 1);
  assert.deepEqual(s.events.map((e) => [e.type, e.node.name]), [['join', 'test']]);
  assert.equal(s.queued()[0]?.name, 'test');

  s.state.aliveNode(s.alive('zero', 0), undefined, false);
  assert.equal(s.row('zero')?.state, NodeStateType.Dead);
  assert.equal(s.events.length, 1, 'no join for an incarnation-0 alive');
  assert.equal(s.state.table.length, 3);
});

test('alive cancels a suspicion without a join event (Go AliveNode_SuspectNode)', () => {
  const s = setup();
  s.state.aliveNode(s.alive('test', 1), undefined, false);
  s.state.suspectNode({ node: 'test', incarnation: 1, from: 'x' });
  assert.equal(s.row('test')?.state, NodeStateType.Suspect);
  assert.ok(s.state.suspicions.has('test'));
  s.events.length = 0;
  s.state.aliveNode(s.alive('test', 2), undefined, false);
  assert.equal(s.row('test')?.state, NodeStateType.Alive);
  assert.equal(s.row('test')?.incarnation, 2);
  assert.equal(s.state.suspicions.has('test'), false);
  assert.equal(s.events.length, 0);
  s.clock.advance(600_000);
  assert.equal(s.row('test')?.state, NodeStateType.Alive, 'the cancelled timer never fires');
});

test('an alive at the same incarnation changes nothing (Go AliveNode_Idempotent)', () => {
  const s = setup();
  s.state.aliveNode(s.alive('test', 1), undefined, false);
  s.broadcasts.reset();
  s.events.length = 0;
  s.state.aliveNode(s.alive('test', 1, { meta: Uint8Array.of(1) }), undefined, false);
  assert.equal(s.row('test')?.info.meta.length, 0);
  assert.equal(s.broadcasts.numQueued(), 0);
  assert.equal(s.events.length, 0);
});

test('a meta change at a higher incarnation is an update event (Go AliveNode_ChangeMeta)', () => {
  const s = setup();
  s.state.aliveNode(s.alive('test', 1), undefined, false);
  s.events.length = 0;
  s.state.aliveNode(s.alive('test', 2, { meta: new TextEncoder().encode('foo') }), undefined, false);
  assert.deepEqual(s.events.map((e) => [e.type, new TextDecoder().decode(e.node.meta)]), [['update', 'foo']]);
});

test('an alive about ourselves with other data is refuted above it, keyed by our IP (Go AliveNode_Refute)', () => {
  const s = setup();
  s.state.aliveNode(s.alive(ME, 1, { addr: LOCAL_ADDR, meta: Uint8Array.of(9) }), undefined, false);
  const me = s.row(ME)!;
  assert.equal(me.state, NodeStateType.Alive);
  assert.equal(me.incarnation, 2);
  assert.equal(me.info.meta.length, 0, 'our own meta is kept');
  assert.equal(s.awareness.score, 1, 'a refutation costs one health point');
  const q = s.queued();
  assert.equal(q.length, 1);
  assert.equal(q[0]!.name, '10.0.0.1', 'quirk: keyed by IP string');
  assert.equal(q[0]!.type, MessageType.Alive);
  // The same alive at our current incarnation and data is ignored.
  s.broadcasts.reset();
  s.state.aliveNode(s.alive(ME, 2, { addr: LOCAL_ADDR }), undefined, false);
  assert.equal(s.broadcasts.numQueued(), 0);
});

test('a different address is a conflict until the name is reclaimable (Go AliveNode_Conflict)', () => {
  const s = setup({ deadNodeReclaimTimeMs: 10, conflict: { notifyConflict: () => {} } });
  s.state.aliveNode(s.alive('test', 1, { addr: Uint8Array.of(127, 0, 0, 1), port: 8000 }), undefined, true);
  s.broadcasts.reset();
  s.state.aliveNode(s.alive('test', 2, { addr: Uint8Array.of(127, 0, 0, 2), port: 9000, meta: Uint8Array.of(1) }), undefined, false);
  assert.equal(s.row('test')?.state, NodeStateType.Alive);
  assert.equal(s.row('test')?.info.port, 8000);
  assert.equal(s.broadcasts.numQueued(), 0);
  assert.equal(s.conflicts.length, 1);
  assert.equal(s.conflicts[0]![1].port, 9000);

  s.state.deadNode({ node: 'test', incarnation: 2, from: 'x' });
  assert.equal(s.row('test')?.state, NodeStateType.Dead);
  s.clock.advance(11);
  s.state.aliveNode(s.alive('test', 3, { addr: Uint8Array.of(127, 0, 0, 2), port: 9000, meta: Uint8Array.of(1) }), undefined, false);
  assert.equal(s.row('test')?.state, NodeStateType.Alive);
  assert.equal(s.row('test')?.info.port, 9000);
  assert.deepEqual(s.row('test')?.info.addr, Uint8Array.of(127, 0, 0, 2));
});

test('a left node may come back from a new address at once; IPv4 as 16 bytes is the same address', () => {
  const s = setup();
  s.state.aliveNode(s.alive('test', 1, { addr: Uint8Array.of(10, 0, 0, 9) }), undefined, false);
  const mapped = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 9);
  s.state.aliveNode(s.alive('test', 2, { addr: mapped }), undefined, false);
  assert.equal(s.conflicts.length, 0, 'no conflict between 4- and 16-byte forms');
  assert.equal(s.row('test')?.incarnation, 2);
  s.state.deadNode({ node: 'test', incarnation: 2, from: 'test' });
  assert.equal(s.row('test')?.state, NodeStateType.Left);
  s.state.aliveNode(s.alive('test', 3, { addr: Uint8Array.of(10, 0, 0, 77) }), undefined, false);
  assert.equal(s.row('test')?.state, NodeStateType.Alive);
  assert.equal(s.conflicts.length, 0);
});

test('bad protocol versions are ignored; an alive delegate can veto', () => {
  const s = setup();
  s.state.aliveNode(s.alive('bad', 1, { vsn: Uint8Array.of(0, 5, 2, 0, 0, 0) }), undefined, false);
  s.state.aliveNode(s.alive('bad2', 1, { vsn: Uint8Array.of(3, 2, 2, 0, 0, 0) }), undefined, false);
  assert.equal(s.row('bad'), undefined);
  assert.equal(s.row('bad2'), undefined);

  const seen: string[] = [];
  const v = setup({
    alive: {
      notifyAlive: (peer) => {
        seen.push(peer.name);
        if (peer.name === 'blocked') return new Error('no');
        if (peer.name === 'thrower') throw new Error('nope');
      },
    },
  });
  seen.length = 0;
  v.state.aliveNode(v.alive('blocked', 1), undefined, false);
  v.state.aliveNode(v.alive('thrower', 1), undefined, false);
  v.state.aliveNode(v.alive('ok', 1), undefined, false);
  v.state.aliveNode(v.alive('short', 1, { vsn: Uint8Array.of(1, 5, 2) }), undefined, false);
  assert.deepEqual(seen, ['blocked', 'thrower', 'ok']);
  assert.equal(v.row('blocked'), undefined);
  assert.equal(v.row('thrower'), undefined);
  assert.equal(v.row('ok')?.state, NodeStateType.Alive);
  assert.equal(v.row('short'), undefined, 'a Vsn shorter than 6 is ignored when an alive delegate is set');
});

test('suspect: unknown node and old incarnation are ignored (Go SuspectNode_NoNode, OldSuspect)', () => {
  const s = setup();
  s.state.suspectNode({ node: 'nope', incarnation: 1, from: 'x' });
  assert.equal(s.broadcasts.numQueued(), 0);
  s.state.aliveNode(s.alive('test', 10), undefined, false);
  s.broadcasts.reset();
  s.state.suspectNode({ node: 'test', incarnation: 1, from: 'x' });
  assert.equal(s.row('test')?.state, NodeStateType.Alive);
  assert.equal(s.broadcasts.numQueued(), 0);
});

test('suspect then timeout marks dead with a dead broadcast from us (Go SuspectNode)', () => {
  const s = setup({ probeIntervalMs: 1 });
  s.state.aliveNode(s.alive('test', 1), undefined, false);
  s.events.length = 0;
  s.state.suspectNode({ node: 'test', incarnation: 1, from: 'x' });
  assert.equal(s.row('test')?.state, NodeStateType.Suspect);
  assert.deepEqual(s.queued().map((q) => [q.name, q.type]), [['test', MessageType.Suspect]]);
  // n = 2 (us and test): k = 4 - 2 = 2 > n - 2 = 0, so k = 0 and the timer is min = 4 × 1 × 1 ms.
  s.clock.advance(3);
  assert.equal(s.row('test')?.state, NodeStateType.Suspect);
  s.clock.advance(1);
  assert.equal(s.row('test')?.state, NodeStateType.Dead);
  assert.deepEqual(s.events.map((e) => [e.type, e.node.name, e.node.state]), [['leave', 'test', NodeStateType.Dead]]);
  const dead = s.queued().find((q) => q.type === MessageType.Dead);
  assert.deepEqual(dead?.body, { incarnation: 1, node: 'test', from: ME });
});

test('a second accuser confirms and is re-gossiped once; repeats are not (Go SuspectNode_DoubleSuspect)', () => {
  const s = setup();
  for (const n of ['a', 'b', 'c', 'test']) s.state.aliveNode(s.alive(n, 1), undefined, false);
  s.state.suspectNode({ node: 'test', incarnation: 1, from: 'a' });
  s.broadcasts.reset();
  s.state.suspectNode({ node: 'test', incarnation: 1, from: 'a' });
  assert.equal(s.broadcasts.numQueued(), 0, 'the accuser does not confirm itself');
  s.state.suspectNode({ node: 'test', incarnation: 1, from: 'b' });
  assert.equal(s.broadcasts.numQueued(), 1, 'a new confirmation is passed on');
  assert.equal(s.state.suspicions.get('test')?.confirmations, 1);
  s.broadcasts.reset();
  s.state.suspectNode({ node: 'test', incarnation: 1, from: 'b' });
  assert.equal(s.broadcasts.numQueued(), 0);
});

test('Lifeguard dogpile: confirmations shorten the timer to min (spec §11.4)', () => {
  // 10 nodes, LAN: min 4 s, max 24 s, k = 2.
  const s = setup();
  for (let i = 0; i < 9; i++) s.state.aliveNode(s.alive(`n${i}`, 1), undefined, false);
  s.state.suspectNode({ node: 'n0', incarnation: 1, from: 'n1' });
  const t = s.state.suspicions.get('n0')!;
  assert.equal(t.k, 2);
  assert.equal(t.minMs, 4000);
  assert.equal(t.maxMs, 24000);
  s.clock.advance(1000);
  s.state.suspectNode({ node: 'n0', incarnation: 1, from: 'n2' });
  s.clock.advance(10_380);
  assert.equal(s.row('n0')?.state, NodeStateType.Suspect, 'one confirmation: 11.381 s');
  s.clock.advance(1);
  assert.equal(s.row('n0')?.state, NodeStateType.Dead);
});

test('a suspicion of ourselves is refuted (Go SuspectNode_Refute)', () => {
  const s = setup();
  s.state.suspectNode({ node: ME, incarnation: 1, from: 'x' });
  assert.equal(s.row(ME)?.state, NodeStateType.Alive);
  assert.equal(s.row(ME)?.incarnation, 2);
  assert.equal(s.awareness.score, 1);
  assert.equal(s.queued()[0]?.type, MessageType.Alive);
});

test('dead: unknown, old, and double dead are ignored (Go DeadNode_NoNode, OldDead, Double)', () => {
  const s = setup();
  s.state.deadNode({ node: 'nope', incarnation: 1, from: 'x' });
  s.state.aliveNode(s.alive('test', 10), undefined, false);
  s.state.deadNode({ node: 'test', incarnation: 1, from: 'x' });
  assert.equal(s.row('test')?.state, NodeStateType.Alive);
  s.state.deadNode({ node: 'test', incarnation: 10, from: 'x' });
  assert.equal(s.row('test')?.state, NodeStateType.Dead);
  s.events.length = 0;
  s.broadcasts.reset();
  s.state.deadNode({ node: 'test', incarnation: 11, from: 'x' });
  assert.equal(s.events.length, 0);
  assert.equal(s.broadcasts.numQueued(), 0);
  assert.equal(s.row('test')?.incarnation, 10);
});

test('news of another member’s death is gossiped deadRetransmitFactor times as often; our own leave as in Go', () => {
  const transmitFactors = (factor: number) => {
    const s = setup({ deadRetransmitFactor: factor });
    s.state.aliveNode(s.alive('test', 1), undefined, false);
    s.state.aliveNode(s.alive('gone', 1), undefined, false);
    s.broadcasts.reset();
    s.state.deadNode({ node: 'test', incarnation: 1, from: 'x' }); // failure news
    s.state.deadNode({ node: 'gone', incarnation: 1, from: 'gone' }); // someone else's leave, relayed
    s.state.markLeft();
    s.state.deadNode({ node: ME, incarnation: 1, from: ME }); // our own leave
    return Object.fromEntries(s.broadcasts.orderedView().map((v) => [(v.broadcast as SystemBroadcast).name, v.broadcast.transmitFactor]));
  };
  assert.deepEqual(transmitFactors(2), { test: 2, gone: 2, me: 1 });
  assert.deepEqual(transmitFactors(1), { test: 1, gone: 1, me: 1 });
});

test('a member back from dead or left is gossiped deadRetransmitFactor times as often; a new member or a refuted suspicion as in Go', () => {
  const transmitFactors = (factor: number) => {
    const s = setup({ deadRetransmitFactor: factor });
    for (const n of ['died', 'left', 'suspected']) s.state.aliveNode(s.alive(n, 1), undefined, false);
    s.state.deadNode({ node: 'died', incarnation: 1, from: 'x' });
    s.state.deadNode({ node: 'left', incarnation: 1, from: 'left' });
    s.state.suspectNode({ node: 'suspected', incarnation: 1, from: 'x' });
    s.broadcasts.reset();
    for (const n of ['died', 'left', 'suspected']) s.state.aliveNode(s.alive(n, 2), undefined, false);
    s.state.aliveNode(s.alive('new', 1), undefined, false);
    return Object.fromEntries(s.broadcasts.orderedView().map((v) => [(v.broadcast as SystemBroadcast).name, v.broadcast.transmitFactor]));
  };
  assert.deepEqual(transmitFactors(2), { died: 2, left: 2, suspected: 1, new: 1 });
  assert.deepEqual(transmitFactors(1), { died: 1, left: 1, suspected: 1, new: 1 });
});

test('localAlive is our row as an alive message, at the incarnation a refutation raised it to', () => {
  const s = setup(); // which adds us at incarnation 1, as create() does
  const before = s.state.localAlive();
  assert.equal(before?.incarnation, 1);
  s.state.deadNode({ node: ME, incarnation: 4, from: 'x' });
  assert.deepEqual(s.state.localAlive(), { ...before, incarnation: 5 });
});

test('a dead message from the node itself means left (Go DeadNodeLeft)', () => {
  const s = setup();
  s.state.aliveNode(s.alive('test', 1), undefined, false);
  s.events.length = 0;
  s.state.deadNode({ node: 'test', incarnation: 1, from: 'test' });
  assert.equal(s.row('test')?.state, NodeStateType.Left);
  assert.deepEqual(s.events.map((e) => [e.type, e.node.state]), [['leave', NodeStateType.Left]]);
  // A replayed alive at the same incarnation does not bring it back (Go DeadNode_AliveReplay).
  s.state.aliveNode(s.alive('test', 1), undefined, false);
  assert.equal(s.row('test')?.state, NodeStateType.Left);
});

test('a dead message about ourselves is refuted unless we are leaving (Go DeadNode_Refute)', () => {
  const s = setup();
  s.state.deadNode({ node: ME, incarnation: 1, from: 'x' });
  assert.equal(s.row(ME)?.state, NodeStateType.Alive);
  assert.equal(s.row(ME)?.incarnation, 2);
  s.state.markLeft();
  let notified = 0;
  s.state.deadNode({ node: ME, incarnation: 2, from: ME }, () => notified++);
  assert.equal(s.row(ME)?.state, NodeStateType.Left);
  s.broadcasts.reset();
  assert.equal(notified, 1, 'the leave broadcast notifies when finished');
  // After leaving, alive messages about us are ignored.
  s.state.aliveNode(s.alive(ME, 50, { addr: LOCAL_ADDR }), undefined, false);
  assert.equal(s.row(ME)?.state, NodeStateType.Left);
});

test('an accusation far above our incarnation is refuted above it', () => {
  const s = setup();
  s.state.deadNode({ node: ME, incarnation: 100, from: 'x' });
  assert.equal(s.row(ME)?.incarnation, 101);
  assert.equal(s.state.incarnation, 101);
});

test('mergeState: alive as alive, left as leave, dead and suspect as suspicion from us (Go MergeState)', () => {
  const s = setup();
  s.state.aliveNode(s.alive('test1', 1), undefined, false);
  s.state.aliveNode(s.alive('test2', 1), undefined, false);
  s.state.aliveNode(s.alive('test3', 1), undefined, false);
  s.events.length = 0;
  const vsn = s.vsn;
  s.state.mergeState([
    { name: 'test1', addr: Uint8Array.of(10, 0, 0, 6), port: 7946, meta: undefined, incarnation: 2, state: NodeStateType.Alive, vsn },
    { name: 'test2', addr: Uint8Array.of(10, 0, 0, 6), port: 7946, meta: undefined, incarnation: 1, state: NodeStateType.Suspect, vsn },
    { name: 'test3', addr: Uint8Array.of(10, 0, 0, 6), port: 7946, meta: undefined, incarnation: 1, state: NodeStateType.Dead, vsn },
    { name: 'test4', addr: Uint8Array.of(127, 0, 0, 4), port: 7946, meta: undefined, incarnation: 2, state: NodeStateType.Alive, vsn },
    { name: 'test5', addr: Uint8Array.of(127, 0, 0, 5), port: 7946, meta: undefined, incarnation: 2, state: NodeStateType.Left, vsn },
  ]);
  assert.equal(s.row('test1')?.incarnation, 2, 'alive applied');
  assert.equal(s.row('test2')?.state, NodeStateType.Suspect);
  assert.equal(s.row('test3')?.state, NodeStateType.Suspect, 'pushed dead only makes it suspect');
  assert.equal(s.row('test4')?.state, NodeStateType.Alive);
  assert.equal(s.row('test5'), undefined, 'left about an unknown node is ignored');
  assert.deepEqual(s.events.map((e) => [e.type, e.node.name]), [['join', 'test4']]);
});

test('beyond Go: a stale alive re-gossips the accusation so a restarted node can refute it', () => {
  const s = setup();
  s.state.aliveNode(s.alive('restarted', 1), undefined, false);
  s.state.deadNode({ node: 'restarted', incarnation: 100, from: 'x' });
  s.broadcasts.reset();
  s.state.aliveNode(s.alive('restarted', 1), undefined, false);
  assert.deepEqual(s.queued().map((q) => [q.type, q.body]), [[MessageType.Dead, { incarnation: 100, node: 'restarted', from: ME }]]);
  // Not for an alive at the held incarnation, nor for live nodes.
  s.broadcasts.reset();
  s.state.aliveNode(s.alive('restarted', 100), undefined, false);
  assert.equal(s.broadcasts.numQueued(), 0);
  s.state.aliveNode(s.alive('fine', 5), undefined, false);
  s.broadcasts.reset();
  s.state.aliveNode(s.alive('fine', 4), undefined, false);
  assert.equal(s.broadcasts.numQueued(), 0);
  // A left node's accusation keeps its "left" form.
  s.state.deadNode({ node: 'fine', incarnation: 7, from: 'fine' });
  s.broadcasts.reset();
  s.state.aliveNode(s.alive('fine', 6), undefined, false);
  assert.deepEqual(s.queued().map((q) => q.body), [{ incarnation: 7, node: 'fine', from: 'fine' }]);
});

test('beyond Go: alive messages with an unusable address or unusable or incompatible versions are dropped and counted', () => {
  const s = setup({ delegateProtocolMin: 1, delegateProtocolMax: 3, delegateProtocolVersion: 2 });
  const vsn = (...v: number[]) => Uint8Array.of(...v);
  const refused: [string, Partial<Alive>][] = [
    ['empty-addr', { addr: new Uint8Array(0) }],
    ['no-addr', { addr: undefined }],
    ['three-byte-ip', { addr: Uint8Array.of(10, 0, 0) }],
    ['unspecified-v4', { addr: Uint8Array.of(0, 0, 0, 0) }],
    ['unspecified-v6', { addr: new Uint8Array(16) }],
    ['port-0', { port: 0 }],
    ['no-vsn', { vsn: undefined }],
    ['short-vsn', { vsn: vsn(1, 5, 2, 1, 3) }],
    ['pcur-0', { vsn: vsn(1, 5, 0, 1, 3, 2) }],
    ['pmin-0', { vsn: vsn(0, 5, 2, 1, 3, 2) }],
    ['pmin-above-pmax', { vsn: vsn(3, 2, 2, 1, 3, 2) }],
    ['pcur-above-pmax', { vsn: vsn(1, 2, 3, 1, 3, 2) }],
    ['pcur-beyond-5', { vsn: vsn(1, 7, 6, 1, 3, 2) }],
    ['dcur-out-of-order', { vsn: vsn(1, 5, 2, 2, 3, 4) }],
    ['cannot-speak-our-2', { vsn: vsn(3, 5, 3, 1, 3, 2) }],
    ['delegate-too-new', { vsn: vsn(1, 5, 2, 4, 5, 4) }],
    ['delegate-too-old-for-us', { vsn: vsn(1, 5, 2, 0, 1, 1) }],
  ];
  for (const [name, change] of refused) s.state.aliveNode(s.alive(name, 1, { vsn: vsn(1, 5, 2, 1, 3, 2), ...change }), undefined, false);
  for (const [name] of refused) assert.equal(s.row(name), undefined, name);
  assert.equal(s.metrics.snapshot().counters.get('memberlist.msg.alive.invalid'), refused.length);
  assert.equal(s.broadcasts.numQueued(), 0, 'nothing is re-gossiped');

  const accepted: [string, Partial<Alive>][] = [
    ['ipv6', { addr: Uint8Array.of(0xfd, ...new Array<number>(14).fill(0), 1) }],
    ['ipv4-in-16-bytes', { addr: Uint8Array.of(...new Array<number>(10).fill(0), 0xff, 0xff, 10, 1, 2, 3) }],
    ['protocol-1-speaker', { vsn: vsn(1, 5, 1, 1, 3, 2) }],
    ['newer-range', { vsn: vsn(2, 9, 5, 2, 9, 3) }],
  ];
  for (const [name, change] of accepted) s.state.aliveNode(s.alive(name, 1, { vsn: vsn(1, 5, 2, 1, 3, 2), ...change }), undefined, false);
  for (const [name] of accepted) assert.equal(s.row(name)?.state, NodeStateType.Alive, name);
  assert.equal(s.metrics.snapshot().counters.get('memberlist.msg.alive.invalid'), refused.length);
});

test('the state machine checks its invariants where rows change: a refute that would lower our incarnation throws', () => {
  const s = setup();
  const i = s.state.table.indexOf(ME);
  // Simulate a bug: the table moved on without the incarnation counter.
  s.state.table.setIncarnation(i, 10);
  assert.throws(() => s.state.refute(i, 0), { code: 'ERR_MEMBERLIST_INVARIANT', message: /incarnation went back \(me: alive@10 -> alive@2\)/ });
});

test('an accusation at the highest incarnation cannot be refuted: counted and logged, our row unchanged', () => {
  const s = setup();
  s.state.suspectNode({ node: ME, incarnation: 0xffff_ffff, from: 'x' });
  s.state.deadNode({ node: ME, incarnation: 0xffff_ffff, from: 'x' });
  assert.deepEqual([s.row(ME)?.state, s.row(ME)?.incarnation], [NodeStateType.Alive, 1]);
  assert.equal(s.metrics.snapshot().counters.get('memberlist.refute.impossible'), 2);
  assert.equal(s.broadcasts.numQueued(), 0);
});
