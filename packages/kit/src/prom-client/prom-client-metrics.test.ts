import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Registry } from 'prom-client';
import { createPromClientMetrics } from './index.js';

test('counters, gauges and timings land in the registry under Prometheus names', async () => {
  const registry = new Registry();
  const metrics = createPromClientMetrics(registry);
  metrics.incrCounter('memberlist.msg.alive');
  metrics.incrCounter('memberlist.msg.alive', 2);
  metrics.setGauge('memberlist.health.score', 3);
  metrics.addTiming('memberlist.gossip', 250);
  metrics.addTiming('memberlist.gossip', 750);
  const byName = new Map((await registry.getMetricsAsJSON()).map((m) => [m.name, m]));
  assert.deepEqual([...byName.keys()].sort(), ['memberlist_gossip', 'memberlist_health_score', 'memberlist_msg_alive']);
  assert.equal(byName.get('memberlist_msg_alive')!.type, 'counter');
  assert.equal(byName.get('memberlist_msg_alive')!.values[0]!.value, 3);
  assert.equal(byName.get('memberlist_health_score')!.type, 'gauge');
  assert.equal(byName.get('memberlist_health_score')!.values[0]!.value, 3);
  const text = await registry.metrics();
  assert.match(text, /^# TYPE memberlist_gossip histogram$/m);
  assert.match(text, /^memberlist_gossip_sum 1$/m, 'timings are recorded in seconds');
  assert.match(text, /^memberlist_gossip_count 2$/m);
  assert.match(text, /^memberlist_gossip_bucket\{le="0.5"\} 1$/m);
});

test('labels: fixed by the first observation, missing ones empty, unknown ones dropped', async () => {
  const registry = new Registry();
  const metrics = createPromClientMetrics(registry, { prefix: 'app_' });
  metrics.incrCounter('raft.apply', 1, { node: 'a', dc: 'x' });
  metrics.incrCounter('raft.apply', 1, { node: 'b', extra: 'ignored' });
  const text = await registry.metrics();
  assert.match(text, /^app_raft_apply\{dc="x",node="a"\} 1$/m);
  assert.match(text, /^app_raft_apply\{dc="",node="b"\} 1$/m);
  assert.doesNotMatch(text, /ignored/);
});

test("the application's own metrics stay; a clash of types is named", async () => {
  const registry = new Registry();
  new Counter({ name: 'requests', help: 'the app', registers: [registry] }).inc();
  const metrics = createPromClientMetrics(registry);
  metrics.incrCounter('requests');
  assert.match(await registry.metrics(), /^requests 2$/m, 'a counter of the same name is shared, not re-registered');
  assert.throws(() => metrics.setGauge('requests', 1), /already has 'requests' as another type/);
});
