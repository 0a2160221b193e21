// Issue 18 item 4: stream credit between shoal and Go. Each side lets the
// other open 100 streams of each direction at a time and grants more as
// streams finish, so a run of several hundred fallback packets (one
// unidirectional stream each) and reliable messages (one bidirectional
// stream each) only gets through if every finished stream is given back.
import assert from 'node:assert/strict';
import type { MemberEvent } from '../harness/event-log.js';
import { joinedPair, noiseText, quicTest, startGo, startShoal, WAIT_MS } from './quic-mixed.js';

const COUNT = 300;
const expected = Array.from({ length: COUNT }, (_, i) => i);

/** The indexes ("3:...") of the messages a node received, in order. */
function indexes(events: MemberEvent[]): number[] {
  return events.filter((e) => e.event === 'msg').map((e) => Number(e.data!.slice(0, e.data!.indexOf(':')))).sort((a, b) => a - b);
}

const msgCount = (events: MemberEvent[]): number => events.filter((e) => e.event === 'msg').length;

quicTest(`(l) ${COUNT} packets above the datagram limit arrive through the stream fallback, both ways`, 90_000, async (nodes, note) => {
  const { go, shoal } = await joinedPair(nodes, 'l');
  const body = noiseText(11, 2000);
  for (let i = 0; i < COUNT; i++) shoal.sendBestEffort('go-l', `${i}:${body}`);
  await go.waitFor(() => msgCount(go.events) >= COUNT, WAIT_MS, `go to receive all ${COUNT} packets`);
  note('shoal -> go');
  const burst = await go.request(`send-burst best-effort shoal-l 2000 ${COUNT}`, 'sent', WAIT_MS);
  assert.equal(burst.event, 'sent', `go's packets: ${burst.error} (shoal got ${msgCount(shoal.events)})`);
  await shoal.waitFor(() => msgCount(shoal.events) >= COUNT, WAIT_MS, `shoal to receive all ${COUNT} packets`);
  note('go -> shoal');
  assert.deepEqual(indexes(go.events), expected);
  assert.deepEqual(indexes(shoal.events), expected);
  assert.ok(shoal.metrics.counter('memberlist.quic.packet.received', { path: 'stream' }) >= COUNT);
  // Go stops reading each packet stream once it has the frame; that must not make shoal count a loss.
  assert.ok(shoal.metrics.counter('memberlist.quic.packet.sent', { path: 'stream' }) >= COUNT);
  assert.equal(shoal.metrics.counter('memberlist.quic.packet.dropped', { reason: 'stream-error' }), 0);
});

quicTest(`(m) ${COUNT} reliable messages (one stream each) arrive, both ways`, 90_000, async (nodes, note) => {
  const { go, shoal } = await joinedPair(nodes, 'm');
  const body = noiseText(12, 100);
  for (let i = 0; i < COUNT; i++) await shoal.sendReliable('go-m', `${i}:${body}`);
  await go.waitFor(() => msgCount(go.events) >= COUNT, WAIT_MS, `go to receive all ${COUNT} messages`);
  note('shoal -> go');
  const burst = await go.request(`send-burst reliable shoal-m 100 ${COUNT}`, 'sent', 60_000);
  assert.equal(burst.event, 'sent', `go's messages: ${burst.error} (shoal got ${msgCount(shoal.events)})`);
  await shoal.waitFor(() => msgCount(shoal.events) >= COUNT, WAIT_MS, `shoal to receive all ${COUNT} messages`);
  note('go -> shoal');
  assert.deepEqual(indexes(go.events), expected);
  assert.deepEqual(indexes(shoal.events), expected);
});

/**
 * In a push/pull the initiator sends its state, reads the answer, and only
 * then ends its side of the stream: the answering side must still take that
 * FIN in for the stream's credit to come back.
 */
quicTest(`(n) ${COUNT / 2} push/pulls initiated by Go to one shoal node, then Go's reliable messages and push/pulls still get through`, 90_000, async (nodes, note) => {
  const shoal = nodes.add(await startShoal({ name: 'shoal-n', state: 'state-of-shoal-n' }));
  const go = nodes.add(await startGo({ name: 'go-n', join: [shoal.addr], pushPullMs: 20, state: 'state-of-go-n' }));
  const pushPulls = (): number => shoal.events.filter((e) => e.event === 'remote-state' && e.join === false).length;
  await shoal.waitFor(() => pushPulls() >= COUNT / 2, 30_000, `${COUNT / 2} periodic push/pulls from go-n`);
  note(`${pushPulls()} push/pulls`);
  const sent = await go.request('send-reliable shoal-n after the push/pulls', 'sent', WAIT_MS);
  assert.equal(sent.event, 'sent', `go's message: ${sent.error}`);
  await shoal.waitFor((e) => e.event === 'msg' && e.data === 'after the push/pulls', WAIT_MS, 'shoal to receive go\'s message');
  const before = pushPulls();
  await shoal.waitFor(() => pushPulls() >= before + 10, WAIT_MS, 'push/pulls to go on');
});
