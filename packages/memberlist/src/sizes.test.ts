import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom, Writer } from '@shoal/kit';
import { aliveLength, messageLength, pushNodeStateLength, suspectLength } from './sizes.js';
import { encodeMessage, PushNodeStateSchema, type PacketMessage } from './wire/messages.js';
import { MessageType } from './wire/types.js';

test('computed lengths equal the encoder output for random messages', () => {
  const seed = 99;
  const r = seededRandom(seed);
  const str = (n: number): string => Array.from({ length: n }, () => String.fromCharCode(r.chance(0.1) ? 0x4e00 + r.int(100) : 97 + r.int(26))).join('');
  const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => r.int(256));
  const uint = (): number => [0, 1, 127, 128, 255, 256, 65535, 65536, 0xffffffff][r.int(9)]!;
  const u16 = (): number => uint() & 0xffff;
  const sizes = [0, 1, 5, 31, 32, 33, 100, 300];
  const size = (): number => sizes[r.int(sizes.length)]!;
  const maybe = <T>(v: T): T | undefined => (r.chance(0.3) ? undefined : v);
  for (let i = 0; i < 400; i++) {
    const alive = { incarnation: uint(), node: str(size()), addr: bytes(r.chance(0.5) ? 4 : 16), port: u16(), meta: maybe(bytes(size())), vsn: bytes(6) };
    const s = { incarnation: uint(), node: str(size()), from: str(size()) };
    const msgs: PacketMessage[] = [
      { type: MessageType.Alive, body: alive },
      { type: MessageType.Suspect, body: s },
      { type: MessageType.Dead, body: s },
      { type: MessageType.Ping, body: { seqNo: uint(), node: str(size()), sourceAddr: maybe(bytes(4)), sourcePort: maybe(u16()), sourceNode: maybe(str(size())) } },
      {
        type: MessageType.IndirectPing,
        body: { seqNo: uint(), target: bytes(4), port: u16(), node: str(size()), nack: r.chance(0.5), sourceAddr: maybe(bytes(16)), sourcePort: maybe(u16()), sourceNode: maybe(str(size())) },
      },
      { type: MessageType.AckResp, body: { seqNo: uint(), payload: maybe(bytes(size())) } },
      { type: MessageType.NackResp, body: { seqNo: uint() } },
      { type: MessageType.User, payload: bytes(size()) },
      { type: MessageType.Err, body: { error: str(size()) } },
    ];
    for (const m of msgs) assert.equal(messageLength(m), encodeMessage(m).length, `seed ${seed} case ${i} type ${m.type}`);
    assert.equal(aliveLength(alive), messageLength(msgs[0]!));
    assert.equal(suspectLength(s), messageLength(msgs[1]!));
    const pns = { name: str(size()), addr: bytes(4), port: u16(), meta: maybe(bytes(size())), incarnation: uint(), state: r.int(4), vsn: bytes(6) };
    const w = new Writer();
    w.encode(PushNodeStateSchema, pns);
    assert.equal(pushNodeStateLength(pns), w.toBytes().length, `seed ${seed} case ${i} pushNodeState`);
  }
});
