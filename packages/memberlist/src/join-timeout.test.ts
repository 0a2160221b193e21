// Beyond Go: join() waits joinTimeoutMult × TCPTimeout for each address.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JoinError, MemberlistErrorCode } from './errors.js';
import { defaultLocalConfig } from './config.js';
import { SimCluster, type SimMember } from './sim/cluster.js';

/** A seed that never answers. */
async function joinThroughDeadSeed(joinTimeoutMult: number) {
  const cluster = new SimCluster({ seed: 7, profile: 'local', config: { joinTimeoutMult, joinSyncDelaysMs: [] } });
  const seed = await cluster.add('seed');
  const joiner = await cluster.add('joiner');
  cluster.network.block(seed.host, joiner.host);
  return join(cluster, seed, joiner);
}

async function join(cluster: SimCluster, seed: SimMember, joiner: SimMember) {
  const start = cluster.sim.now();
  const outcome = await cluster.sim.settle(joiner.list.join([seed.transport.address]).then((n) => n, (e: unknown) => e));
  return { cluster, seed, joiner, outcome, tookMs: cluster.sim.now() - start };
}

test('with joinTimeoutMult 1 (as Go) a join gives up on a silent seed after one TCPTimeout, typed as a timeout', async () => {
  const { outcome, tookMs } = await joinThroughDeadSeed(1);
  assert.ok(outcome instanceof JoinError, `join resolved ${String(outcome)}`);
  const cause = outcome.errors[0]?.cause as { code?: string } | undefined;
  assert.equal(cause?.code, MemberlistErrorCode.Timeout);
  assert.match(outcome.message, /push\/pull with .* timed out after 1000 ms/);
  assert.ok(tookMs >= 1_000 && tookMs < 1_100, `took ${tookMs} ms`);
});

test('by default (joinTimeoutMult 3) a silent seed gets three TCPTimeouts (local profile: 3 s)', async () => {
  const { outcome, tookMs } = await joinThroughDeadSeed(defaultLocalConfig().joinTimeoutMult);
  assert.ok(outcome instanceof JoinError, `join resolved ${String(outcome)}`);
  assert.match(outcome.message, /push\/pull with .* timed out after 3000 ms/);
  assert.ok(tookMs >= 3_000 && tookMs < 3_100, `took ${tookMs} ms`);
});

test('a refused join fails at once, not after the join timeout', async () => {
  const cluster = new SimCluster({ seed: 8, profile: 'local' });
  const other = await cluster.add('other');
  const joiner = await cluster.add('joiner');
  const closedPort = other.transport.address.replace(/:\d+$/, ':9');
  const start = cluster.sim.now();
  const outcome = await cluster.sim.settle(joiner.list.join([closedPort]).then((n) => n, (e: unknown) => e));
  assert.ok(outcome instanceof JoinError);
  assert.match(outcome.message, /ECONNREFUSED|refused/);
  assert.ok(cluster.sim.now() - start < 100);
});

test('shutdown ends a join that is waiting for its seed', async () => {
  const cluster = new SimCluster({ seed: 9, profile: 'local' });
  const seed = await cluster.add('seed');
  const joiner = await cluster.add('joiner');
  cluster.network.block(seed.host, joiner.host);
  const join = joiner.list.join([seed.transport.address]).then((n) => n, (e: unknown) => e);
  await cluster.sim.runFor(1_100);
  const before = cluster.sim.now();
  await cluster.sim.settle(joiner.list.shutdown());
  const outcome = await cluster.sim.settle(join);
  assert.equal((outcome as { code?: string }).code, MemberlistErrorCode.Shutdown, String(outcome));
  assert.ok(cluster.sim.now() - before < 100);
});

test('joinTimeoutMult is validated', async () => {
  const cluster = new SimCluster({ seed: 1, profile: 'local' });
  await assert.rejects(cluster.add('bad', { joinTimeoutMult: 0.5 }), /joinTimeoutMult/);
});
