// Issue 18 item 4: shoal and Go (the reference's protocol on quic-go 0.29)
// join each other over QUIC with mutual TLS, and a mixed 3+3 cluster converges.
import assert from 'node:assert/strict';
import { ALPN_MEMBERLIST, ALPN_SHOAL } from '@shoal/memberlist-quic';
import { eventually } from '../harness/event-log.js';
import type { ShoalNode } from '../harness/shoal-node.js';
import { quicTest, startGo, startShoal, WAIT_MS } from './quic-mixed.js';

const isJoinOf = (name: string) => (e: { event: string; node?: string }): boolean => e.event === 'join' && e.node === name;

/** The ALPN of each of `shoal`'s pooled connections, by peer address. */
function alpns(shoal: ShoalNode): Record<string, string> {
  return Object.fromEntries(shoal.quic!.connections().filter((c) => c.state === 'current').map((c) => [c.peer, c.alpn]));
}

quicTest('(a) shoal joins Go over QUIC: each lists the other, with its address and meta; Go\'s ALPN is used', 60_000, async (nodes) => {
  const go = nodes.add(await startGo({ name: 'go-a', meta: 'meta-of-go-a' }));
  const shoal = nodes.add(await startShoal({ name: 'shoal-a', meta: 'meta-of-shoal-a' }));

  assert.equal(await shoal.join([go.addr]), 1, 'shoal contacted the Go node');
  const goSees = await go.waitFor(isJoinOf('shoal-a'), WAIT_MS, 'go-a to see shoal-a join');
  assert.equal(goSees.addr, shoal.addr);
  assert.equal(goSees.meta, 'meta-of-shoal-a');
  const shoalSees = await shoal.waitFor(isJoinOf('go-a'), WAIT_MS, 'shoal-a to see go-a join');
  assert.equal(shoalSees.addr, go.addr);
  assert.equal(shoalSees.meta, 'meta-of-go-a');

  assert.deepEqual(shoal.memberNames(), ['go-a', 'shoal-a']);
  assert.deepEqual(await go.memberNames(), ['go-a', 'shoal-a']);
  assert.deepEqual(alpns(shoal), { [go.addr]: ALPN_MEMBERLIST });
});

quicTest('(b) Go joins shoal over QUIC: each lists the other, with its address and meta', 60_000, async (nodes) => {
  const shoal = nodes.add(await startShoal({ name: 'shoal-b', meta: 'meta-of-shoal-b' }));
  const go = nodes.add(await startGo({ name: 'go-b', meta: 'meta-of-go-b', join: [shoal.addr] }));

  const joined = await go.waitFor((e) => e.event === 'joined' || e.event === 'join-error', WAIT_MS, 'go-b to finish joining');
  assert.equal(joined.event, 'joined', `go-b failed to join: ${joined.error}`);
  assert.equal(joined.contacted, 1);
  const shoalSees = await shoal.waitFor(isJoinOf('go-b'), WAIT_MS, 'shoal-b to see go-b join');
  assert.equal(shoalSees.addr, go.addr);
  assert.equal(shoalSees.meta, 'meta-of-go-b');
  const goSees = await go.waitFor(isJoinOf('shoal-b'), WAIT_MS, 'go-b to see shoal-b join');
  assert.equal(goSees.addr, shoal.addr);
  assert.equal(goSees.meta, 'meta-of-shoal-b');

  assert.deepEqual(await go.memberNames(), ['go-b', 'shoal-b']);
  assert.deepEqual(shoal.memberNames(), ['go-b', 'shoal-b']);
  assert.deepEqual(alpns(shoal), { [go.addr]: ALPN_MEMBERLIST });
});

/** Gossip alone often misses nodes that join at the same moment; push/pull repairs it (see interop/memberlist-mixed). */
const PUSH_PULL_MS = 2000;

quicTest('(c) a mixed 3+3 QUIC cluster converges: every node lists all six; shoal pairs speak shoal-quic/1, Go pairs memberlist-quic/1', 90_000, async (nodes, note) => {
  // Joins cross the implementations: Go nodes join through a shoal seed, the
  // other shoal nodes through different Go nodes.
  const s0 = nodes.add(await startShoal({ name: 'shoal-c0', pushPullIntervalMs: PUSH_PULL_MS }));
  const go = nodes.add(await startGo({ name: 'go-c', nodes: 3, join: [s0.addr], pushPullMs: PUSH_PULL_MS }));
  const goNames = go.names;
  assert.deepEqual(goNames, ['go-c-0', 'go-c-1', 'go-c-2']);
  for (const name of goNames) {
    const r = await go.waitFor((e) => e.self === name && (e.event === 'joined' || e.event === 'join-error'), WAIT_MS, `${name} to join shoal-c0`);
    assert.equal(r.event, 'joined', `${name} failed to join shoal-c0: ${r.error}`);
  }
  const s1 = nodes.add(await startShoal({ name: 'shoal-c1', join: [go.addrOf('go-c-1')], pushPullIntervalMs: PUSH_PULL_MS }));
  const s2 = nodes.add(await startShoal({ name: 'shoal-c2', join: [go.addrOf('go-c-2')], pushPullIntervalMs: PUSH_PULL_MS }));
  note('all joined');
  const shoals = [s0, s1, s2];
  const all = [...shoals.map((s) => s.name), ...goNames].sort();

  await eventually(async () => {
    const views: Record<string, string[]> = {};
    for (const s of shoals) views[s.name] = s.memberNames();
    for (const g of goNames) views[g] = await go.memberNames(g);
    const behind = Object.entries(views).filter(([, names]) => names.join() !== all.join());
    return { ok: behind.length === 0, detail: JSON.stringify(Object.fromEntries(behind)) };
  }, 30_000, 'all six nodes to list all six members');
  note('converged after the last join');

  const addrs = new Map<string, string>([...shoals.map((s) => [s.name, s.addr] as const), ...goNames.map((g) => [g, go.addrOf(g)] as const)]);
  for (const s of shoals) {
    for (const other of all) {
      const joins = s.events.filter(isJoinOf(other));
      assert.equal(joins.length, 1, `${s.name} got ${joins.length} join events for ${other}`);
      assert.equal(joins[0]!.addr, addrs.get(other));
    }
    for (const [peer, alpn] of Object.entries(alpns(s))) {
      const goPeer = goNames.some((g) => addrs.get(g) === peer);
      assert.equal(alpn, goPeer ? ALPN_MEMBERLIST : ALPN_SHOAL, `${s.name}'s connection to ${peer}`);
    }
  }
  for (const g of goNames) {
    for (const other of all) {
      const joins = go.events.filter((e) => e.self === g && isJoinOf(other)(e));
      assert.equal(joins.length, 1, `${g} got ${joins.length} join events for ${other}`);
      assert.equal(joins[0]!.addr, addrs.get(other));
    }
  }
  for (const s of shoals) assert.deepEqual(s.events.filter((e) => e.event === 'leave'), [], `${s.name} saw leaves`);
  assert.deepEqual(go.events.filter((e) => e.event === 'leave'), [], 'go nodes saw leaves');
  assert.deepEqual(go.events.filter((e) => e.event === 'quic-closed'), [], 'no Go connection closed with a QUIC error');
});
