// The incremental readers: chunking, leftovers (InstallSnapshot data), limits, the version
// gate, replies with errors and nil responses, and that an error closes the stream for good.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NEED_MORE } from '@shoal/kit';
import { EMPTY_BYTES, LogType } from '../../log.js';
import {
  NIL_ENTRIES,
  peerCanParse,
  ReplyReader,
  RequestReader,
  RpcType,
  rpcTypesFor,
  WireEncoder,
  WireError,
  type RequestFrame,
} from './index.js';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const header = { protocolVersion: 3, id: ascii('n1'), addr: ascii('127.0.0.1:7000') };

const appendEntries: RequestFrame = {
  type: RpcType.AppendEntries,
  request: {
    ...header,
    term: 4,
    leader: ascii('127.0.0.1:7000'),
    prevLogEntry: 7,
    prevLogTerm: 3,
    entries: [{ index: 8, term: 4, type: LogType.Command, data: ascii('x'.repeat(5000)), extensions: EMPTY_BYTES, appendedAt: 1_700_000_000_123 }],
    leaderCommitIndex: 7,
  },
};
const snapshotData = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
const installSnapshot: RequestFrame = {
  type: RpcType.InstallSnapshot,
  request: {
    ...header,
    snapshotVersion: 1,
    term: 4,
    leader: ascii('127.0.0.1:7000'),
    lastLogIndex: 90,
    lastLogTerm: 3,
    peers: EMPTY_BYTES,
    configuration: EMPTY_BYTES,
    configurationIndex: 80,
    size: snapshotData.length,
  },
};
const preVote: RequestFrame = { type: RpcType.RequestPreVote, request: { ...header, term: 5, lastLogIndex: 8, lastLogTerm: 4 } };

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof WireError, `expected a WireError, got ${String(err)}`);
    return err.code;
  }
  assert.fail('expected a WireError');
}

test('byte by byte: NEED_MORE until each request is complete, then the next one', () => {
  const encoder = new WireEncoder({ generation: '1.7' });
  const stream = concat(encoder.request(appendEntries), encoder.request(preVote));
  const reader = new RequestReader('1.7');
  const frames: RequestFrame[] = [];
  for (const byte of stream) {
    reader.push(Uint8Array.of(byte));
    for (let f = reader.next(); f !== NEED_MORE; f = reader.next()) frames.push(f as RequestFrame);
  }
  assert.deepStrictEqual(frames, [appendEntries, preVote]);
  assert.equal(reader.buffered, 0);
});

test('InstallSnapshot: the raw data after the request is left for the caller, then framing resumes', () => {
  const encoder = new WireEncoder({ generation: '1.7' });
  const stream = concat(encoder.request(installSnapshot), snapshotData, encoder.request(preVote));
  const reader = new RequestReader('1.7');
  reader.push(stream.subarray(0, stream.length - 150));
  const frame = reader.next() as RequestFrame;
  assert.deepStrictEqual(frame, installSnapshot);
  assert.ok(frame.type === RpcType.InstallSnapshot);
  const head = reader.takeBuffered(frame.request.size);
  assert.deepStrictEqual(head, snapshotData.subarray(0, head.length));
  // The rest of the data the caller reads straight from the stream; the reader gets what follows.
  const rest = stream.subarray(stream.length - 150);
  const missing = frame.request.size - head.length;
  assert.deepStrictEqual(concat(head, rest.subarray(0, missing)), snapshotData);
  reader.push(rest.subarray(missing));
  assert.deepStrictEqual(reader.next(), preVote);
});

test('the version gate: pre-vote only for 1.7, TimeoutNow for both; a 1.1 reader refuses type 4 as Go 1.1.2 does', () => {
  assert.deepStrictEqual(rpcTypesFor('1.1'), [0, 1, 2, 3]);
  assert.deepStrictEqual(rpcTypesFor('1.7'), [0, 1, 2, 3, 4]);
  assert.equal(peerCanParse('1.1', RpcType.TimeoutNow), true);
  assert.equal(peerCanParse('1.1', RpcType.RequestPreVote), false);
  assert.equal(peerCanParse('1.7', 5), false);
  assert.equal(code(() => new WireEncoder({ generation: '1.1' }).request(preVote)), 'ERR_WIRE_UNSUPPORTED');
  const bytes = new WireEncoder({ generation: '1.7' }).request(preVote);
  const reader = new RequestReader('1.1');
  reader.push(bytes);
  assert.equal(code(() => reader.next()), 'ERR_WIRE_UNKNOWN_RPC');
});

test('an unknown rpc type is refused at its first byte and the stream stays closed', () => {
  const reader = new RequestReader('1.7');
  reader.push(Uint8Array.of(9));
  assert.equal(code(() => reader.next()), 'ERR_WIRE_UNKNOWN_RPC');
  assert.equal(code(() => reader.push(Uint8Array.of(0))), 'ERR_WIRE_UNKNOWN_RPC');
  assert.equal(code(() => reader.next()), 'ERR_WIRE_UNKNOWN_RPC');
});

test('size limits: a claimed length beyond the maximum fails before its bytes arrive; so does an endless message', () => {
  const claim = new RequestReader('1.7', { maxMessageBytes: 1024 });
  // AppendEntries, a map of one entry whose key claims 2^32-1 bytes (str32).
  claim.push(Uint8Array.of(0, 0x81, 0xdb, 0xff, 0xff, 0xff, 0xff));
  assert.equal(code(() => claim.next()), 'ERR_WIRE_TOO_LARGE');

  const endless = new RequestReader('1.7', { maxMessageBytes: 1024 });
  // An array that claims 1000 elements (allowed) whose 2-byte strings run past 1 KiB before it ends.
  endless.push(Uint8Array.of(0, 0xdc, 0x03, 0xe8));
  assert.equal(endless.next(), NEED_MORE);
  endless.push(Uint8Array.from({ length: 1100 }, (_, i) => (i % 2 === 0 ? 0xa1 : 0x41)));
  assert.equal(code(() => endless.next()), 'ERR_WIRE_TOO_LARGE');

  const buffering = new RequestReader('1.7', { maxMessageBytes: 16 });
  assert.equal(code(() => buffering.push(new Uint8Array(2 * 1024 * 1024))), 'ERR_WIRE_TOO_LARGE');
});

test('malformed requests: wrong types, unknown log types, the unused byte 0xc1', () => {
  const cases: [string, number[]][] = [
    ['Term as a string', [0, 0x81, 0xa4, ...ascii('Term'), 0xa1, 0x41]],
    ['a negative Term', [0, 0x81, 0xa4, ...ascii('Term'), 0xff]],
    ['log type 6', [0, 0x81, 0xa7, ...ascii('Entries'), 0x91, 0x81, 0xa4, ...ascii('Type'), 0x06]],
    ['0xc1', [1, 0xc1]],
    ['a map key that is a number', [1, 0x81, 0x01, 0x02]],
  ];
  for (const [what, bytes] of cases) {
    const reader = new RequestReader('1.7');
    reader.push(Uint8Array.from(bytes));
    assert.equal(code(() => reader.next()), 'ERR_WIRE_MALFORMED', what);
  }
});

test('unknown keys are skipped (a newer peer), missing ones are zero (an older one)', () => {
  const reader = new RequestReader('1.1');
  // TimeoutNow with a key from the future holding a nested map.
  reader.push(Uint8Array.of(3, 0x82, 0xa6, ...ascii('Future'), 0x81, 0xa1, 0x78, 0x01, 0xaf, ...ascii('ProtocolVersion'), 0x03));
  assert.deepStrictEqual(reader.next(), { type: RpcType.TimeoutNow, request: { protocolVersion: 3, id: EMPTY_BYTES, addr: EMPTY_BYTES } });
});

test('replies: error strings, nil responses and responses, in order, across chunk boundaries', () => {
  const encoder = new WireEncoder({ generation: '1.1' });
  const ok = { protocolVersion: 3, id: EMPTY_BYTES, addr: EMPTY_BYTES, term: 4, lastLog: 8, success: true, noRetryBackoff: false };
  const stream = concat(
    encoder.reply(RpcType.AppendEntries, '', ok),
    encoder.reply(RpcType.RequestVote, 'unexpected command', undefined),
    encoder.reply(RpcType.TimeoutNow, '', { protocolVersion: 3, id: EMPTY_BYTES, addr: EMPTY_BYTES }),
  );
  const expectedTypes = [RpcType.AppendEntries, RpcType.RequestVote, RpcType.TimeoutNow] as const;
  for (const size of [1, 3, 7, stream.length]) {
    const reader = new ReplyReader();
    const replies: unknown[] = [];
    for (let at = 0; at < stream.length; at += size) {
      reader.push(stream.subarray(at, at + size));
      for (let r = reader.next(expectedTypes[replies.length]!); r !== NEED_MORE; r = reader.next(expectedTypes[replies.length] ?? 0)) replies.push(r);
    }
    assert.deepStrictEqual(replies, [
      { error: '', response: ok },
      { error: 'unexpected command', response: undefined },
      { error: '', response: { protocolVersion: 3, id: EMPTY_BYTES, addr: EMPTY_BYTES } },
    ]);
  }
});

test('a reply whose error is not a string is malformed', () => {
  const reader = new ReplyReader();
  reader.push(Uint8Array.of(0x05, 0xc0));
  assert.equal(code(() => reader.next(RpcType.AppendEntries)), 'ERR_WIRE_MALFORMED');
});

test('NIL_ENTRIES and an empty entry list stay apart on the wire (c0 vs 90)', () => {
  const encoder = new WireEncoder({ generation: '1.1' });
  const base = { protocolVersion: 3, id: EMPTY_BYTES, addr: EMPTY_BYTES, term: 1, leader: ascii('L'), prevLogEntry: 0, prevLogTerm: 0, leaderCommitIndex: 0 };
  const nil = encoder.request({ type: RpcType.AppendEntries, request: { ...base, entries: NIL_ENTRIES } });
  const empty = encoder.request({ type: RpcType.AppendEntries, request: { ...base, entries: [] } });
  assert.equal(nil[10], 0xc0);
  assert.equal(empty[10], 0x90);
});
