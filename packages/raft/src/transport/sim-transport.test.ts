// The simulator transport: latency, loss (→ timeout), partitions, crashes,
// duplication, and a cluster running on it.
import { utf8 } from '@shoal/kit';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constantLatency, SimNetwork, Simulation } from '@shoal/sim';
import type { AppendEntriesRequest } from '../commands.js';
import { PipelineReplicationNotSupportedError, RpcTimeoutError } from '../errors.js';
import { makeLog } from '../log.js';
import type { RpcHandler } from './transport.js';
import { SimRaftNetwork } from './sim-transport.js';

const SEED = Number(process.env['SHOAL_SEED'] ?? 99);
const header = { protocolVersion: 3, id: new Uint8Array(0), addr: new Uint8Array(0) };

function ae(term: number): AppendEntriesRequest {
  return { ...header, term, leader: utf8('x'), prevLogEntry: 0, prevLogTerm: 0, entries: [makeLog({ index: 1, term })], leaderCommitIndex: 0 };
}

function counting(): { handler: RpcHandler; calls: number[] } {
  const calls: number[] = [];
  const handler: RpcHandler = {
    appendEntries: async (req) => {
      calls.push(req.term);
      return { ...header, term: req.term, lastLog: 1, success: true, noRetryBackoff: false };
    },
    requestVote: async (req) => ({ ...header, term: req.term, peers: new Uint8Array(0), granted: true }),
    requestPreVote: async (req) => ({ ...header, term: req.term, granted: true }),
    installSnapshot: async (req) => ({ ...header, term: req.term, success: true }),
    timeoutNow: async () => header,
  };
  return { handler, calls };
}

function setup(link = {}) {
  const sim = new Simulation({ seed: SEED });
  const network = new SimNetwork(sim, { link: { latency: constantLatency(5), ...link } });
  const rnet = new SimRaftNetwork(network, { timeoutMs: 100 });
  const a = network.addNode();
  const b = network.addNode();
  const ta = rnet.attach(a);
  const tb = rnet.attach(b);
  return { sim, network, rnet, a, b, ta, tb };
}

test('a request and its answer each take one link latency', async () => {
  const { sim, ta, tb } = setup();
  const { handler, calls } = counting();
  tb.setHandler(handler);
  const start = sim.now();
  const resp = await sim.settle(ta.appendEntries('b', tb.localAddr, ae(3)));
  assert.equal(resp.term, 3);
  assert.deepEqual(calls, [3]);
  assert.equal(sim.now() - start, 10);
});

test('lost messages, partitions and crashed peers all look like timeouts to the caller', async () => {
  const lossy = setup({ loss: 1 });
  lossy.tb.setHandler(counting().handler);
  await assert.rejects(lossy.sim.settle(lossy.ta.appendEntries('b', lossy.tb.localAddr, ae(1))), RpcTimeoutError);

  const cut = setup();
  const { handler, calls } = counting();
  cut.tb.setHandler(handler);
  cut.network.isolate(cut.b);
  await assert.rejects(cut.sim.settle(cut.ta.appendEntries('b', cut.tb.localAddr, ae(1))), RpcTimeoutError);
  assert.deepEqual(calls, [], 'nothing crossed the partition');
  cut.network.heal();
  await cut.sim.settle(cut.ta.appendEntries('b', cut.tb.localAddr, ae(2)));
  assert.deepEqual(calls, [2]);

  cut.b.crash();
  await assert.rejects(cut.sim.settle(cut.ta.appendEntries('b', cut.tb.localAddr, ae(3))), RpcTimeoutError);
  // After a restart, the address is served by whoever attaches anew.
  cut.b.restart();
  const fresh = cut.rnet.attach(cut.b);
  const second = counting();
  fresh.setHandler(second.handler);
  await cut.sim.settle(cut.ta.appendEntries('b', fresh.localAddr, ae(4)));
  assert.deepEqual(second.calls, [4]);
  assert.ok(cut.tb.closed, 'the crashed incarnation is closed');
});

test('a duplicated request reaches the handler twice; the caller sees one answer', async () => {
  const { sim, ta, tb } = setup({ duplicate: 1 });
  const { handler, calls } = counting();
  tb.setHandler(handler);
  const resp = await sim.settle(ta.appendEntries('b', tb.localAddr, ae(7)));
  await sim.runFor(50);
  assert.equal(resp.term, 7);
  assert.deepEqual(calls, [7, 7]);
});

test('pipelines keep order; maxInFlight 1 refuses them', async () => {
  const { sim, ta, tb } = setup({ latency: constantLatency(1), reorder: 0 });
  tb.setHandler(counting().handler);
  const p = ta.appendEntriesPipeline('b', tb.localAddr);
  const f1 = await sim.settle(p.appendEntries(ae(1)));
  const f2 = await sim.settle(p.appendEntries(ae(2)));
  const order: number[] = [];
  void f2.response.then((r) => order.push(r.term));
  void f1.response.then((r) => order.push(r.term));
  await sim.runFor(20);
  assert.deepEqual(order, [1, 2]);
  await p.close();
  const strict = new SimRaftNetwork(ta.node.network, { maxInFlight: 1 }).attach(ta.node, 7001);
  assert.throws(() => strict.appendEntriesPipeline('b', tb.localAddr), PipelineReplicationNotSupportedError);
});
