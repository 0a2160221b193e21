import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasShortHeaderPacket, readRoute, readVarint } from './packet-header.js';

test('readRoute: short and long headers, garbage gives null, never throws', () => {
  const short = Uint8Array.from([0x41, ...Array.from({ length: 16 }, (_, i) => i), 9, 9]);
  const r = readRoute(short, 16)!;
  assert.equal(r.long, false);
  assert.equal(r.dcidKey.length, 16);
  assert.equal(readRoute(Uint8Array.from([0x01, 2, 3]), 16), null, 'fixed bit clear');
  const long = Uint8Array.from([0xc0, 0, 0, 0, 1, 4, 1, 2, 3, 4, 2, 7, 7, 0, 0]);
  const l = readRoute(long, 16)!;
  assert.equal(l.long, true);
  assert.equal(l.version, 1);
  assert.equal(l.type, 0);
  assert.equal(readRoute(Uint8Array.from([0xc0, 0, 0, 0, 1, 30]), 16), null);
  for (let n = 0; n < 200; n++) {
    const b = Uint8Array.from({ length: n % 40 }, (_, i) => (i * 37 + n * 11) & 0xff);
    readRoute(b, 16);
    hasShortHeaderPacket(b);
  }
});

test('hasShortHeaderPacket walks coalesced long packets', () => {
  // Handshake packet (type 2) with length 3, then a short header packet.
  const hs = [0xe0, 0, 0, 0, 1, 1, 9, 1, 8, 3, 0xaa, 0xbb, 0xcc];
  assert.equal(hasShortHeaderPacket(Uint8Array.from(hs)), false);
  assert.equal(hasShortHeaderPacket(Uint8Array.from([...hs, 0x40, 1, 2])), true);
  // Initial (type 0) with a 2-byte token.
  const init = [0xc0, 0, 0, 0, 1, 1, 9, 1, 8, 2, 5, 5, 1, 0xaa];
  assert.equal(hasShortHeaderPacket(Uint8Array.from([...init, 0x40, 0])), true);
  assert.equal(readVarint(Uint8Array.from([0x40, 0x10]), 0)?.value, 16);
  assert.equal(readVarint(Uint8Array.from([0x80, 0, 0]), 0), null);
});
