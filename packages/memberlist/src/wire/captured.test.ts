// Traffic captured from two live Go memberlist 0.2.2 nodes (pings, acks,
// CRC-wrapped and compressed gossip, user messages, push/pull and user
// streams; plaintext, AES-128 v1 and AES-256 v0). Every packet and stream must
// decode to what Go's own codec read from it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePacket } from './packet.js';
import { decodeStream, type StreamMessage } from './stream.js';
import { Keyring } from './keyring.js';
import { expectedMessage, fromGo, hex, loadFixture, schemaFor, type GoMessage, type GoValue } from './go-fixtures.js';
import type { PushNodeState } from './messages.js';
import { MessageType } from './types.js';

interface Captured {
  cluster: string;
  kind: 'packet' | 'stream';
  from: string;
  dialer: boolean;
  keys: string[];
  hex: string;
  crc: boolean;
  encrypted: boolean;
  compressed: boolean;
  messages?: GoMessage[];
  stream?: { kind: 'pushPull' | 'user' | 'message'; header?: GoValue; nodes?: GoValue[]; userState?: string; userMsg?: string; message?: GoMessage };
}
const captured = loadFixture<{ captured: Captured[] }>('captured.json').captured;

test('the capture covers the shapes memberlist sends', () => {
  const packets = captured.filter((c) => c.kind === 'packet');
  const types = new Set(packets.flatMap((p) => p.messages!.map((m) => m.type)));
  for (const t of [0, 2, 4, 8]) assert.ok(types.has(t), `message type ${t}`);
  assert.ok(packets.some((p) => p.crc && p.compressed), 'CRC-wrapped compressed gossip');
  assert.ok(packets.some((p) => p.messages!.length > 1), 'compound');
  assert.ok(captured.some((c) => c.kind === 'stream' && c.stream!.kind === 'pushPull' && c.encrypted));
  assert.ok(captured.some((c) => c.kind === 'stream' && c.stream!.kind === 'user'));
});

function expectedStream(s: NonNullable<Captured['stream']>): StreamMessage {
  if (s.kind === 'pushPull') {
    return { type: MessageType.PushPull, join: s.header!.Join as boolean, nodes: s.nodes!.map((n) => fromGo(schemaFor('pushNodeState'), n) as PushNodeState), userState: hex(s.userState!) };
  }
  if (s.kind === 'user') return { type: MessageType.User, payload: hex(s.userMsg!) };
  return expectedMessage(s.message!) as StreamMessage;
}

captured.forEach((c, i) => {
  const what = c.kind === 'packet' ? c.messages!.map((m) => m.type).join('+') : c.stream!.kind;
  test(`captured Go ${c.cluster} ${c.kind} #${i} from ${c.from} (${what}) decodes as Go read it`, () => {
    const keyring = c.keys.length === 0 ? undefined : Keyring.create([], hex(c.keys[0]!));
    if (c.kind === 'packet') {
      const r = decodePacket(hex(c.hex), { keyring });
      assert.deepEqual(r.errors, []);
      assert.equal(r.crc, c.crc);
      assert.equal(r.encrypted, c.encrypted);
      assert.deepEqual(r.messages, c.messages!.map(expectedMessage));
    } else {
      const r = decodeStream(hex(c.hex), { keyring });
      assert.equal(r.encrypted, c.encrypted);
      assert.equal(r.compressed, c.compressed);
      assert.deepEqual(r.message, expectedStream(c.stream!));
    }
  });
});
