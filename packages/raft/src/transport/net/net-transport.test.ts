// NetworkTransport over in-memory streams: every RPC both generations, error
// strings, pooling, pipelining (order, back-pressure, close), snapshot
// streaming, timeouts, the pre-vote gate and shutdown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InMemoryMetrics, RealClock, utf8, type Clock } from '@shoal/kit';
import { PipelineShutdownError, RpcTimeoutError, TransportShutdownError } from '../../errors.js';
import { EMPTY_BYTES } from '../../log.js';
import { appendRequest, echoHandler } from './test-rpc-handler.js';
import { NIL_ENTRIES, type WireGeneration } from '../wire/index.js';
import { MemoryNetwork } from './memory-stream-layer.js';
import { NetworkTransport, type NetworkTransportOptions } from './network-transport.js';
import { PreVoteNotSupportedError, RemoteRpcError } from './net-errors.js';

const clock: Clock = new RealClock();
const header = { protocolVersion: 3, id: utf8('a'), addr: utf8('a:1') };

function pair(wire: WireGeneration, options: Partial<NetworkTransportOptions> = {}): { a: NetworkTransport; b: NetworkTransport; net: MemoryNetwork } {
  const net = new MemoryNetwork();
  const a = new NetworkTransport({ layer: net.listen('a:1'), clock, wire, timeoutMs: 2000, ...options });
  const b = new NetworkTransport({ layer: net.listen('b:1'), clock, wire, timeoutMs: 2000, ...options });
  b.setHandler(echoHandler());
  return { a, b, net };
}

for (const wire of ['1.1', '1.7'] as const) {
  test(`every RPC round-trips on generation ${wire}`, async () => {
    const { a, b } = pair(wire);
    try {
      const ae = await a.appendEntries('b', 'b:1', appendRequest(3, 7));
      assert.deepEqual([ae.term, ae.lastLog, ae.success], [3, 8, true]);
      const hb = await a.appendEntries('b', 'b:1', { ...header, term: 3, leader: utf8('a:1'), prevLogEntry: 0, prevLogTerm: 0, entries: NIL_ENTRIES, leaderCommitIndex: 0 });
      assert.equal(hb.success, true);
      assert.equal((await a.requestVote('b', 'b:1', { ...header, term: 4, candidate: utf8('a:1'), lastLogIndex: 1, lastLogTerm: 1, leadershipTransfer: false })).granted, true);
      assert.deepEqual(await a.timeoutNow('b', 'b:1', { ...header }), wire === '1.1' ? { protocolVersion: 3, id: EMPTY_BYTES, addr: EMPTY_BYTES } : header);
      if (wire === '1.7') assert.equal((await a.requestPreVote('b', 'b:1', { ...header, term: 5, lastLogIndex: 1, lastLogTerm: 1 })).granted, true);
      else await assert.rejects(a.requestPreVote('b', 'b:1', { ...header, term: 5, lastLogIndex: 1, lastLogTerm: 1 }), (err: Error) => err instanceof PreVoteNotSupportedError && err.message.includes('unexpected command'));
      // One connection served all of them, one at a time.
      assert.equal(a.openConns.dialed, 1);
    } finally {
      await a.close();
      await b.close();
    }
  });
}

test('an error string becomes RemoteRpcError with that text, and the connection goes back to the pool', async () => {
  const { a, b } = pair('1.1');
  b.setHandler(echoHandler({ requestVote: async () => Promise.reject(new Error('operation not supported with current protocol version')) }));
  try {
    const vote = { ...header, term: 4, candidate: utf8('a:1'), lastLogIndex: 1, lastLogTerm: 1, leadershipTransfer: false };
    await assert.rejects(a.requestVote('b', 'b:1', vote), (err: Error) => err instanceof RemoteRpcError && err.message === 'operation not supported with current protocol version');
    assert.equal(a.openConns.dialed, 1);
    assert.equal((await a.appendEntries('b', 'b:1', appendRequest(3, 1))).success, true);
    assert.equal(a.openConns.dialed, 1, 'the same connection was reused');
  } finally {
    await a.close();
    await b.close();
  }
});

test('the pool keeps at most maxPool idle connections per peer', async () => {
  const { a, b } = pair('1.1', { maxPool: 2 });
  try {
    await Promise.all(Array.from({ length: 6 }, (_, i) => a.appendEntries('b', 'b:1', appendRequest(1, i))));
    await new Promise((r) => setImmediate(r));
    assert.equal(a.openConns.dialed, 2);
  } finally {
    await a.close();
    await b.close();
  }
});

test('an unanswered RPC fails with RpcTimeoutError after timeoutMs and its connection is closed', async () => {
  const { a, b } = pair('1.1', { timeoutMs: 100 });
  b.setHandler(echoHandler({ appendEntries: () => new Promise(() => undefined) }));
  try {
    const started = clock.now();
    await assert.rejects(a.appendEntries('b', 'b:1', appendRequest(1, 1)), RpcTimeoutError);
    const took = clock.now() - started;
    assert.ok(took >= 95 && took < 1000, `took ${took} ms`);
    await new Promise((r) => setImmediate(r));
    assert.equal(a.openConns.dialed, 0);
  } finally {
    await a.close();
    await b.close();
  }
});

test('the pipeline answers in order, holds at most maxRpcsInFlight, and close fails the outstanding', async () => {
  const { a, b } = pair('1.7', { maxRpcsInFlight: 2 });
  const gates: (() => void)[] = [];
  let concurrent = 0;
  let most = 0;
  b.setHandler(
    echoHandler({
      appendEntries: async (req) => {
        most = Math.max(most, ++concurrent);
        await new Promise<void>((r) => gates.push(r));
        concurrent--;
        return { ...header, term: req.term, lastLog: req.prevLogEntry + 1, success: true, noRetryBackoff: false };
      },
    }),
  );
  try {
    const pipeline = a.appendEntriesPipeline('b', 'b:1');
    const first = await pipeline.appendEntries(appendRequest(1, 1));
    const second = await pipeline.appendEntries(appendRequest(1, 2));
    let thirdSent = false;
    const third = pipeline.appendEntries(appendRequest(1, 3)).then((f) => ((thirdSent = true), f));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(thirdSent, false, 'back-pressure at 2 in flight');
    // The server hands both to the handler without waiting for the first reply.
    while (gates.length < 2) await new Promise((r) => setImmediate(r));
    assert.equal(most, 2);
    // The second is answered first by the handler, yet its reply follows the first's.
    let secondAnswered = false;
    void second.response.then(() => (secondAnswered = true));
    gates.pop()!();
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(secondAnswered, false, 'replies leave in request order');
    gates.shift()!();
    assert.equal((await first.response).lastLog, 2);
    assert.equal((await second.response).lastLog, 3);
    await third;
    await pipeline.close();
    await assert.rejects((await third).response, PipelineShutdownError);
    await assert.rejects(pipeline.appendEntries(appendRequest(1, 4)), PipelineShutdownError);
  } finally {
    await a.close();
    await b.close();
  }
});

test('maxRpcsInFlight 1 disables pipelining', async () => {
  const { a, b } = pair('1.1', { maxRpcsInFlight: 1 });
  assert.throws(() => a.appendEntriesPipeline('b', 'b:1'), { code: 'ERR_PIPELINE_REPLICATION_NOT_SUPPORTED' });
  await a.close();
  await b.close();
});

test('installSnapshot streams exactly size bytes, and the handler reads them from the stream', async () => {
  const { a, b } = pair('1.1');
  const handler = echoHandler();
  b.setHandler(handler);
  const size = 3 * 1024 * 1024 + 17;
  let pulled = 0;
  async function* source(): AsyncGenerator<Uint8Array> {
    for (let off = 0; off < size; off += 65536) {
      const n = Math.min(65536, size - off);
      pulled += n;
      yield Uint8Array.from({ length: n }, (_, i) => (off + i) & 0xff);
    }
  }
  try {
    const req = { ...header, snapshotVersion: 1, term: 2, leader: utf8('a:1'), lastLogIndex: 10, lastLogTerm: 2, peers: EMPTY_BYTES, configuration: utf8('c'), configurationIndex: 1, size };
    const resp = await a.installSnapshot('b', 'b:1', req, source());
    assert.equal(resp.success, true);
    assert.equal(pulled, size);
    const got = handler.snapshots[0]!;
    assert.equal(got.length, size);
    assert.ok(got.every((v, i) => v === (i & 0xff)));
    // A source shorter than its size fails on our side, before the peer waits for bytes that never come.
    await assert.rejects(a.installSnapshot('b', 'b:1', { ...req, size: 10 }, (async function* () { yield new Uint8Array(5); })()), /short read/);
  } finally {
    await a.close();
    await b.close();
  }
});

test('close fails calls in flight, closes the listener and every connection', async () => {
  const { a, b } = pair('1.1');
  b.setHandler(echoHandler({ appendEntries: () => new Promise(() => undefined) }));
  const pending = a.appendEntries('b', 'b:1', appendRequest(1, 1));
  await new Promise((r) => setTimeout(r, 10));
  await a.close();
  await assert.rejects(pending, TransportShutdownError);
  await assert.rejects(a.appendEntries('b', 'b:1', appendRequest(1, 1)), TransportShutdownError);
  assert.equal(a.openConns.dialed, 0);
  await b.close();
  await new Promise((r) => setImmediate(r));
  assert.equal(b.openConns.accepted, 0);
});

/** `promise`, or a rejection naming `what` if it has not settled within `ms`. */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} still pending after ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

// Issue 14: the server waited for its listener to close before ending the
// connections it had accepted, and a listener (Node's, and this memory one)
// waits for those very connections: close hung for as long as a peer kept a
// pooled connection, i.e. forever, and the peer kept getting "transport
// shutdown" answers from a server that had gone.
test('close returns while a peer still pools a connection to us, and ends that connection', async () => {
  const { a, b } = pair('1.7');
  try {
    assert.equal((await a.appendEntries('b', 'b:1', appendRequest(1, 1))).lastLog, 2);
    assert.equal(a.openConns.dialed, 1, 'the call left its connection in the pool');
    await within(1000, 'b.close()', b.close());
    assert.equal(b.openConns.accepted, 0);
    await assert.rejects(a.appendEntries('b', 'b:1', appendRequest(1, 1)), /closed by the peer|ECONNREFUSED|connection closed/);
  } finally {
    await a.close();
    await b.close();
  }
});

test('server drops are counted by reason', async () => {
  const metrics = new InMemoryMetrics();
  const net = new MemoryNetwork();
  const b = new NetworkTransport({ layer: net.listen('b:1'), clock, wire: '1.1', metrics, timeoutMs: 100 });
  b.setHandler(echoHandler());
  try {
    const s = net.connect('b:1');
    s.on('error', () => undefined);
    s.write(Uint8Array.of(4, 0x80)); // pre-vote byte: unknown to a 1.1 server
    await new Promise((r) => s.once('close', r).resume());
    assert.equal(metrics.counter('raft.net.conn_dropped', { reason: 'unknown_rpc' }), 1);
  } finally {
    await b.close();
  }
});
