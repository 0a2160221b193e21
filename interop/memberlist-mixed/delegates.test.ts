// Issue 5 item 2 (f)-(h): what the delegates carry across implementations —
// user messages, node meta and its updates, and push/pull local state.
import assert from 'node:assert/strict';
import type { MemberEvent } from '../harness/event-log.js';
import { GoMemberlistNode } from '../harness/go-memberlist-node.js';
import { ShoalNode } from '../harness/shoal-node.js';
import { interopTest, noiseText, sendUntilSeen, WAIT_MS } from './mixed.js';

const msgWith = (data: string, self?: string) => (e: MemberEvent): boolean => e.event === 'msg' && e.data === data && (self === undefined || e.self === self);
const joinOf = (name: string) => (e: MemberEvent): boolean => e.event === 'join' && e.node === name;

interopTest('(f) user messages both ways, best effort (UDP) and reliable (TCP)', 60_000, async (nodes) => {
  // The local profile gives a whole inbound stream 1 s (Go's TCPTimeout); on a
  // loaded machine, compressing, sending and reading 8 MB can take longer, and
  // Go then drops it ("i/o timeout"), so the Go node gets 10 s here.
  const go = nodes.add(await GoMemberlistNode.start({ name: 'go-f', bind: '127.0.0.1:0', tcpTimeoutMs: 10_000, verbose: true }));
  const shoal = nodes.add(await ShoalNode.start({ name: 'shoal-f', join: [go.addr] }));
  await go.waitFor(joinOf('shoal-f'), WAIT_MS, 'go-f to see shoal-f');

  // Reliable, small and large (a large one spans many TCP segments and, compressed, many LZW codes).
  const small = 'reliable shoal→go: héllo ✓';
  await shoal.sendReliable('go-f', small);
  await go.waitFor(msgWith(small), WAIT_MS, 'the small reliable message from shoal');
  const large = `reliable shoal→go ${noiseText(1, 60_000)}`;
  await shoal.sendReliable('go-f', large);
  await go.waitFor(msgWith(large), WAIT_MS, 'the 60 KB reliable message from shoal');

  // Larger than the kernel's socket buffers (4 MiB by default): most of it is
  // still queued in Node when sendReliable closes the stream, and must go out anyway.
  const huge = `reliable shoal→go ${noiseText(9, 8_000_000)}`;
  await shoal.sendReliable('go-f', huge);
  await go.waitFor(msgWith(huge), WAIT_MS, 'the 8 MB reliable message from shoal');

  const fromGo = 'reliable go→shoal: grüße ✓';
  assert.equal((await go.request(`send-reliable shoal-f ${fromGo}`, 'sent')).event, 'sent');
  await shoal.waitFor(msgWith(fromGo), WAIT_MS, 'the small reliable message from Go');
  const largeFromGo = `reliable go→shoal ${noiseText(2, 60_000)}`;
  assert.equal((await go.request(`send-reliable shoal-f ${largeFromGo}`, 'sent')).event, 'sent');
  await shoal.waitFor(msgWith(largeFromGo), WAIT_MS, 'the 60 KB reliable message from Go');

  // Best effort: one packet each (near the 1400-byte packet limit for the larger one).
  const packet = `best-effort shoal→go ${noiseText(3, 1000)}`;
  await sendUntilSeen(() => shoal.sendBestEffort('go-f', packet), go.log, msgWith(packet), 'a best-effort message from shoal');
  const packetFromGo = `best-effort go→shoal ${noiseText(4, 1000)}`;
  await sendUntilSeen(() => go.request(`send-best-effort shoal-f ${packetFromGo}`, 'sent'), shoal.log, msgWith(packetFromGo), 'a best-effort message from Go');

  // Reliable means once: each arrived exactly one time.
  for (const data of [small, large, huge]) assert.equal(go.events.filter(msgWith(data)).length, 1);
  for (const data of [fromGo, largeFromGo]) assert.equal(shoal.events.filter(msgWith(data)).length, 1);
});

interopTest('(g) node meta and updateNode are seen across, relayed by gossip', 60_000, async (nodes) => {
  // Two Go nodes, so updates also travel Go→Go after crossing from shoal.
  const go = nodes.add(await GoMemberlistNode.start({ name: 'go-g', bind: '127.0.0.1:0', nodes: 2, meta: 'go-meta-v1' }));
  await go.request(`@go-g-1 join ${go.addrOf('go-g-0')}`, 'joined');
  const shoal = nodes.add(await ShoalNode.start({ name: 'shoal-g', meta: 'shoal-meta-v1', join: [go.addrOf('go-g-0')] }));

  for (const g of ['go-g-0', 'go-g-1']) {
    const seen = await go.log.waitFor((e) => e.self === g && joinOf('shoal-g')(e), WAIT_MS, `${g} to see shoal-g`);
    assert.equal(seen.meta, 'shoal-meta-v1');
    assert.equal((await shoal.waitFor(joinOf(g), WAIT_MS, `shoal-g to see ${g}`)).meta, 'go-meta-v1');
  }

  // shoal → Go: a new meta (long, near Go's 512-byte limit) via updateNode.
  const shoalMeta = `shoal-meta-v2 ${noiseText(5, 480)}`;
  await shoal.updateMeta(shoalMeta);
  for (const g of ['go-g-0', 'go-g-1']) {
    const update = await go.log.waitFor((e) => e.self === g && e.event === 'update' && e.node === 'shoal-g', WAIT_MS, `${g} to see shoal-g's new meta`);
    assert.equal(update.meta, shoalMeta);
    assert.equal(update.state, 'alive');
    const members = (await go.request(`@${g} members`, 'members')).members as { name: string; meta: string }[];
    assert.equal(members.find((m) => m.name === 'shoal-g')?.meta, shoalMeta);
  }

  // Go → shoal.
  const goMeta = `go-meta-v2 ${noiseText(6, 480)}`;
  assert.equal((await go.request(`@go-g-1 update-meta ${goMeta}`, 'updated')).event, 'updated');
  const update = await shoal.waitFor((e) => e.event === 'update' && e.node === 'go-g-1', WAIT_MS, 'shoal-g to see go-g-1\'s new meta');
  assert.equal(update.meta, goMeta);
  assert.equal(Buffer.from(shoal.list.members().find((m) => m.name === 'go-g-1')!.meta).toString(), goMeta);
  assert.equal(Buffer.from(shoal.list.members().find((m) => m.name === 'go-g-0')!.meta).toString(), 'go-meta-v1', 'the other Go node keeps its meta');
});

interopTest('(h) push/pull carries delegate local state both ways, on join and periodically', 60_000, async (nodes) => {
  const remoteState = (self: string, data: string, join: boolean) => (e: MemberEvent): boolean =>
    e.event === 'remote-state' && e.self === self && e.data === data && e.join === join;
  // 1 s push/pull on both sides, so the periodic exchange comes within seconds.
  const s1 = nodes.add(await ShoalNode.start({ name: 'shoal-h1', state: 'shoal-h1 state v1', pushPullIntervalMs: 1000 }));

  // A join initiated by Go: both states cross, flagged as a join.
  const go = nodes.add(await GoMemberlistNode.start({ name: 'go-h', bind: '127.0.0.1:0', state: 'go-h state v1', join: [s1.addr], pushPullMs: 1000 }));
  await s1.waitFor(remoteState('shoal-h1', 'go-h state v1', true), WAIT_MS, 'shoal-h1 to get go-h\'s state on go-h\'s join');
  await go.waitFor(remoteState('go-h', 'shoal-h1 state v1', true), WAIT_MS, 'go-h to get shoal-h1\'s state on its join');

  // A join initiated by shoal.
  const s2 = nodes.add(await ShoalNode.start({ name: 'shoal-h2', state: 'shoal-h2 state v1', join: [go.addr], pushPullIntervalMs: 1000 }));
  await s2.waitFor(remoteState('shoal-h2', 'go-h state v1', true), WAIT_MS, 'shoal-h2 to get go-h\'s state on its join');
  await go.waitFor(remoteState('go-h', 'shoal-h2 state v1', true), WAIT_MS, 'go-h to get shoal-h2\'s state on shoal-h2\'s join');

  // Periodic anti-entropy (not a join) carries new, larger states both ways.
  const goV2 = `go-h state v2 ${noiseText(7, 30_000)}`;
  const shoalV2 = `shoal-h1 state v2 ${noiseText(8, 30_000)}`;
  assert.equal((await go.request(`set-state ${goV2}`, 'state-set')).event, 'state-set');
  s1.setState(shoalV2);
  await s1.waitFor(remoteState('shoal-h1', goV2, false), WAIT_MS, 'shoal-h1 to get go-h\'s new state in a periodic push/pull');
  await go.waitFor(remoteState('go-h', shoalV2, false), WAIT_MS, 'go-h to get shoal-h1\'s new state in a periodic push/pull');
});
