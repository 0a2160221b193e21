import { utf8Length } from '@shoal/kit';
import type { Alive, Dead, Suspect } from './wire/messages.js';

// Encoded lengths of the gossip messages, `[type][msgpack]`, computed without
// encoding: the broadcast queue orders by length, and the simulator's fast
// path never builds the bytes. Must equal what wire's encodeMessage writes
// (go-msgpack 0.5.5 widths); sizes.test.ts checks that on random messages.

function uintLen(v: number): number {
  return v < 0x80 ? 1 : v <= 0xff ? 2 : v <= 0xffff ? 3 : 5;
}

function rawLen(n: number): number {
  return n < 32 ? 1 + n : n < 0x10000 ? 3 + n : 5 + n;
}

function bytesLen(b: Uint8Array | undefined): number {
  return b === undefined ? 1 : rawLen(b.length);
}

// type byte + fixmap header + the fixstr keys.
const ALIVE_FIXED = 1 + 1 + (1 + 4) + (1 + 11) + (1 + 4) + (1 + 4) + (1 + 4) + (1 + 3);
const SUSPECT_FIXED = 1 + 1 + (1 + 4) + (1 + 11) + (1 + 4);

export function aliveLength(a: Alive): number {
  return ALIVE_FIXED + uintLen(a.incarnation) + bytesLen(a.addr) + bytesLen(a.meta) + rawLen(utf8Length(a.node)) + uintLen(a.port) + bytesLen(a.vsn);
}

export function suspectLength(s: Suspect | Dead): number {
  return SUSPECT_FIXED + rawLen(utf8Length(s.from)) + uintLen(s.incarnation) + rawLen(utf8Length(s.node));
}
