// Issue 18 item 4: a peer whose certificate comes from another CA never joins,
// whichever side is Go, and the side that checks its certificate says why:
// shoal counts memberlist.quic.handshake.refused{reason} and logs a warning,
// the Go program reports the connection it closed with a CRYPTO_ERROR (0x100
// + the TLS alert) and crypto/tls's reason.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LogEntry } from '@shoal/kit';
import { goRefusals } from '../harness/go-memberlist-quic-node.js';
import type { ShoalNode } from '../harness/shoal-node.js';
import { quicTest, startGo, startShoal, WAIT_MS } from './quic-mixed.js';

/** Long enough for gossip and a push/pull to have brought in anyone who got through. */
const SETTLE_MS = 3000;

function shoalRefusals(shoal: ShoalNode, peer: string, role: 'client' | 'server'): LogEntry[] {
  return shoal.warnings.filter((w) => w.msg === 'memberlist-quic: refused a peer certificate' && w.reason === 'unknown-ca' && w.peer === peer && w.role === role);
}

quicTest('(i) Go peers from another CA are refused by shoal, as client and as server, and never join; shoal logs and counts unknown-ca', 60_000, async (nodes) => {
  const shoal = nodes.add(await startShoal({ name: 'shoal-i' }));
  // An intruder that trusts the cluster's CA: it accepts shoal's certificate,
  // so shoal (the server) is the one to refuse the intruder's.
  const intruder = nodes.add(await startGo({ name: 'intruder-go-i', ca: 'other', trust: 'cluster', join: [shoal.addr] }));
  const intruderJoin = await intruder.waitFor((e) => e.event === 'joined' || e.event === 'join-error', WAIT_MS, 'the intruder to finish its join attempt');
  assert.equal(intruderJoin.event, 'join-error', 'the intruder must not join');
  assert.equal(shoalRefusals(shoal, intruder.addr, 'server').length >= 1, true, `shoal (server) logged no refusal: ${JSON.stringify(shoal.warnings)}`);

  // A node of another cluster: shoal (the client) refuses its certificate.
  const foreign = nodes.add(await startGo({ name: 'foreign-go-i', ca: 'other' }));
  await assert.rejects(shoal.join([foreign.addr]), /unknown-ca: certificate "foreign-go-i" is not issued by the trusted CA/);
  assert.equal(shoalRefusals(shoal, foreign.addr, 'client').length >= 1, true, `shoal (client) logged no refusal: ${JSON.stringify(shoal.warnings)}`);
  const counted = shoal.metrics.counter('memberlist.quic.handshake.refused', { reason: 'unknown-ca' });
  assert.ok(counted >= 2, `shoal counted ${counted} unknown-ca refusals`);

  await sleep(SETTLE_MS);
  assert.deepEqual(shoal.memberNames(), ['shoal-i']);
  assert.deepEqual(await intruder.memberNames(), ['intruder-go-i']);
  assert.deepEqual(await foreign.memberNames(), ['foreign-go-i']);
  assert.equal(shoal.events.filter((e) => e.event === 'join' && e.node !== 'shoal-i').length, 0);
});

quicTest('(j) a shoal peer from another CA is refused by Go, as server and as client, and never joins; Go logs the certificate error', 60_000, async (nodes) => {
  const go = nodes.add(await startGo({ name: 'go-j' }));
  const rogue = nodes.add(await startShoal({ name: 'rogue-shoal-j', ca: 'other' }));
  // The rogue dials Go: it refuses Go's certificate, after sending its own
  // (quiche finishes the handshake before closing), which Go refuses too.
  await assert.rejects(rogue.join([go.addr]));
  const asServer = await go.waitFor((e) => goRefusals(go).includes(e) && e.peer === rogue.addr, WAIT_MS, 'go (server) to refuse the rogue\'s certificate');
  assert.match(String(asServer.error), /^server: CRYPTO_ERROR \(0x12a\): tls: failed to verify client certificate: x509: certificate signed by unknown authority/);

  // Go dials the rogue: Go refuses the rogue's certificate.
  const before = goRefusals(go).length;
  const attempt = await go.request(`join ${rogue.addr}`, 'join-error', WAIT_MS);
  assert.equal(attempt.event, 'join-error', `go's join of the rogue: ${JSON.stringify(attempt)}`);
  assert.match(attempt.error!, /certificate signed by unknown authority/);
  const asClient = await go.waitFor((e) => goRefusals(go).indexOf(e) >= before && e.peer === rogue.addr, WAIT_MS, 'go (client) to refuse the rogue\'s certificate');
  assert.match(String(asClient.error), /^client: CRYPTO_ERROR \(0x12a\): x509: certificate signed by unknown authority/);

  await sleep(SETTLE_MS);
  assert.deepEqual(await go.memberNames(), ['go-j']);
  assert.deepEqual(rogue.memberNames(), ['rogue-shoal-j']);
  assert.equal(go.events.filter((e) => e.event === 'join' && e.node === 'rogue-shoal-j').length, 0);
});
