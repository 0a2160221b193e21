import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InMemoryMetrics } from '@shoal/kit';
import { defaultLocalConfig } from '../config.js';
import { createNetMemberlist } from './create.js';

test('one metrics sink shared by engine and transport counts every packet and dial once', async () => {
  const metrics = new InMemoryMetrics();
  const a = await createNetMemberlist(defaultLocalConfig({ name: 'a', bindAddr: '127.0.0.1', bindPort: 0, metrics, joinSyncDelaysMs: [] }));
  const b = await createNetMemberlist(defaultLocalConfig({ name: 'b', bindAddr: '127.0.0.1', bindPort: 0, metrics, joinSyncDelaysMs: [] }));
  try {
    await b.join([`127.0.0.1:${a.localNode().port}`]);
    const deadline = Date.now() + 5000;
    while (metrics.counter('memberlist.udp.sent') < 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    // The engine counts under Go's names, the transport under memberlist.net.*; each send is seen once by each.
    const engineUdp = metrics.counter('memberlist.udp.sent');
    assert.ok(engineUdp >= 200, `udp.sent ${engineUdp}`);
    assert.equal(engineUdp, metrics.counter('memberlist.net.udp.sent'));
    assert.equal(metrics.counter('memberlist.tcp.connect'), 1);
    assert.equal(metrics.counter('memberlist.net.tcp.connect'), 1);
  } finally {
    await b.shutdown();
    await a.shutdown();
  }
});
