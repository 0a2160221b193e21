import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '@shoal/kit';
import { aliveLength, suspectLength } from './sizes.js';
import { encodeMessage } from './wire/messages.js';
import { MessageType } from './wire/types.js';

test('computed lengths equal the encoder output for random messages', () => {
  const r = seededRandom(99);
  const str = (n: number): string => Array.from({ length: n }, () => String.fromCharCode(r.chance(0.1) ? 0x4e00 + r.int(100) : 97 + r.int(26))).join('');
  const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => r.int(256));
  const uint = (): number => [0, 1, 127, 128, 255, 256, 65535, 65536, 0xffffffff][r.int(9)]!;
  const sizes = [0, 1, 5, 31, 32, 33, 100, 300];
  for (let i = 0; i < 500; i++) {
    const alive = {
      incarnation: uint(),
      node: str(sizes[r.int(sizes.length)]!),
      addr: bytes(r.chance(0.5) ? 4 : 16),
      port: uint() & 0xffff,
      meta: r.chance(0.2) ? undefined : bytes(sizes[r.int(sizes.length)]!),
      vsn: bytes(6),
    };
    assert.equal(aliveLength(alive), encodeMessage({ type: MessageType.Alive, body: alive }).length, JSON.stringify({ i, node: alive.node }));
    const s = { incarnation: uint(), node: str(sizes[r.int(sizes.length)]!), from: str(sizes[r.int(sizes.length)]!) };
    assert.equal(suspectLength(s), encodeMessage({ type: MessageType.Suspect, body: s }).length);
    assert.equal(suspectLength(s), encodeMessage({ type: MessageType.Dead, body: s }).length);
  }
});
