// Issue 18 item 4: user messages and push/pull state cross between shoal and
// Go over QUIC both ways, and packets larger than the datagram limit (or to a
// peer without datagrams) arrive through the unidirectional-stream fallback.
import assert from 'node:assert/strict';
import { goQuicCounters } from '../harness/go-memberlist-quic-node.js';
import type { ShoalNode } from '../harness/shoal-node.js';
import { joinedPair, noiseText, quicTest, sendUntilSeen, startGo, startShoal, WAIT_MS } from './quic-mixed.js';

const isMsg = (data: string) => (e: { event: string; data?: string }): boolean => e.event === 'msg' && e.data === data;

/** The seed the Go program's `send-best-effort-size` draws its letters from (node.go's noise). */
const GO_NOISE_SEED = 2463534242;


const shoalSent = (s: ShoalNode, path: 'datagram' | 'stream'): number => s.metrics.counter('memberlist.quic.packet.sent', { path });
const shoalReceived = (s: ShoalNode, path: 'datagram' | 'stream'): number => s.metrics.counter('memberlist.quic.packet.received', { path });

quicTest('(e) user messages both ways: reliable (a stream, 60 KB too) and best effort (a datagram)', 60_000, async (nodes) => {
  const { go, shoal } = await joinedPair(nodes, 'e');
  await shoal.sendReliable('go-e', 'reliable shoal->go');
  await go.waitFor(isMsg('reliable shoal->go'), WAIT_MS, 'go to receive the reliable message');
  const big = noiseText(7, 60_000);
  await shoal.sendReliable('go-e', big);
  await go.waitFor(isMsg(big), WAIT_MS, 'go to receive the 60 KB reliable message');
  assert.equal((await go.request('send-reliable shoal-e reliable go->shoal', 'sent')).event, 'sent');
  await shoal.waitFor(isMsg('reliable go->shoal'), WAIT_MS, 'shoal to receive the reliable message');
  assert.equal((await go.request(`send-reliable shoal-e ${big}`, 'sent')).event, 'sent');
  await shoal.waitFor(isMsg(big), WAIT_MS, 'shoal to receive the 60 KB reliable message');

  await sendUntilSeen(() => shoal.sendBestEffort('go-e', 'best effort shoal->go'), go.log, isMsg('best effort shoal->go'), 'go to receive the best-effort message');
  await sendUntilSeen(() => go.request('send-best-effort shoal-e best effort go->shoal', 'sent'), shoal.log, isMsg('best effort go->shoal'), 'shoal to receive the best-effort message');

  for (const text of ['reliable shoal->go', 'reliable go->shoal']) {
    const seen = [...go.events, ...shoal.events].filter(isMsg(text)).length;
    assert.equal(seen, 1, `'${text}' arrived exactly once`);
  }
  const goCounts = await goQuicCounters(go);
  assert.ok((goCounts['quic.packet.received.datagram'] ?? 0) > 0 && (goCounts['quic.packet.sent.datagram'] ?? 0) > 0, `Go sent and received datagrams: ${JSON.stringify(goCounts)}`);
  assert.ok(shoalSent(shoal, 'datagram') > 0 && shoalReceived(shoal, 'datagram') > 0, 'shoal sent and received datagrams');
});

quicTest('(f) push/pull both ways: a joining node learns the other\'s state (join=true), then periodic push/pull (join=false)', 60_000, async (nodes) => {
  // Go joins shoal: Go pushes its state and pulls shoal's, both marked join.
  const { go, shoal } = await joinedPair(nodes, 'f', { goState: 'state-of-go-f', shoalState: 'state-of-shoal-f' });
  const atShoal = await shoal.waitFor((e) => e.event === 'remote-state' && e.data === 'state-of-go-f', WAIT_MS, 'shoal to merge go\'s state');
  assert.equal(atShoal.join, true);
  const atGo = await go.waitFor((e) => e.event === 'remote-state' && e.data === 'state-of-shoal-f', WAIT_MS, 'go to merge shoal\'s state');
  assert.equal(atGo.join, true);

  // shoal joins Go: the other direction of the join-time exchange.
  const joiner = nodes.add(await startShoal({ name: 'shoal-f2', state: 'state-of-shoal-f2' }));
  assert.equal(await joiner.join([go.addr]), 1);
  const atJoiner = await joiner.waitFor((e) => e.event === 'remote-state' && e.data === 'state-of-go-f', WAIT_MS, 'shoal-f2 to merge go\'s state on joining');
  assert.equal(atJoiner.join, true);
  const atGo2 = await go.waitFor((e) => e.event === 'remote-state' && e.data === 'state-of-shoal-f2', WAIT_MS, 'go to merge shoal-f2\'s state');
  assert.equal(atGo2.join, true);

  // Periodic push/pull (the local profile's 15 s is too slow for a test: a Go node with 1 s).
  const periodic = nodes.add(await startGo({ name: 'go-f3', join: [shoal.addr], pushPullMs: 1000, state: 'state-of-go-f3' }));
  shoal.setState('state-of-shoal-f-later');
  await periodic.waitFor((e) => e.event === 'remote-state' && e.data === 'state-of-shoal-f-later' && e.join === false, WAIT_MS, 'go-f3 to pull shoal\'s new state in a periodic push/pull');
  await shoal.waitFor((e) => e.event === 'remote-state' && e.data === 'state-of-go-f3' && e.join === false, WAIT_MS, 'shoal to merge go-f3\'s state from a periodic push/pull');
});

/**
 * Packet sizes for the fallback: 1300 bytes is below shoal's own datagram
 * limit (1408 at 1452-byte UDP payloads) but above what quic-go 0.29 accepts
 * in a datagram (1220-byte frames), so only negotiation sends it by stream;
 * 3000 bytes is above every datagram limit. memberlist wraps and compresses a
 * message, and noise keeps it about as large on the wire.
 */
const SIZES = [1300, 3000];

quicTest('(g) a packet larger than the datagram limit arrives through the stream fallback, both ways', 60_000, async (nodes) => {
  const { go, shoal } = await joinedPair(nodes, 'g');
  for (const size of SIZES) {
    const text = noiseText(size, size);
    const sentBefore = shoalSent(shoal, 'stream');
    const goBefore = (await goQuicCounters(go))['quic.packet.received.stream'] ?? 0;
    await sendUntilSeen(() => shoal.sendBestEffort('go-g', text), go.log, isMsg(text), `go to receive the ${size}-byte best-effort message`);
    assert.ok(shoalSent(shoal, 'stream') > sentBefore, `shoal sent the ${size}-byte packet by stream`);
    const goAfter = (await goQuicCounters(go))['quic.packet.received.stream'] ?? 0;
    assert.ok(goAfter > goBefore, `go received the ${size}-byte packet by stream (${goBefore} -> ${goAfter})`);

    const goText = noiseText(GO_NOISE_SEED, size);
    const receivedBefore = shoalReceived(shoal, 'stream');
    const goSentBefore = (await goQuicCounters(go))['quic.packet.sent.stream'] ?? 0;
    await sendUntilSeen(() => go.request(`send-best-effort-size shoal-g ${size}`, 'sent'), shoal.log, isMsg(goText), `shoal to receive go's ${size}-byte best-effort message`);
    assert.ok(shoalReceived(shoal, 'stream') > receivedBefore, `shoal received go's ${size}-byte packet by stream`);
    const goSentAfter = (await goQuicCounters(go))['quic.packet.sent.stream'] ?? 0;
    assert.ok(goSentAfter > goSentBefore, `go sent the ${size}-byte packet by stream (${goSentBefore} -> ${goSentAfter})`);
  }
  assert.deepEqual(go.events.filter((e) => e.event === 'quic-closed'), [], 'no connection closed with a QUIC error');
  assert.equal(shoal.metrics.counter('memberlist.quic.packet.dropped', { reason: 'stream-error' }), 0);
});

quicTest('(h) a Go peer without datagrams: every packet both ways takes the stream fallback', 60_000, async (nodes) => {
  const { go, shoal } = await joinedPair(nodes, 'h', { goDatagrams: false });
  await sendUntilSeen(() => shoal.sendBestEffort('go-h', 'small shoal->go'), go.log, isMsg('small shoal->go'), 'go to receive a small best-effort message');
  await sendUntilSeen(() => go.request('send-best-effort shoal-h small go->shoal', 'sent'), shoal.log, isMsg('small go->shoal'), 'shoal to receive a small best-effort message');
  const goCounts = await goQuicCounters(go);
  assert.equal(goCounts['quic.packet.sent.datagram'] ?? 0, 0, 'go sent no datagram');
  assert.equal(goCounts['quic.packet.received.datagram'] ?? 0, 0, 'go received no datagram');
  assert.ok((goCounts['quic.packet.sent.stream'] ?? 0) > 0 && (goCounts['quic.packet.received.stream'] ?? 0) > 0, JSON.stringify(goCounts));
  assert.equal(shoalSent(shoal, 'datagram'), 0, 'shoal sent no datagram');
  assert.ok(shoalSent(shoal, 'stream') > 0 && shoalReceived(shoal, 'stream') > 0);
});

