// Stores, snapshot stores, transport and the configuration codec (spec §6:
// configuration_test, log_cache_test, inmem snapshot/discard, transport_test).
import { fromUtf8, utf8 } from '@shoal/kit';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { AppendEntriesRequest } from '../commands.js';
import type { Configuration } from '../configuration.js';
import { ServerSuffrage } from '../configuration.js';
import { decodeConfiguration, decodePeers, encodeConfiguration, encodePeers } from '../configuration-codec.js';
import { DiscardSnapshotStore } from './discard-snapshot.js';
import { DecodeError, KeyNotFoundError, LogNotFoundError, PeerUnreachableError, PipelineReplicationNotSupportedError, PipelineShutdownError, RpcTimeoutError } from '../errors.js';
import { InmemSnapshotStore } from './inmem-snapshot.js';
import { InmemStore } from './inmem-store.js';
import { InmemNetwork, InmemTransport } from '../transport/inmem-transport.js';
import { LogCache } from './log-cache.js';
import { makeLog } from '../log.js';
import { readAll } from './snapshot.js';
import { Simulation } from '@shoal/sim';
import type { RpcHandler } from '../transport/transport.js';

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

const voter = (id: string, address: string) => ({ id, address, suffrage: ServerSuffrage.Voter });

test('configuration encodes to the bytes Go writes (spec §2.9)', () => {
  const c: Configuration = {
    servers: [
      { suffrage: ServerSuffrage.Voter, id: 'n1', address: '127.0.0.1:7000' },
      { suffrage: ServerSuffrage.Nonvoter, id: 'n2', address: '127.0.0.1:7001' },
    ],
  };
  const expected =
    '81a753657276657273' +
    '92' +
    '83a7416464726573' + '73' + 'ae3132372e302e302e313a37303030' + 'a24944' + 'a26e31' + 'a853756666726167' + '65' + '00' +
    '83a7416464726573' + '73' + 'ae3132372e302e302e313a37303031' + 'a24944' + 'a26e32' + 'a853756666726167' + '65' + '01';
  assert.equal(hex(encodeConfiguration(c)), expected);
  assert.deepEqual(decodeConfiguration(Buffer.from(expected, 'hex')), c);
  assert.equal(hex(encodeConfiguration({ servers: [] })), '81a753657276657273c0');
  assert.deepEqual(decodeConfiguration(Buffer.from('81a753657276657273c0', 'hex')), { servers: [] });
});

test('legacy peers: an array of voter addresses (spec §3.2)', () => {
  const c: Configuration = { servers: [voter('a', '127.0.0.1:7000'), { id: 'b', address: 'x', suffrage: ServerSuffrage.Nonvoter }] };
  const bytes = encodePeers(c, (_id, addr) => utf8(addr));
  assert.equal(hex(bytes), '91ae3132372e302e302e313a37303030');
  assert.deepEqual(decodePeers(bytes, (b) => fromUtf8(b)), { servers: [voter('127.0.0.1:7000', '127.0.0.1:7000')] });
});

test('configuration decoding is total: garbage gives DecodeError, never a crash', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      try {
        decodeConfiguration(bytes);
      } catch (err) {
        assert.ok(err instanceof DecodeError, `unexpected ${String(err)}`);
      }
    }),
    { numRuns: 2000, seed: 42 },
  );
  // A claimed length far beyond the input must not allocate.
  assert.throws(() => decodeConfiguration(Buffer.from('81a753657276657273ddffffffff', 'hex')), DecodeError);
  // An unknown suffrage is refused.
  assert.throws(() => decodeConfiguration(encodeConfiguration({ servers: [{ id: 'a', address: 'a', suffrage: 7 as 0 }] })), /unknown suffrage 7/);
});

test('configuration round-trips (property)', () => {
  const server = fc.record({ id: fc.string({ minLength: 1 }), address: fc.string({ minLength: 1 }), suffrage: fc.constantFrom(0, 1, 2) as fc.Arbitrary<0 | 1 | 2> });
  fc.assert(fc.property(fc.array(server, { maxLength: 8 }), (servers) => {
    const plain = servers.map((x) => ({ suffrage: x.suffrage, id: x.id, address: x.address }));
    assert.deepEqual(decodeConfiguration(encodeConfiguration({ servers: plain })), { servers: plain });
  }), { numRuns: 500, seed: 7 });
});

test('InmemStore: logs, ranges and stable keys', async () => {
  const s = new InmemStore();
  assert.equal(await s.firstIndex(), 0);
  assert.equal(await s.lastIndex(), 0);
  await assert.rejects(s.getLog(1), (e: unknown) => e instanceof LogNotFoundError && e.message === 'log not found');
  await s.storeLogs([1, 2, 3, 4, 5].map((i) => makeLog({ index: i, term: 1 })));
  assert.equal(await s.firstIndex(), 1);
  assert.equal(await s.lastIndex(), 5);
  await s.deleteRange(1, 2);
  assert.equal(await s.firstIndex(), 3);
  await s.deleteRange(4, 5);
  assert.equal(await s.lastIndex(), 3);
  await s.deleteRange(3, 3);
  assert.equal(await s.firstIndex(), 0);
  assert.equal(await s.lastIndex(), 0);
  await s.deleteRange(1, Number.MAX_SAFE_INTEGER);
  await assert.rejects(s.get('missing'), (e: unknown) => e instanceof KeyNotFoundError && e.message === 'not found');
  await assert.rejects(s.getUint64('missing'), KeyNotFoundError);
  await s.set('k', utf8('v'));
  assert.deepEqual(await s.get('k'), utf8('v'));
  await s.setUint64('n', 42);
  assert.equal(await s.getUint64('n'), 42);
  // Stored logs are copies: mutating what was stored or read changes nothing.
  const log = makeLog({ index: 9, term: 2 });
  await s.storeLog(log);
  log.term = 99;
  const read = await s.getLog(9);
  read.term = 77;
  assert.equal((await s.getLog(9)).term, 2);
});

test('LogCache serves recent entries without the store and stays correct after deletes', async () => {
  const inner = new InmemStore();
  let reads = 0;
  const getLog = inner.getLog.bind(inner);
  inner.getLog = (i) => {
    reads++;
    return getLog(i);
  };
  const cache = new LogCache(4, inner);
  assert.throws(() => new LogCache(0, inner), RangeError);
  await cache.storeLogs([1, 2, 3, 4, 5, 6].map((i) => makeLog({ index: i, term: 1, data: utf8(`d${i}`) })));
  assert.deepEqual((await cache.getLog(6)).data, utf8('d6'));
  assert.deepEqual((await cache.getLog(3)).data, utf8('d3'));
  assert.equal(reads, 0, 'indexes 3..6 come from the ring');
  await cache.getLog(1);
  assert.equal(reads, 1, 'index 1 was evicted: read from the store');
  await cache.deleteRange(5, 6);
  await assert.rejects(cache.getLog(6), LogNotFoundError);
  assert.equal(await cache.lastIndex(), 4);
  assert.equal(await cache.firstIndex(), 1);
  assert.equal(cache.isMonotonic(), false);
  // A failed write must not leave the entry readable from the cache.
  inner.storeLogs = async () => {
    throw new Error('disk full');
  };
  await assert.rejects(cache.storeLog(makeLog({ index: 7, term: 1 })), /disk full/);
  await assert.rejects(cache.getLog(7), LogNotFoundError);
});

test('InmemSnapshotStore keeps the newest closed snapshot; cancelled ones vanish', async () => {
  const clock = new Simulation({ seed: 1 });
  const transport = new InmemNetwork(clock).add('a');
  const store = new InmemSnapshotStore();
  const config = { servers: [voter('a', 'a')] };
  assert.deepEqual(await store.list(), []);
  const sink = await store.create(1, 10, 3, config, 2, transport);
  await sink.write(utf8('hello '));
  await sink.write(utf8('world'));
  assert.deepEqual(await store.list(), [], 'not visible before close');
  await sink.close();
  const [meta] = await store.list();
  assert.equal(meta!.id, sink.id);
  assert.equal(meta!.size, 11);
  assert.equal(meta!.index, 10);
  assert.equal(meta!.term, 3);
  assert.equal(meta!.configurationIndex, 2);
  assert.deepEqual(meta!.configuration, config);
  assert.equal(hex(meta!.peers), '91a161');
  const opened = await store.open(sink.id);
  assert.equal(fromUtf8(await readAll(opened.source)), 'hello world');
  const cancelled = await store.create(1, 20, 3, config, 2, transport);
  await cancelled.write(utf8('x'));
  await cancelled.cancel();
  await assert.rejects(cancelled.write(utf8('y')), /cancelled/);
  assert.equal((await store.list())[0]!.id, sink.id);
  await assert.rejects(store.open('nope'), /failed to open snapshot id: nope/);
});

test('DiscardSnapshotStore accepts and forgets', async () => {
  const d = new DiscardSnapshotStore();
  const sink = await d.create();
  assert.equal(sink.id, 'discard');
  await sink.write(utf8('x'));
  await sink.close();
  assert.deepEqual(await d.list(), []);
  await assert.rejects(d.open('discard'), /not supported/);
});

function echoHandler(overrides: Partial<RpcHandler> = {}): RpcHandler {
  const header = { protocolVersion: 3, id: new Uint8Array(0), addr: new Uint8Array(0) };
  return {
    appendEntries: async (req) => ({ ...header, term: req.term, lastLog: req.prevLogEntry + req.entries.length, success: true, noRetryBackoff: false }),
    requestVote: async (req) => ({ ...header, term: req.term, peers: new Uint8Array(0), granted: true }),
    requestPreVote: async (req) => ({ ...header, term: req.term, granted: true }),
    installSnapshot: async (req, data) => {
      const bytes = await readAll(data);
      return { ...header, term: req.term, success: bytes.length === req.size };
    },
    timeoutNow: async () => header,
    ...overrides,
  };
}

function ae(term: number, prev: number): AppendEntriesRequest {
  return { protocolVersion: 3, id: new Uint8Array(0), addr: new Uint8Array(0), term, leader: utf8('a'), prevLogEntry: prev, prevLogTerm: 0, entries: [makeLog({ index: prev + 1, term })], leaderCommitIndex: 0 };
}

test('InmemTransport: RPCs, disconnect, timeouts and peer encoding', async () => {
  const clock = new Simulation({ seed: 1 });
  const a = new InmemTransport('a', { clock, timeoutMs: 100 });
  const b = new InmemTransport('b', { clock, timeoutMs: 100 });
  await assert.rejects(a.appendEntries('b', 'b', ae(1, 0)), PeerUnreachableError);
  a.connect('b', b);
  await assert.rejects(a.appendEntries('b', 'b', ae(1, 0)), /failed to connect to peer: b/, 'no handler yet');
  b.setHandler(echoHandler());
  const r = await a.appendEntries('b', 'b', ae(4, 7));
  assert.equal(r.term, 4);
  assert.equal(r.lastLog, 8);
  assert.equal((await a.requestVote('b', 'b', { protocolVersion: 3, id: new Uint8Array(0), addr: new Uint8Array(0), term: 2, candidate: utf8('a'), lastLogIndex: 0, lastLogTerm: 0, leadershipTransfer: false })).granted, true);
  const snap = await a.installSnapshot('b', 'b', { protocolVersion: 3, id: new Uint8Array(0), addr: new Uint8Array(0), snapshotVersion: 1, term: 1, leader: utf8('a'), lastLogIndex: 1, lastLogTerm: 1, peers: new Uint8Array(0), configuration: new Uint8Array(0), configurationIndex: 0, size: 3 }, (async function* () {
    yield utf8('ab');
    yield utf8('c');
  })());
  assert.equal(snap.success, true);
  assert.equal(a.decodePeer(a.encodePeer('id', 'host:1')), 'host:1');
  // A handler that never answers: the caller times out on the clock.
  b.setHandler(echoHandler({ appendEntries: () => new Promise(() => {}) }));
  const hung = a.appendEntries('b', 'b', ae(1, 0));
  const outcome = hung.then(() => 'answered', (e: unknown) => e);
  await clock.runFor(100);
  assert.ok((await outcome) instanceof RpcTimeoutError);
  a.disconnect('b');
  await assert.rejects(a.appendEntries('b', 'b', ae(1, 0)), PeerUnreachableError);
  await a.close();
  await assert.rejects(a.appendEntries('b', 'b', ae(1, 0)), /transport shutdown/);
});

test('InmemTransport pipeline: bounded in flight, answers in send order, close fails the rest', async () => {
  const clock = new Simulation({ seed: 1 });
  const a = new InmemTransport('a', { clock, maxInFlight: 2 });
  const b = new InmemTransport('b', { clock });
  a.connect('b', b);
  const releases: (() => void)[] = [];
  b.setHandler(echoHandler({
    appendEntries: (req) => new Promise((resolve) => releases.push(() => resolve({ protocolVersion: 3, id: new Uint8Array(0), addr: new Uint8Array(0), term: req.term, lastLog: req.prevLogEntry + 1, success: true, noRetryBackoff: false }))),
  }));
  const p = a.appendEntriesPipeline('b', 'b');
  const f1 = await p.appendEntries(ae(1, 0));
  const f2 = await p.appendEntries(ae(1, 1));
  let third = false;
  const f3p = p.appendEntries(ae(1, 2)).then((f) => ((third = true), f));
  await clock.runFor(1);
  assert.equal(third, false, 'the third send waits for room');
  const order: number[] = [];
  void f1.response.then((r) => order.push(r.lastLog));
  void f2.response.then((r) => order.push(r.lastLog));
  releases[1]!(); // the second answer arrives first...
  await clock.runFor(1);
  assert.deepEqual(order, [], '...but is held until the first');
  releases[0]!();
  await clock.runFor(1);
  assert.deepEqual(order, [1, 2]);
  const f3 = await f3p;
  await p.close();
  await assert.rejects(f3.response, PipelineShutdownError);
  await assert.rejects(p.appendEntries(ae(1, 3)), PipelineShutdownError);
  const single = new InmemTransport('s', { clock, maxInFlight: 1 });
  single.connect('b', b);
  assert.throws(() => single.appendEntriesPipeline('b', 'b'), PipelineReplicationNotSupportedError);
});

test('InmemNetwork partitions cut both directions; heal restores; one-way cuts', async () => {
  const clock = new Simulation({ seed: 1 });
  const net = new InmemNetwork(clock);
  const [a, b, c] = ['a', 'b', 'c'].map((x) => net.add(x));
  for (const t of [a!, b!, c!]) t.setHandler(echoHandler());
  net.partition(['a']);
  await assert.rejects(a!.appendEntries('b', 'b', ae(1, 0)), PeerUnreachableError);
  await assert.rejects(c!.appendEntries('a', 'a', ae(1, 0)), PeerUnreachableError);
  assert.equal((await b!.appendEntries('c', 'c', ae(1, 0))).success, true);
  net.heal();
  assert.equal((await a!.appendEntries('b', 'b', ae(1, 0))).success, true);
  net.cutOneWay('a', 'b');
  await assert.rejects(a!.appendEntries('b', 'b', ae(1, 0)), PeerUnreachableError);
  assert.equal((await b!.appendEntries('a', 'a', ae(1, 0))).success, true);
});
