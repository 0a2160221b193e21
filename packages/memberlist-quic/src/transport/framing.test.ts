import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodePacketFrame, hasKindByte, MAX_PACKET_FRAME, PacketFrameDecoder, pathAfterDatagram, streamKindOf, type FrameProgress } from './framing.js';
import type { DatagramSendResult } from '../engine/types.js';

test('a packet frame is a 4-byte big-endian length and the payload', () => {
  assert.deepEqual([...encodePacketFrame(Uint8Array.of(9, 8, 7))], [0, 0, 0, 3, 9, 8, 7]);
  assert.deepEqual([...encodePacketFrame(new Uint8Array(0))], [0, 0, 0, 0]);
  assert.deepEqual([...encodePacketFrame(new Uint8Array(0x10203)).subarray(0, 4)], [0, 1, 2, 3]);
});

function feed(chunks: number[][], end = false, max?: number): FrameProgress {
  const d = new PacketFrameDecoder(max);
  let last: FrameProgress = { state: 'more' };
  for (const c of chunks) last = d.push(Uint8Array.from(c));
  return end ? d.end() : last;
}

test('frame decoding, table', () => {
  const cases: { name: string; chunks: number[][]; end?: boolean; max?: number; want: string }[] = [
    { name: 'one chunk', chunks: [[0, 0, 0, 2, 5, 6]], want: 'done:5,6' },
    { name: 'byte by byte', chunks: [[0], [0], [0], [2], [5], [6]], want: 'done:5,6' },
    { name: 'header split, payload with trailing bytes ignored', chunks: [[0, 0], [0, 1, 7, 99, 99]], want: 'done:7' },
    { name: 'empty payload', chunks: [[0, 0, 0, 0]], want: 'done:' },
    { name: 'header incomplete', chunks: [[0, 0]], want: 'more' },
    { name: 'payload incomplete', chunks: [[0, 0, 0, 3, 1]], want: 'more' },
    { name: 'FIN inside header', chunks: [[0, 0]], end: true, want: 'error:truncated' },
    { name: 'FIN inside payload', chunks: [[0, 0, 0, 3, 1]], end: true, want: 'error:truncated' },
    { name: 'FIN before anything', chunks: [], end: true, want: 'error:truncated' },
    { name: 'over Go limit', chunks: [[0, 1, 0, 1]], want: 'error:too-large' },
    { name: 'at Go limit is accepted (header)', chunks: [[0, 1, 0, 0]], want: 'more' },
    { name: 'huge length never allocates', chunks: [[0xff, 0xff, 0xff, 0xff]], want: 'error:too-large' },
    { name: 'custom limit', chunks: [[0, 0, 0, 11]], max: 10, want: 'error:too-large' },
  ];
  for (const c of cases) {
    const r = feed(c.chunks, c.end, c.max);
    const got = r.state === 'done' ? `done:${[...r.payload].join(',')}` : r.state === 'error' ? `error:${r.reason}` : 'more';
    assert.equal(got, c.want, c.name);
  }
  assert.equal(MAX_PACKET_FRAME, 65_536);
});

test('a decoder that finished ignores later chunks', () => {
  const d = new PacketFrameDecoder();
  assert.equal(d.push(Uint8Array.of(0, 0, 0, 1, 42)).state, 'done');
  const again = d.push(Uint8Array.of(1, 2, 3));
  assert.ok(again.state === 'done' && again.payload[0] === 42);
  assert.equal(d.end().state, 'done');
});

test('fallback choice after a datagram attempt, table', () => {
  const table: [DatagramSendResult, string][] = [
    ['sent', 'datagram'],
    ['too-large', 'stream'],
    ['not-negotiated', 'stream'],
    ['queue-full', 'drop'],
    ['closed', 'redial'],
  ];
  for (const [result, path] of table) assert.equal(pathAfterDatagram(result), path, result);
});

test('kind byte only under shoal-quic/1; unknown kinds are refused', () => {
  assert.equal(hasKindByte('shoal-quic/1'), true);
  assert.equal(hasKindByte('memberlist-quic/1'), false);
  assert.equal(streamKindOf(0), 'memberlist');
  assert.equal(streamKindOf(1), 'app');
  assert.equal(streamKindOf(2), undefined);
  assert.equal(streamKindOf(0x24), undefined);
});
