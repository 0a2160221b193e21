import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { makeCa, makeNodeCert, member, sleep, until, type Member, type TestCa, type TestNodeCert } from './testing/members.js';

let ca: TestCa;
let rogueCa: TestCa;
const certs = new Map<string, TestNodeCert>();

before(async () => {
  ca = await makeCa('shoal');
  rogueCa = await makeCa('rogue');
  for (const n of ['node-1', 'node-2', 'node-3']) certs.set(n, await makeNodeCert(ca, n));
  certs.set('intruder', await makeNodeCert(rogueCa, 'intruder'));
});

async function shutdownAll(members: Member[]): Promise<void> {
  await Promise.all(members.map((m) => m.list.shutdown()));
}

test('two members join over QUIC, push/pull, and exchange reliable and best-effort user messages', { timeout: 30_000 }, async () => {
  const a = await member('node-1', ca, certs.get('node-1')!);
  const b = await member('node-2', ca, certs.get('node-2')!);
  try {
    assert.equal(await b.list.join([a.addr]), 1);
    await until(() => a.list.numMembers() === 2 && b.list.numMembers() === 2, 8000, 'both see two members');
    // The join was a push/pull: each side merged the other's delegate state.
    assert.deepEqual(a.delegate.merged[0], { state: 'state of node-2', join: true });
    assert.deepEqual(b.delegate.merged[0], { state: 'state of node-1', join: true });

    const toA = b.list.members().find((n) => n.name === 'node-1')!;
    await b.list.sendReliable(toA, Buffer.from('reliable hello'));
    b.list.sendBestEffort(toA, Buffer.from('best-effort hello'));
    await until(() => a.delegate.messages.length >= 2, 5000, 'user messages');
    assert.deepEqual([...a.delegate.messages].sort(), ['best-effort hello', 'reliable hello']);

    // Probes run over datagrams; the join and the reliable message over streams.
    await sleep(1500);
    assert.ok(a.metrics.counter('memberlist.quic.packet.sent', { path: 'datagram' }) > 0);
    assert.ok(b.metrics.counter('memberlist.quic.stream.opened', { kind: 'memberlist' }) >= 2);
    // One connection between the pair, on both sides.
    assert.equal(a.transport.connections().length, 1);
    assert.equal(b.transport.connections().length, 1);
    assert.equal(a.transport.connections()[0]!.alpn, 'shoal-quic/1');
  } finally {
    await shutdownAll([a, b]);
  }
});

test('three members converge; a best-effort message larger than the datagram limit arrives through the stream fallback', { timeout: 30_000 }, async () => {
  const ms = [await member('node-1', ca, certs.get('node-1')!), await member('node-2', ca, certs.get('node-2')!), await member('node-3', ca, certs.get('node-3')!)];
  try {
    await ms[1]!.list.join([ms[0]!.addr]);
    await ms[2]!.list.join([ms[1]!.addr]);
    await until(() => ms.every((m) => m.list.numMembers() === 3), 10_000, 'three members everywhere');
    const to3 = ms[0]!.list.members().find((n) => n.name === 'node-3')!;
    // Hex of pseudo-random bytes: still over the ~1400-byte datagram limit after memberlist's compression.
    let seed = 7;
    const big = Array.from({ length: 8000 }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16 & 15).toString(16)).join('');
    ms[0]!.list.sendBestEffort(to3, Buffer.from(big));
    await ms[0]!.list.sendReliable(to3, Buffer.from('reliable to 3'));
    await until(() => ms[2]!.delegate.messages.length >= 2, 5000, 'messages at node-3');
    assert.ok(ms[2]!.delegate.messages.includes(big));
    assert.ok(ms[2]!.delegate.messages.includes('reliable to 3'));
    assert.ok(ms[2]!.metrics.counter('memberlist.quic.packet.received', { path: 'stream' }) >= 1);
  } finally {
    await shutdownAll(ms);
  }
});

test('a member with a certificate from another CA never joins: refused and counted on both sides', { timeout: 30_000 }, async () => {
  const a = await member('node-1', ca, certs.get('node-1')!);
  const x = await member('intruder', rogueCa, certs.get('intruder')!, { dialTimeoutMs: 1000 }, { tcpTimeoutMs: 1000 });
  try {
    await assert.rejects(x.list.join([a.addr]));
    // And the other way round: a dialling the intruder.
    await assert.rejects(a.list.join([x.addr]));
    await sleep(300);
    assert.equal(a.list.numMembers(), 1);
    assert.equal(x.list.numMembers(), 1);
    for (const m of [a, x]) {
      assert.ok(m.metrics.counter('memberlist.quic.handshake.refused', { reason: 'unknown-ca' }) >= 1, `${m.name} refused`);
      assert.ok(m.transport.engineStats().handshakesRefused >= 1, `${m.name} engine refused`);
      assert.equal(m.transport.connections().length, 0);
    }
  } finally {
    await shutdownAll([a, x]);
  }
});
