import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Config } from './config.js';
import { SimCluster } from './sim/cluster.js';
import { RawPeer } from './sim/raw-peer.js';
import { Keyring } from './wire/keyring.js';
import { encodeMessage } from './wire/messages.js';
import { encodePacket } from './wire/packet.js';
import { encodePushPull, encodeStream, StreamDecoder } from './wire/stream.js';
import { MessageType, NodeStateType } from './wire/types.js';

const SEED = Number(process.env.SEED ?? 7);
const QUIET: Partial<Config> = { probeIntervalMs: 0, gossipIntervalMs: 0, pushPullIntervalMs: 0 };
const VSN = Uint8Array.of(1, 5, 2, 0, 0, 0);

async function quietCluster(config: Partial<Config> = {}, names = ['a']) {
  const c = new SimCluster({ seed: SEED, config: { ...QUIET, ...config } });
  for (const n of names) await c.add(n);
  return c;
}

test('ping: acked to SourceAddr:SourcePort; a ping for another node is dropped (Go TestHandlePing, _WrongNode)', async () => {
  const c = await quietCluster();
  const a = c.member('a');
  const raw = new RawPeer(c.network);
  const back = new RawPeer(c.network, 9000);
  raw.send(a.transport.address, { type: MessageType.Ping, body: { seqNo: 42, node: 'a', sourceAddr: back.ip, sourcePort: 9000, sourceNode: 'raw' } });
  raw.send(a.transport.address, { type: MessageType.Ping, body: { seqNo: 43, node: 'someone-else' } });
  raw.send(a.transport.address, { type: MessageType.Ping, body: { seqNo: 44, node: '' } });
  await c.sim.runFor(100);
  assert.deepEqual(back.messagesOf(MessageType.AckResp).map((m) => m.body.seqNo), [42]);
  assert.deepEqual(raw.messagesOf(MessageType.AckResp).map((m) => m.body.seqNo), [44], 'no SourceAddr: reply to the packet source');
});

test('acks carry piggybacked gossip (Go TestSendMsg_Piggyback)', async () => {
  const c = await quietCluster();
  const a = c.member('a');
  const raw = new RawPeer(c.network);
  // Teach a about a node: it queues the alive for gossip.
  raw.send(a.transport.address, { type: MessageType.Alive, body: { incarnation: 1, node: 'x', addr: Uint8Array.of(10, 9, 9, 9), port: 7946, meta: undefined, vsn: VSN } });
  await c.sim.runFor(10);
  raw.send(a.transport.address, { type: MessageType.Ping, body: { seqNo: 1, node: 'a' } });
  await c.sim.runFor(10);
  const reply = raw.received.at(-1)!;
  assert.deepEqual(reply.messages.map((m) => m.type), [MessageType.AckResp, MessageType.Alive, MessageType.Alive]);
  const names = reply.messages.slice(1).map((m) => (m.type === MessageType.Alive ? m.body.node : ''));
  assert.deepEqual(names.sort(), ['a', 'x']);
});

test('indirect ping: relays the target ack with the requester sequence number; nack when the target is silent (Go TestHandleIndirectPing)', async () => {
  const c = await quietCluster({}, ['a', 'b']);
  const a = c.member('a');
  const b = c.member('b');
  const raw = new RawPeer(c.network);
  const req = (seqNo: number, target: Uint8Array, node: string) => ({
    type: MessageType.IndirectPing,
    body: { seqNo, target, port: 7946, node, nack: true, sourceAddr: raw.ip, sourcePort: raw.port, sourceNode: 'raw' },
  } as const);
  raw.send(a.transport.address, req(100, b.transport.finalAdvertiseAddr().ip, 'b'));
  raw.send(a.transport.address, req(101, Uint8Array.of(10, 200, 0, 1), 'ghost'));
  await c.sim.runFor(2_000);
  assert.deepEqual(raw.messagesOf(MessageType.AckResp).map((m) => m.body.seqNo), [100]);
  assert.deepEqual(raw.messagesOf(MessageType.NackResp).map((m) => m.body.seqNo), [101], 'nack after ProbeTimeout, none for the answered one');
});

test('TCP ping over a stream is acked (Go TestTCPPing)', async () => {
  const c = await quietCluster();
  const a = c.member('a');
  const raw = new RawPeer(c.network);
  const conn = await c.sim.settle(raw.node.dial(a.transport.address));
  conn.write(encodeStream(encodeMessage({ type: MessageType.Ping, body: { seqNo: 77, node: 'a' } }), { writeLabelHeader: true }));
  const decoder = new StreamDecoder({ readLabelHeader: false });
  const chunk = await c.sim.settle(conn.read());
  const r = decoder.push(chunk!);
  assert.notEqual(r, 'need-more');
  if (r !== 'need-more') assert.deepEqual(r.message, { type: MessageType.AckResp, body: { seqNo: 77, payload: undefined } });
});

test('push/pull over a stream: the responder answers with its whole table and merges ours (Go TestTCPPushPull)', async () => {
  const c = await quietCluster();
  const a = c.member('a');
  const raw = new RawPeer(c.network);
  const conn = await c.sim.settle(raw.node.dial(a.transport.address));
  const ours = [{ name: 'raw', addr: raw.ip, port: 7946, meta: undefined, incarnation: 3, state: NodeStateType.Alive, vsn: VSN }];
  conn.write(encodeStream(encodePushPull(true, ours), { writeLabelHeader: true, compress: true }));
  const decoder = new StreamDecoder({ readLabelHeader: false });
  let r: ReturnType<StreamDecoder['push']> = 'need-more';
  while (r === 'need-more') r = decoder.push((await c.sim.settle(conn.read()))!);
  assert.equal(r.compressed, true, 'compression is on by default');
  assert.equal(r.message.type, MessageType.PushPull);
  if (r.message.type === MessageType.PushPull) {
    assert.equal(r.message.join, true, 'Join is echoed');
    assert.deepEqual(r.message.nodes.map((n) => [n.name, n.incarnation]), [['a', 1]]);
  }
  await c.sim.runFor(10);
  assert.deepEqual(a.list.members().map((n) => n.name).sort(), ['a', 'raw']);
});

test('garbage on a stream gets an error reply (Go handleConn errResp)', async () => {
  const c = await quietCluster();
  const raw = new RawPeer(c.network);
  const conn = await c.sim.settle(raw.node.dial(c.member('a').transport.address));
  conn.write(Uint8Array.of(MessageType.PushPull, 0xc1));
  const chunk = await c.sim.settle(conn.read());
  const r = new StreamDecoder({ readLabelHeader: false }).push(chunk!);
  assert.ok(r !== 'need-more' && r.message.type === MessageType.Err);
});

test('CRC: a good checksum is accepted, a bad one dropped; empty and garbage packets are dropped (Go TestIngestPacket_CRC, _Empty)', async () => {
  const c = await quietCluster();
  const a = c.member('a');
  const raw = new RawPeer(c.network);
  const ping = (seqNo: number) => encodeMessage({ type: MessageType.Ping, body: { seqNo, node: 'a' } });
  raw.sendBytes(a.transport.address, encodePacket(ping(1), { crc: true }));
  const bad = encodePacket(ping(2), { crc: true });
  bad[2] = bad[2]! ^ 0xff;
  raw.sendBytes(a.transport.address, bad);
  raw.sendBytes(a.transport.address, new Uint8Array(0));
  raw.sendBytes(a.transport.address, Uint8Array.of(0xff, 1, 2, 3));
  raw.sendBytes(a.transport.address, Uint8Array.of(MessageType.Compound, 200, 0));
  await c.sim.runFor(100);
  assert.deepEqual(raw.messagesOf(MessageType.AckResp).map((m) => m.body.seqNo), [1]);
  assert.equal(a.list.isShutdown, false);
});

test('gossip to a protocol-5 node carries a CRC (spec §5.1 step 4)', async () => {
  const c = await quietCluster({ gossipIntervalMs: 200 });
  const a = c.member('a');
  const raw = new RawPeer(c.network);
  raw.send(a.transport.address, { type: MessageType.Alive, body: { incarnation: 1, node: 'raw', addr: raw.ip, port: 7946, meta: undefined, vsn: VSN } });
  await c.sim.runFor(1_000);
  const gossip = raw.received.filter((r) => r.messages.some((m) => m.type === MessageType.Alive));
  assert.ok(gossip.length > 0);
  assert.ok(gossip.every((r) => r.crc));
});

test('labels: mismatched or missing labels are dropped; SkipInboundLabelCheck accepts unlabelled', async () => {
  const c = await quietCluster({ label: 'prod' });
  const a = c.member('a');
  const raw = new RawPeer(c.network, 7946, { label: 'prod' });
  const ping = (seqNo: number) => ({ type: MessageType.Ping, body: { seqNo, node: 'a' } }) as const;
  raw.send(a.transport.address, ping(1));
  raw.send(a.transport.address, ping(2), { label: 'dev' });
  raw.send(a.transport.address, ping(3), { label: '' });
  await c.sim.runFor(100);
  assert.deepEqual(raw.messagesOf(MessageType.AckResp).map((m) => m.body.seqNo), [1]);
  assert.equal(raw.received.at(-1)!.bytes[0], MessageType.HasLabel, 'replies are labelled');
});

test('encryption: peers with the key talk, a wrong or missing key is dropped', async () => {
  const key = Uint8Array.from({ length: 16 }, (_, i) => i);
  const c = await quietCluster({ secretKey: key });
  const a = c.member('a');
  const good = new RawPeer(c.network, 7946, { keyring: Keyring.create([], key) });
  const wrong = new RawPeer(c.network, 7946, { keyring: Keyring.create([], new Uint8Array(16).fill(9)) });
  const plain = new RawPeer(c.network, 7946);
  for (const p of [good, wrong, plain]) p.send(a.transport.address, { type: MessageType.Ping, body: { seqNo: 5, node: 'a' } });
  await c.sim.runFor(100);
  assert.equal(good.messagesOf(MessageType.AckResp).length, 1);
  assert.equal(wrong.received.length, 0);
  assert.equal(plain.received.length, 0);
});

test('gossip handling: alive before the rest, newest first (spec §4)', async () => {
  const c = await quietCluster();
  const a = c.member('a');
  const raw = new RawPeer(c.network);
  // In wire order the suspect (about an unknown node) would be ignored; alive-first makes it count.
  raw.send(a.transport.address, [
    { type: MessageType.Suspect, body: { incarnation: 1, node: 'x', from: 'raw' } },
    { type: MessageType.Alive, body: { incarnation: 1, node: 'x', addr: Uint8Array.of(10, 9, 9, 9), port: 7946, meta: undefined, vsn: VSN } },
  ]);
  await c.sim.runFor(10);
  const x = a.list.allNodes().find((n) => n.node.name === 'x');
  assert.ok(x, 'x was learned');
  // (With probing off the suspicion timeout is 0, so the suspect is already dead.)
  assert.notEqual(x.node.state, NodeStateType.Alive, 'the suspect was applied after the alive');
});

test('a full handoff queue drops the excess', async () => {
  const c = await quietCluster({ handoffQueueDepth: 2 });
  const a = c.member('a');
  const raw = new RawPeer(c.network);
  const alive = (i: number) => ({ type: MessageType.Alive, body: { incarnation: 1, node: `x${i}`, addr: Uint8Array.of(10, 9, 9, i), port: 7946, meta: undefined, vsn: VSN } }) as const;
  raw.send(a.transport.address, [alive(1), alive(2), alive(3), alive(4)]);
  await c.sim.runFor(10);
  assert.equal(a.list.numMembers(), 3, 'a and two of the four');
});

test('garbage and mutated packets never crash a member; it keeps answering (2,000 seeded cases)', async () => {
  const { seededRandom } = await import('@shoal/kit');
  const seed = 99;
  const rnd = seededRandom(seed);
  const c = await quietCluster({ probeIntervalMs: 1_000, gossipIntervalMs: 200 }, ['a', 'b']);
  await c.sim.settle(c.member('b').list.join([c.member('a').transport.address]));
  const a = c.member('a');
  const raw = new RawPeer(c.network);
  const valid = [
    encodeMessage({ type: MessageType.Alive, body: { incarnation: 5, node: 'zed', addr: Uint8Array.of(10, 1, 1, 1), port: 7946, meta: undefined, vsn: VSN } }),
    encodeMessage({ type: MessageType.Suspect, body: { incarnation: 5, node: 'b', from: 'zed' } }),
    encodeMessage({ type: MessageType.Dead, body: { incarnation: 1, node: 'a', from: 'zed' } }),
    encodeMessage({ type: MessageType.IndirectPing, body: { seqNo: 1, target: Uint8Array.of(10, 0, 0, 2), port: 7946, node: 'b', nack: true } }),
    encodeMessage({ type: MessageType.Ping, body: { seqNo: 3, node: 'a' } }),
  ];
  for (let i = 0; i < 2_000; i++) {
    const base = valid[rnd.int(valid.length)]!;
    let bytes: Uint8Array = Uint8Array.from(base);
    switch (rnd.int(4)) {
      case 0:
        for (let k = 0; k < 1 + rnd.int(4); k++) bytes[rnd.int(bytes.length)] = rnd.int(256);
        break;
      case 1:
        bytes = bytes.subarray(0, rnd.int(bytes.length));
        break;
      case 2:
        bytes = Uint8Array.from({ length: rnd.int(64) }, () => rnd.int(256));
        break;
      default:
        bytes = encodePacket([base, valid[rnd.int(valid.length)]!], { crc: rnd.chance(0.5), compress: rnd.chance(0.5) });
    }
    raw.sendBytes(a.transport.address, bytes);
    if (i % 100 === 0) await c.sim.runFor(50);
  }
  await c.sim.runFor(5_000);
  assert.equal(a.list.isShutdown, false, `seed ${seed}`);
  const n = raw.messagesOf(MessageType.AckResp).length;
  raw.send(a.transport.address, { type: MessageType.Ping, body: { seqNo: 123456, node: 'a' } });
  await c.sim.runFor(100);
  assert.ok(raw.messagesOf(MessageType.AckResp).some((m) => m.body.seqNo === 123456), `seed ${seed}: still answers (${n} acks before)`);
  assert.ok(a.list.members().some((m) => m.name === 'b'), 'still knows b');
});

test('push/pulls beyond maxConcurrentPushPulls are dropped (Go maxPushPullRequests)', async () => {
  const c = await quietCluster({ maxConcurrentPushPulls: 2, tcpTimeoutMs: 2_000 });
  const a = c.member('a');
  // Five requests arrive slowly (100 ms per hop), each in two halves 50 ms apart: all five are
  // known to be push/pulls (Go counts from the type byte) while the first two are still being read.
  const peers = Array.from({ length: 5 }, () => new RawPeer(c.network));
  c.network.setLinkBoth(peers.map((p) => p.node), [a.host], { latency: (await import('@shoal/sim')).constantLatency(100) });
  const answers = await c.sim.settle(
    Promise.all(
      peers.map(async (p, i) => {
        const conn = await p.node.dial(a.transport.address);
        const nodes = [{ name: `raw-${p.node.host}`, addr: p.ip, port: 7946, meta: undefined, incarnation: 1, state: NodeStateType.Alive, vsn: VSN }];
        const bytes = encodeStream(encodePushPull(false, nodes), { writeLabelHeader: true });
        await new Promise<void>((r) => c.sim.after(i * 5, r));
        conn.write(bytes.subarray(0, 3));
        await new Promise<void>((r) => c.sim.after(50, r));
        conn.write(bytes.subarray(3));
        return (await conn.read()) !== null;
      }),
    ),
  );
  assert.deepEqual(answers, [true, true, false, false, false], 'the first two are served, the rest dropped');
  // One at a time they are served.
  const conn = await c.sim.settle(peers[0]!.node.dial(a.transport.address));
  conn.write(encodeStream(encodePushPull(false, []), { writeLabelHeader: true }));
  assert.notEqual(await c.sim.settle(conn.read()), null);
});

test('gossip reaches the dead for GossipToTheDeadTime, then stops; the left get none (Go TestMemberlist_GossipToDead)', async () => {
  const c = await quietCluster({ gossipIntervalMs: 100, gossipToTheDeadTimeMs: 2_000 });
  const a = c.member('a');
  const dead = new RawPeer(c.network);
  const left = new RawPeer(c.network);
  const alive = (p: RawPeer, name: string) => ({ type: MessageType.Alive, body: { incarnation: 1, node: name, addr: p.ip, port: 7946, meta: undefined, vsn: VSN } }) as const;
  dead.send(a.transport.address, [alive(dead, 'dead'), alive(left, 'left')]);
  await c.sim.runFor(10);
  dead.send(a.transport.address, [
    { type: MessageType.Dead, body: { incarnation: 1, node: 'dead', from: 'someone' } },
    { type: MessageType.Dead, body: { incarnation: 1, node: 'left', from: 'left' } },
  ]);
  await c.sim.runFor(10);
  const news = (i: number) => ({ type: MessageType.Alive, body: { incarnation: 1, node: `news-${i}`, addr: Uint8Array.of(10, 7, 7, i), port: 7946, meta: undefined, vsn: VSN } }) as const;
  // Keep news flowing so every gossip round has something to send.
  for (let i = 0; i < 40; i++) c.sim.after(i * 100, () => new RawPeer(c.network).send(a.transport.address, news(i)));
  await c.sim.runFor(1_500);
  const during = dead.received.length;
  assert.ok(during > 0, 'the dead member still hears gossip');
  await c.sim.runFor(2_500);
  const after = dead.received.length;
  await c.sim.runFor(1_000);
  assert.equal(dead.received.length, after, 'nothing more once GossipToTheDeadTime has passed');
  assert.equal(left.received.length, 0, 'left members are not gossiped to');
});
