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
