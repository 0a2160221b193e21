// Issue 5 item 2 (e) and (i): encryption with a shared key and compression,
// on and off, checked on the wire as well as by the cluster working; and a
// mismatched key refused with an error that says why.
import assert from 'node:assert/strict';
import { eventually, type MemberEvent } from '../harness/event-log.js';
import { GoMemberlistNode } from '../harness/go-memberlist-node.js';
import { ShoalNode } from '../harness/shoal-node.js';
import { containsText, outerType, summarize, WIRE, type WireRecord } from '../harness/wire-tap.js';
import { interopTest, newKey, sendUntilSeen, WAIT_MS } from './mixed.js';

const msgWith = (data: string) => (e: MemberEvent): boolean => e.event === 'msg' && e.data === data;

for (const encrypted of [false, true]) {
  for (const compression of [true, false]) {
    const label = `key ${encrypted ? 'on' : 'off'}, compression ${compression ? 'on' : 'off'}`;
    interopTest(`(e) ${label}: joins and messages both ways; the wire shows it`, 60_000, async (nodes) => {
      const tag = `${encrypted ? 'k' : 'p'}${compression ? 'c' : 'u'}`;
      const key = encrypted ? newKey() : undefined;
      const common = { compression, ...(key ? { key } : {}) };
      const s0 = nodes.add(await ShoalNode.start({ name: `shoal-e${tag}0`, tap: true, ...common }));
      const go = nodes.add(await GoMemberlistNode.start({ name: `go-e${tag}`, bind: '127.0.0.1:0', join: [s0.addr], ...common }));
      const goJoined = await go.waitFor((e) => e.event === 'joined' || e.event === 'join-error', WAIT_MS, 'Go to join shoal');
      assert.equal(goJoined.event, 'joined', `Go failed to join shoal: ${goJoined.error}`);
      const s1 = nodes.add(await ShoalNode.start({ name: `shoal-e${tag}1`, join: [go.addr], ...common }));
      const all = [s0.name, s1.name, `go-e${tag}`].sort();
      await eventually(async () => {
        const views = [s0.memberNames(), s1.memberNames(), await go.memberNames()];
        return { ok: views.every((v) => v.join() === all.join()), detail: JSON.stringify(views) };
      }, WAIT_MS, 'all three to list all three');

      // Compressible payloads with a marker: LZW shrinks them, so packets get compressed when compression is on.
      const filler = ' the quick brown fox'.repeat(30);
      const text = {
        toGoReliable: `marker-${tag}-s2g-reliable${filler}`,
        toShoalReliable: `marker-${tag}-g2s-reliable${filler}`,
        toGoPacket: `marker-${tag}-s2g-packet${filler}`,
        toShoalPacket: `marker-${tag}-g2s-packet${filler}`,
      };
      await s0.sendReliable(go.names[0]!, text.toGoReliable);
      await go.waitFor(msgWith(text.toGoReliable), WAIT_MS, 'shoal\'s reliable message');
      assert.equal((await go.request(`send-reliable ${s0.name} ${text.toShoalReliable}`, 'sent')).event, 'sent');
      await s0.waitFor(msgWith(text.toShoalReliable), WAIT_MS, 'Go\'s reliable message');
      await sendUntilSeen(() => s0.sendBestEffort(go.names[0]!, text.toGoPacket), go.log, msgWith(text.toGoPacket), 'shoal\'s best-effort message');
      await sendUntilSeen(() => go.request(`send-best-effort ${s0.name} ${text.toShoalPacket}`, 'sent'), s0.log, msgWith(text.toShoalPacket), 'Go\'s best-effort message');

      // What crossed shoal-e*0's sockets.
      const tap = s0.tap!;
      const streams = tap.select({ kind: 'stream' });
      const inStreams = tap.select({ dir: 'in', kind: 'stream' });
      const outStreams = tap.select({ dir: 'out', kind: 'stream' });
      const inPackets = tap.select({ dir: 'in', kind: 'packet', peer: go.addr });
      const outPackets = tap.select({ dir: 'out', kind: 'packet', peer: go.addr });
      const why = `wire: ${summarize(tap.records, 40)}`;
      assert.ok(inStreams.length >= 2, `Go's join and reliable message came in as streams; ${why}`);
      assert.ok(outStreams.length >= 1 && inPackets.length >= 1 && outPackets.length >= 1, why);
      const compressed = (r: WireRecord): boolean => outerType(r) === WIRE.Compress;
      const markers = Object.values(text).map((t) => t.slice(0, t.indexOf(' ')));
      const leaks = tap.records.filter((r) => markers.some((m) => containsText(r, m)));

      if (encrypted) {
        for (const r of streams) assert.equal(r.bytes[0], WIRE.Encrypt, `every stream is encrypted; ${summarize([r])}`);
        assert.deepEqual(leaks.map((r) => summarize([r])), [], 'no message text in the clear');
      } else if (compression) {
        for (const r of streams) assert.ok(compressed(r), `every stream is compressed; ${summarize([r])}`);
        assert.ok(inPackets.some(compressed), `Go compressed its best-effort packet; ${why}`);
        assert.ok(outPackets.some(compressed), `shoal compressed its best-effort packet; ${why}`);
      } else {
        assert.deepEqual(tap.records.filter(compressed).map((r) => summarize([r])), [], 'nothing is compressed');
        // In the clear, so the absence of markers above means something.
        assert.ok(inStreams.some((r) => containsText(r, markers[1]!)), `Go's reliable message is plaintext on the wire; ${why}`);
        assert.ok(inPackets.some((r) => containsText(r, markers[3]!)), `Go's best-effort message is plaintext on the wire; ${why}`);
        assert.ok(outStreams.some((r) => containsText(r, markers[0]!)) && outPackets.some((r) => containsText(r, markers[2]!)), why);
      }
    });
  }
}

interopTest('(i) mismatched keys: each side refuses the other\'s join, saying it cannot decrypt', 60_000, async (nodes) => {
  const goKey = newKey();
  const go = nodes.add(await GoMemberlistNode.start({ name: 'go-i', bind: '127.0.0.1:0', key: goKey, verbose: true }));
  const shoal = nodes.add(await ShoalNode.start({ name: 'shoal-i', key: newKey() }));

  // shoal → Go: Go cannot decrypt the push/pull and answers with an error
  // sealed under its own key, which shoal in turn cannot decrypt.
  await assert.rejects(shoal.join([go.addr]), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'ERR_JOIN_FAILED');
    assert.match(error.message, new RegExp(`failed to join ${go.addr.replace(/\./g, '\\.')}: .*no installed key could decrypt the message`, 'i'));
    return true;
  });
  await eventually(() => ({ ok: /failed to receive: No installed keys could decrypt the message/.test(go.stderr), detail: go.stderr.slice(-500) }), WAIT_MS, 'Go to log why it refused the stream');

  // Go → shoal.
  const go2 = nodes.add(await GoMemberlistNode.start({ name: 'go-i2', bind: '127.0.0.1:0', key: goKey, join: [shoal.addr] }));
  const refused = await go2.waitFor((e) => e.event === 'joined' || e.event === 'join-error', WAIT_MS, 'go-i2 to try to join shoal');
  assert.equal(refused.event, 'join-error', 'Go must not join with the wrong key');
  // (Go 0.2.2 names only the host in this message.)
  assert.match(refused.error!, /Failed to join 127\.0\.0\.1: No installed keys could decrypt the message/);
  assert.ok(shoal.recentLogs.some((e) => e.from !== undefined && /no installed key could decrypt/.test(JSON.stringify(e))), "shoal logs why it refused Go's stream");

  // Nobody joined anybody.
  assert.deepEqual(shoal.memberNames(), ['shoal-i']);
  assert.deepEqual(await go.memberNames(), ['go-i']);
  assert.deepEqual(await go2.memberNames(), ['go-i2']);
  assert.deepEqual(shoal.events.filter((e) => e.event === 'join' && e.node !== 'shoal-i'), []);
  assert.deepEqual([...go.events, ...go2.events].filter((e) => e.event === 'join' && e.node !== e.self), []);
});

interopTest('(i) a key on one side only: refused both ways, the error names the encryption mismatch', 60_000, async (nodes) => {
  const shoal = nodes.add(await ShoalNode.start({ name: 'shoal-i3', key: newKey() }));
  const go = nodes.add(await GoMemberlistNode.start({ name: 'go-i3', bind: '127.0.0.1:0' }));

  // Go (no key) refuses the encrypted push/pull with a plaintext error, which shoal (key, verify incoming) refuses in turn.
  await assert.rejects(shoal.join([go.addr]), /encryption is configured but remote state is not encrypted/);
  // shoal refuses Go's plaintext push/pull with an encrypted error, which Go cannot read without a key.
  const go2 = nodes.add(await GoMemberlistNode.start({ name: 'go-i4', bind: '127.0.0.1:0', join: [shoal.addr] }));
  const refused = await go2.waitFor((e) => e.event === 'joined' || e.event === 'join-error', WAIT_MS, 'go-i4 to try to join shoal');
  assert.equal(refused.event, 'join-error', 'Go must not join an encrypted cluster without the key');
  assert.match(refused.error!, /Remote state is encrypted and encryption is not configured/);
  assert.ok(shoal.recentLogs.some((e) => e.from !== undefined && /encryption is configured but remote state is not encrypted/.test(JSON.stringify(e))), "shoal logs why it refused Go's stream");

  assert.deepEqual(shoal.memberNames(), ['shoal-i3']);
  assert.deepEqual(await go.memberNames(), ['go-i3']);
  assert.deepEqual(await go2.memberNames(), ['go-i4']);
});
