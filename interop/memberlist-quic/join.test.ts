// Issue 18 item 4: shoal and Go (the reference's protocol on quic-go 0.29)
// join each other over QUIC with mutual TLS, and a mixed 3+3 cluster converges.
import assert from 'node:assert/strict';
import { ALPN_MEMBERLIST, ALPN_SHOAL } from '@shoal/memberlist-quic';
import { assertJoinedOnceEach, isJoinOf, joinMixedCluster } from '../harness/mixed-cluster.js';
import type { ShoalNode } from '../harness/shoal-node.js';
import { quicTest, startGo, startShoal, WAIT_MS } from './quic-mixed.js';

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
  const cluster = await joinMixedCluster(nodes, note, { shoal: startShoal, go: startGo }, PUSH_PULL_MS);
  assertJoinedOnceEach(cluster);
  const { shoals, go, goNames, addrs } = cluster;
  for (const s of shoals) {
    for (const [peer, alpn] of Object.entries(alpns(s))) {
      const goPeer = goNames.some((g) => addrs.get(g) === peer);
      assert.equal(alpn, goPeer ? ALPN_MEMBERLIST : ALPN_SHOAL, `${s.name}'s connection to ${peer}`);
    }
  }
  assert.deepEqual(go.events.filter((e) => e.event === 'quic-closed'), [], 'no Go connection closed with a QUIC error');
});
