// Property tests: random requests and replies of both generations round-trip byte-stably; the
// request reader yields the same frames (and snapshot data) for any chunking of a stream; random
// or mutated input never throws anything but WireError. Replay a failure with FC_SEED=<seed>
// (and FC_PATH=<path>) as fast-check prints them; FC_SEED=random explores new cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { NEED_MORE, type TimeFormat } from '@shoal/kit';
import { EMPTY_BYTES, type Log, type LogType } from '../../log.js';
import {
  decodeReply,
  decodeRequest,
  NIL_ENTRIES,
  ReplyReader,
  RequestReader,
  RpcType,
  rpcTypesFor,
  WireEncoder,
  WireError,
  type RequestFrame,
  type WireGeneration,
} from './index.js';

const seedEnv = process.env.FC_SEED;
const params = (numRuns: number): fc.Parameters<unknown> => ({
  numRuns,
  ...(seedEnv === 'random' ? {} : { seed: seedEnv === undefined ? 0x5eed_0014 : Number(seedEnv), path: process.env.FC_PATH }),
});

const goBytes = fc.oneof(fc.constant(EMPTY_BYTES), fc.uint8Array({ maxLength: 40 }));
const index = fc.oneof(fc.nat(300), fc.maxSafeNat());
// fc.record builds null-prototype objects; decoded messages are plain ones, hence the spreads.
/** Milliseconds; the year-1 instant itself is excluded because 0 stands for Go's zero time. */
const appendedAt = fc.oneof(fc.constant(0), fc.integer({ min: -62_135_596_799_999, max: 8_640_000_000_000_000 }));
const log: fc.Arbitrary<Log> = fc.record({
  index,
  term: index,
  type: fc.integer({ min: 0, max: 5 }).map((n) => n as LogType),
  data: goBytes,
  extensions: goBytes,
  appendedAt,
}).map((l) => ({ ...l }));
const header = { protocolVersion: fc.integer({ min: -3, max: 300 }), id: goBytes, addr: goBytes };

function requestOf(type: RpcType): fc.Arbitrary<RequestFrame> {
  const frame = <T>(request: fc.Arbitrary<T>) => request.map((r) => ({ type, request: { ...r } }) as RequestFrame);
  switch (type) {
    case RpcType.AppendEntries:
      return frame(
        fc.record({
          ...header,
          term: index,
          leader: goBytes,
          prevLogEntry: index,
          prevLogTerm: index,
          entries: fc.oneof(fc.constant(NIL_ENTRIES), fc.array(log, { maxLength: 4 })),
          leaderCommitIndex: index,
        }),
      );
    case RpcType.RequestVote:
      return frame(fc.record({ ...header, term: index, candidate: goBytes, lastLogIndex: index, lastLogTerm: index, leadershipTransfer: fc.boolean() }));
    case RpcType.InstallSnapshot:
      return frame(
        fc.record({
          ...header,
          snapshotVersion: fc.integer({ min: 0, max: 1 }),
          term: index,
          leader: goBytes,
          lastLogIndex: index,
          lastLogTerm: index,
          peers: goBytes,
          configuration: goBytes,
          configurationIndex: index,
          size: fc.nat(64),
        }),
      );
    case RpcType.TimeoutNow:
      return frame(fc.record(header));
    case RpcType.RequestPreVote:
      return frame(fc.record({ ...header, term: index, lastLogIndex: index, lastLogTerm: index }));
  }
}

const requestFor = (generation: WireGeneration) => fc.oneof(...rpcTypesFor(generation).map(requestOf));

/** What a peer of `generation` receives: 1.1 carries no ID, Addr or AppendedAt. */
function asSeenBy(generation: WireGeneration, frame: RequestFrame): RequestFrame {
  if (generation === '1.7') return frame;
  const request = { ...frame.request, id: EMPTY_BYTES, addr: EMPTY_BYTES } as Record<string, unknown>;
  if (frame.type === RpcType.AppendEntries && frame.request.entries !== NIL_ENTRIES) {
    request.entries = frame.request.entries.map((e) => ({ ...e, appendedAt: 0 }));
  }
  return { type: frame.type, request } as unknown as RequestFrame;
}

const formats: { generation: WireGeneration; timeFormat?: TimeFormat }[] = [{ generation: '1.1' }, { generation: '1.7' }, { generation: '1.7', timeFormat: 'builtin' }];

for (const format of formats) {
  const name = `${format.generation}${format.timeFormat ? `/${format.timeFormat}` : ''}`;
  test(`${name}: random requests round-trip and re-encode to the same bytes`, () => {
    const encoder = new WireEncoder(format);
    fc.assert(
      fc.property(requestFor(format.generation), (frame) => {
        const bytes = encoder.request(frame);
        const decoded = decodeRequest(bytes, format.generation);
        assert.deepStrictEqual(decoded, asSeenBy(format.generation, frame));
        assert.deepStrictEqual(encoder.request(decoded), bytes);
      }),
      params(400),
    );
  });
}

test('random replies round-trip', () => {
  const encoder = new WireEncoder({ generation: '1.7' });
  const reply = fc.record({
    error: fc.oneof(fc.constant(''), fc.string({ maxLength: 40 }), fc.constant('unexpected command')),
    response: fc.option(fc.record({ ...header, term: index, lastLog: index, success: fc.boolean(), noRetryBackoff: fc.boolean() }).map((r) => ({ ...r })), { nil: undefined }),
  });
  fc.assert(
    fc.property(reply, ({ error, response }) => {
      const bytes = encoder.reply(RpcType.AppendEntries, error, response);
      const decoded = decodeReply(RpcType.AppendEntries, bytes);
      assert.equal(decoded.error, new TextDecoder().decode(new TextEncoder().encode(error)));
      assert.deepStrictEqual(decoded.response, response);
    }),
    params(300),
  );
});

/** Cuts `bytes` at the given fractions (deduplicated, sorted). */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => Math.floor(c * bytes.length)))].sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const p of [...points, bytes.length]) {
    parts.push(bytes.subarray(at, p));
    at = p;
  }
  return parts;
}

test('any chunking of a stream gives the same frames and the same snapshot data', () => {
  const encoder = new WireEncoder({ generation: '1.7' });
  const stream = fc.array(requestFor('1.7'), { minLength: 1, maxLength: 6 });
  const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 });
  fc.assert(
    fc.property(stream, cuts, (frames, cutPoints) => {
      const parts: number[] = [];
      const snapshots: number[][] = [];
      for (const [i, frame] of frames.entries()) {
        parts.push(...encoder.request(frame));
        if (frame.type === RpcType.InstallSnapshot) {
          const data = Array.from({ length: frame.request.size }, (_, j) => (i * 31 + j) & 0xff);
          snapshots.push(data);
          parts.push(...data);
        }
      }
      const reader = new RequestReader('1.7');
      const got: RequestFrame[] = [];
      const gotData: number[][] = [];
      let snapshotLeft = 0;
      const drain = (): void => {
        while (true) {
          if (snapshotLeft > 0) {
            const taken = reader.takeBuffered(snapshotLeft);
            gotData[gotData.length - 1]!.push(...taken);
            snapshotLeft -= taken.length;
            if (snapshotLeft > 0) return;
          }
          const next = reader.next();
          if (next === NEED_MORE) return;
          const frame = next as RequestFrame;
          got.push(frame);
          if (frame.type === RpcType.InstallSnapshot) {
            gotData.push([]);
            snapshotLeft = frame.request.size;
          }
        }
      };
      for (const chunk of split(Uint8Array.from(parts), cutPoints)) {
        reader.push(chunk);
        drain();
      }
      assert.deepStrictEqual(got, frames);
      assert.deepStrictEqual(gotData, snapshots);
      assert.equal(reader.buffered, 0);
    }),
    params(300),
  );
});

function onlyWireErrors(run: () => void): void {
  try {
    run();
  } catch (err) {
    if (!(err instanceof WireError)) throw err;
  }
}

function feedRequests(generation: WireGeneration, bytes: Uint8Array, chunk: number): void {
  const reader = new RequestReader(generation, { maxMessageBytes: 4096 });
  onlyWireErrors(() => {
    for (let at = 0; at < bytes.length; at += chunk) {
      reader.push(bytes.subarray(at, at + chunk));
      while (reader.next() !== NEED_MORE) reader.takeBuffered(0);
    }
  });
}

function feedReplies(bytes: Uint8Array, type: RpcType): void {
  const reader = new ReplyReader({ maxMessageBytes: 4096 });
  onlyWireErrors(() => {
    reader.push(bytes);
    while (reader.next(type) !== NEED_MORE);
  });
}

test('random garbage only ever raises WireError', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 0, max: 4 }), (bytes, chunk, type) => {
      feedRequests('1.1', bytes, chunk);
      feedRequests('1.7', Uint8Array.of(type, ...bytes), chunk);
      feedReplies(bytes, type as RpcType);
    }),
    params(2000),
  );
});

test('mutated valid requests only ever raise WireError', () => {
  const encoder = new WireEncoder({ generation: '1.7' });
  const mutation = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 });
  fc.assert(
    fc.property(requestFor('1.7'), mutation, fc.nat(), (frame, edits, cut) => {
      const bytes = encoder.request(frame).slice();
      for (const [at, value] of edits) bytes[at % bytes.length] = value;
      feedRequests('1.7', bytes.subarray(0, bytes.length - (cut % 3)), 5);
      feedReplies(bytes.subarray(1), frame.type);
    }),
    params(2000),
  );
});
