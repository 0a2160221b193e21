// The WAL's frame and segment-header codecs: round trips, and totality on
// arbitrary bytes (a problem value, never an exception).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { crc32 } from '@shoal/kit';
import type { Log, LogType } from '../../log.js';
import {
  COMMIT_FRAME_BYTES,
  FRAME_HEADER_BYTES,
  FrameType,
  OWN_CHUNK_MIN_BYTES,
  commitFrame,
  decodeCommit,
  decodeEntry,
  encodeBatch,
  entryFrameBytes,
  frameCrcMatches,
  readFrameHeader,
  sealBatch,
  writeEntryFrame,
  type EncodedBatch,
} from './frame.js';
import { SEGMENT_HEADER_BYTES, encodeSegmentHeader, freeSegmentName, parseFreeSegmentName, parseSegmentName, readSegmentHeader, saltOf, segmentName } from './segment.js';

const SALT = 0x5a17_0001;

const arbLog = fc.record({
  index: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  term: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  type: fc.integer({ min: 0, max: 5 }).map((t) => t as LogType),
  // Short data is copied into the frame buffer, long data written from the caller's array: both paths.
  data: fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ minLength: OWN_CHUNK_MIN_BYTES - 2, maxLength: OWN_CHUNK_MIN_BYTES + 300 })),
  extensions: fc.uint8Array({ maxLength: 40 }),
  appendedAt: fc.double({ noNaN: true }),
});

/** The batch's bytes as its writev puts them on disk: the chunks back to back (the commit frame last). */
function joined(batch: EncodedBatch): Uint8Array {
  const out = new Uint8Array(batch.byteLength + COMMIT_FRAME_BYTES);
  let at = 0;
  for (const chunk of batch.chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  assert.equal(at, out.length, 'the chunks are the entry frames and the commit frame');
  return out;
}

/** Decodes one frame at `at` of a segment of `salt`, checking header, length and CRC as recovery does. */
function decodeFrameAt(bytes: Uint8Array, at: number, salt = SALT): Log | string {
  const headerBytes = bytes.subarray(at, at + FRAME_HEADER_BYTES);
  const header = readFrameHeader(headerBytes, salt);
  if (typeof header === 'string') return header;
  const payload = bytes.subarray(at + FRAME_HEADER_BYTES, at + FRAME_HEADER_BYTES + header.payloadBytes);
  if (payload.length !== header.payloadBytes) return 'short';
  if (!frameCrcMatches(headerBytes, payload, header.crc)) return 'bad crc';
  if (header.type !== FrameType.Entry) return 'commit';
  return decodeEntry(payload);
}

test('entry frames round-trip, each at its offset', () => {
  fc.assert(
    fc.property(fc.array(arbLog, { minLength: 1, maxLength: 8 }), (logs) => {
      const batch = encodeBatch(logs);
      sealBatch(batch, 0, SALT);
      const bytes = joined(batch);
      logs.forEach((log, i) => assert.deepEqual(decodeFrameAt(bytes, batch.offsets[i]!), { ...log }));
      logs.forEach((log, i) => assert.deepEqual(batch.logs[i], { ...log }, 'the entry the store keeps'));
    }),
  );
});

test("a batch's chunks are the frames writeEntryFrame writes one by one, then its commit frame: one format, whichever path", () => {
  fc.assert(
    fc.property(fc.array(arbLog, { minLength: 1, maxLength: 6 }), fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 1, max: 0xffff_ffff }), (logs, batchStart, salt) => {
      const batch = encodeBatch(logs);
      sealBatch(batch, batchStart, salt);
      const expected = new Uint8Array(batch.byteLength + COMMIT_FRAME_BYTES);
      let at = 0;
      for (const log of logs) at = writeEntryFrame(expected, at, log, salt);
      assert.equal(at, batch.byteLength);
      expected.set(commitFrame(logs.at(-1)!.index, batchStart, salt), at);
      assert.deepEqual(joined(batch), expected);
      // Sealed again for another segment (as the store never does, but sealing must not build on itself).
      sealBatch(batch, batchStart, salt);
      assert.deepEqual(joined(batch), expected);
    }),
  );
});

test("large entries' data is a chunk of its own, the caller's array; the store keeps every entry's arrays, not copies", () => {
  const long = new Uint8Array(OWN_CHUNK_MIN_BYTES).fill(1);
  const short = new Uint8Array(OWN_CHUNK_MIN_BYTES - 1).fill(2);
  const extensions = new Uint8Array([9]);
  const logs: Log[] = [
    { index: 1, term: 1, type: 0, data: long, extensions, appendedAt: 0 },
    { index: 2, term: 1, type: 0, data: short, extensions: new Uint8Array(0), appendedAt: 0 },
  ];
  const batch = encodeBatch(logs);
  assert.ok(batch.chunks.includes(long), 'the long data is written from its array');
  assert.ok(!batch.chunks.includes(short), 'the short data is copied into the frame buffer');
  assert.equal(batch.chunks.length, 3, 'frame buffer, long data, frame buffer (the second entry and the commit frame)');
  assert.equal(batch.logs[0]!.data, long);
  assert.equal(batch.logs[0]!.extensions, extensions);
  assert.equal(batch.logs[1]!.data, short);
  assert.notEqual(batch.logs[0], logs[0], 'entry objects of its own: a caller reusing its objects changes no index');
});

test('commit frames round-trip', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (lastIndex, batchStart) => {
      const frame = commitFrame(lastIndex, batchStart, SALT);
      assert.equal(frame.length, COMMIT_FRAME_BYTES);
      const header = readFrameHeader(frame, SALT);
      assert.ok(typeof header !== 'string' && header.type === FrameType.Commit);
      assert.ok(frameCrcMatches(frame, frame.subarray(FRAME_HEADER_BYTES), header.crc));
      assert.deepEqual(decodeCommit(frame.subarray(FRAME_HEADER_BYTES)), { lastIndex, batchStart });
    }),
  );
});

test('any flipped bit in an entry frame is caught', () => {
  fc.assert(
    fc.property(arbLog, fc.nat(), fc.integer({ min: 0, max: 7 }), (log, at, bit) => {
      const batch = encodeBatch([log]);
      sealBatch(batch, 0, SALT);
      const damaged = joined(batch).subarray(0, entryFrameBytes(log));
      const i = at % damaged.length;
      damaged[i] = damaged[i]! ^ (1 << bit);
      assert.equal(typeof decodeFrameAt(damaged, 0), 'string');
    }),
  );
});

test("a frame read as another segment's is 'stale', whatever its CRC; with its salt flipped too it is no frame of either", () => {
  fc.assert(
    fc.property(arbLog, fc.integer({ min: 1, max: 0xffff_ffff }), fc.integer({ min: 1, max: 0xffff_ffff }), (log, written, read) => {
      fc.pre(written !== read);
      const batch = encodeBatch([log]);
      sealBatch(batch, 0, written);
      const bytes = joined(batch);
      assert.deepEqual(decodeFrameAt(bytes, 0, written), { ...log });
      assert.equal(decodeFrameAt(bytes, 0, read), 'stale');
      assert.equal(decodeFrameAt(bytes, batch.byteLength, read), 'stale', 'the commit frame too');
      // The salt rewritten as the reader's: the CRC, which covers the salt, no longer matches.
      const forged = bytes.slice();
      new DataView(forged.buffer).setUint32(8, read);
      assert.equal(decodeFrameAt(forged, 0, read), 'bad crc');
    }),
  );
});

test('decoders are total on arbitrary bytes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const result = decodeFrameAt(bytes, 0);
      assert.ok(typeof result === 'string' || typeof result.index === 'number');
      const entry = decodeEntry(bytes);
      assert.ok(typeof entry === 'string' || Number.isSafeInteger(entry.index));
      const commit = decodeCommit(bytes);
      assert.ok(typeof commit === 'string' || Number.isSafeInteger(commit.lastIndex));
      const header = readSegmentHeader(bytes, { base: 1, seq: 1 });
      assert.ok(typeof header === 'string' || bytes.length >= 28);
    }),
  );
});

test('segment names and headers', () => {
  assert.equal(segmentName(42, 255), '00000000000000000042-00000000000000ff.wal');
  assert.deepEqual(parseSegmentName('00000000000000000042-00000000000000ff.wal'), { base: 42, seq: 255 });
  for (const bad of ['00000000000000000042.wal', 'x-00000000000000ff.wal', '00000000000000000000-0000000000000001.wal', 'head']) {
    assert.equal(parseSegmentName(bad), undefined, bad);
  }
  assert.equal(freeSegmentName(255), '00000000000000ff.free');
  assert.equal(parseFreeSegmentName('00000000000000ff.free'), 255);
  for (const bad of ['ff.free', '00000000000000ff.wal', '00000000000000000042-00000000000000ff.wal']) assert.equal(parseFreeSegmentName(bad), undefined, bad);
  const id = { base: 1234, seq: 7 };
  const header = encodeSegmentHeader(id, false);
  assert.deepEqual(readSegmentHeader(header, id), { reused: false });
  assert.deepEqual(readSegmentHeader(encodeSegmentHeader(id, true), id), { reused: true });
  assert.match(readSegmentHeader(header, { base: 1235, seq: 7 }) as string, /base index 1234/);
  assert.match(readSegmentHeader(header, { base: 1234, seq: 8 }) as string, /salt/);
  const flipped = header.slice();
  flipped[10] = flipped[10]! ^ 1;
  assert.match(readSegmentHeader(flipped, id) as string, /checksum/);
  // A version-1 header (24 bytes: no salt or flags, its checksum at byte 20) is named as such, not as corruption.
  const v1 = new Uint8Array(SEGMENT_HEADER_BYTES);
  const v1View = new DataView(v1.buffer);
  v1View.setUint32(0, 0x5348_574c);
  v1View.setUint32(4, 1);
  v1View.setUint32(12, 1234);
  v1View.setUint32(20, crc32(v1.subarray(0, 20)));
  assert.match(readSegmentHeader(v1, id) as string, /^segment format version 1, this store reads version 2 only \(version 1, from before segment reuse, is not migrated/);
});

test('salts: never 0 (preallocated zeros), distinct for neighbouring sequences', () => {
  assert.equal(saltOf(0xffff_ffff - 1), 0xffff_ffff);
  assert.equal(saltOf(0xffff_ffff), 1);
  const seen = new Set<number>();
  for (let seq = 1; seq <= 1000; seq++) seen.add(saltOf(seq));
  assert.equal(seen.size, 1000);
  assert.ok(!seen.has(0));
});
