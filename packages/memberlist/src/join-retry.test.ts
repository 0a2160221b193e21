// Beyond Go: join() tries a timed-out push/pull again (Config.joinRetries).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JoinError, MemberlistErrorCode } from './errors.js';
import { SimCluster } from './sim/cluster.js';

/** A seed whose replies cannot reach the joiner for the first `deafMs`; the joiner's first push/pull times out. */
async function joinThroughDeafSeed(joinRetries: number, deafMs: number) {
  const cluster = new SimCluster({ seed: 7, profile: 'local', config: { joinRetries, joinSyncDelaysMs: [] } });
  const seed = await cluster.add('seed');
  const joiner = await cluster.add('joiner');
  cluster.network.block(seed.host, joiner.host);
  cluster.sim.after(deafMs, () => cluster.network.unblock(seed.host, joiner.host));
  const start = cluster.sim.now();
  const outcome = await cluster.sim.settle(joiner.list.join([seed.transport.address]).then((n) => n, (e: unknown) => e));
  return { cluster, seed, joiner, outcome, tookMs: cluster.sim.now() - start };
}

test('a join whose push/pull timed out is tried again, and succeeds once the seed answers', async () => {
  const { cluster, seed, joiner, outcome, tookMs } = await joinThroughDeafSeed(2, 1_200);
  assert.equal(outcome, 1, `join resolved ${String(outcome)}`);
  // One TCPTimeout (1 s, local profile), a pause of 0.5–1.5 s, then the exchange.
  assert.ok(tookMs >= 1_500 && tookMs < 2_600, `took ${tookMs} ms`);
  assert.ok(await cluster.sim.runUntil(() => seed.list.numMembers() === 2 && joiner.list.numMembers() === 2));
});

test('with joinRetries 0 (as Go) the same join fails with a timeout', async () => {
  const { outcome } = await joinThroughDeafSeed(0, 1_200);
  assert.ok(outcome instanceof JoinError, `join resolved ${String(outcome)}`);
  const cause = outcome.errors[0]?.cause as { code?: string } | undefined;
  assert.equal(cause?.code, MemberlistErrorCode.Timeout);
  assert.match(outcome.message, /timed out after 1000 ms/);
});

test('retries are bounded: a seed that never answers fails after 1 + joinRetries attempts', async () => {
  const { outcome, tookMs } = await joinThroughDeafSeed(2, 60_000);
  assert.ok(outcome instanceof JoinError, `join resolved ${String(outcome)}`);
  assert.match(outcome.message, /\(3 attempts\).*timed out/);
  // Three 1 s timeouts and two pauses of 0.5–1.5 s.
  assert.ok(tookMs >= 4_000 && tookMs <= 6_000, `took ${tookMs} ms`);
});

test('a refused join is not retried', async () => {
  const cluster = new SimCluster({ seed: 8, profile: 'local', config: { joinRetries: 2 } });
  const other = await cluster.add('other');
  const joiner = await cluster.add('joiner');
  const closedPort = other.transport.address.replace(/:\d+$/, ':9');
  const start = cluster.sim.now();
  const outcome = await cluster.sim.settle(joiner.list.join([closedPort]).then((n) => n, (e: unknown) => e));
  assert.ok(outcome instanceof JoinError);
  assert.doesNotMatch(outcome.message, /attempts/);
  assert.match(outcome.message, /ECONNREFUSED|refused/);
  assert.ok(cluster.sim.now() - start < 1_000);
});

test('shutdown ends a join waiting to retry', async () => {
  const cluster = new SimCluster({ seed: 9, profile: 'local', config: { joinRetries: 2 } });
  const seed = await cluster.add('seed');
  const joiner = await cluster.add('joiner');
  cluster.network.block(seed.host, joiner.host);
  const join = joiner.list.join([seed.transport.address]).then((n) => n, (e: unknown) => e);
  await cluster.sim.runFor(1_100); // the first attempt has timed out; the pause has begun
  await cluster.sim.settle(joiner.list.shutdown());
  const outcome = await cluster.sim.settle(join);
  assert.equal((outcome as { code?: string }).code, MemberlistErrorCode.Shutdown, String(outcome));
});

test('joinRetries is validated', async () => {
  const cluster = new SimCluster({ seed: 1, profile: 'local' });
  await assert.rejects(cluster.add('bad', { joinRetries: -1 }), /joinRetries/);
});
