import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Simulation } from './simulation.js';
import { SimNetwork } from './network.js';
import { constantLatency, logNormalLatency, normalLatency, uniformLatency } from './latency.js';
import type { Packet } from './packet.js';
import { SimNetworkError } from './errors.js';
import { ipv4Bytes, parseAddress } from './address.js';

// Seeded tests put the seed in their names; set SHOAL_SEED to replay another one.
const SEED = Number(process.env['SHOAL_SEED'] ?? 20240601);

function setup(seed: number, link: ConstructorParameters<typeof SimNetwork>[1] = {}) {
  const sim = new Simulation({ seed });
  const net = new SimNetwork(sim, link);
  const a = net.addNode();
  const b = net.addNode();
  const got: Packet[] = [];
  const sa = a.bindPacket(7946, () => {});
  const sb = b.bindPacket(7946, (p) => got.push(p));
  return { sim, net, a, b, sa, sb, got };
}

test('addresses: nodes get 10.0.0.x hosts; "host:port" parses, bad ones throw EINVAL', () => {
  const { a, b } = setup(1);
  assert.equal(a.host, '10.0.0.1');
  assert.equal(b.address(7946), '10.0.0.2:7946');
  assert.deepEqual(parseAddress('10.1.2.3:80'), { host: '10.1.2.3', port: 80 });
  assert.deepEqual(parseAddress('[fd00::1]:7946'), { host: 'fd00::1', port: 7946 });
  assert.deepEqual(ipv4Bytes('10.0.1.255'), new Uint8Array([10, 0, 1, 255]));
  for (const notIPv4 of ['10.0.1', '10.0.1.256', '10.0.01.1', 'host', '1.2.3.4.5']) assert.equal(ipv4Bytes(notIPv4), undefined, notIPv4);
  for (const bad of ['10.0.0.1', ':80', '10.0.0.1:x', '10.0.0.1:70000', 'fd00::1:80']) {
    assert.throws(() => parseAddress(bad), (e: unknown) => e instanceof SimNetworkError && e.code === 'EINVAL', bad);
  }
});

test('datagrams arrive after the link latency with sender address and arrival timestamp; bytes are copied', () => {
  const { sim, a, b, sa, got } = setup(2, { link: { latency: constantLatency(5) } });
  const buf = new Uint8Array([1, 2, 3]);
  sim.runForSync(10);
  assert.equal(sa.send(buf, b.address(7946)), 10);
  buf[0] = 99; // the sender reuses its buffer
  sim.runSync();
  assert.equal(got.length, 1);
  assert.deepEqual([...got[0]!.data], [1, 2, 3]);
  assert.equal(got[0]!.from, '10.0.0.1:7946');
  assert.equal(got[0]!.timestamp, 15);
  assert.equal(a.stats.packetsSent, 1);
  assert.equal(a.stats.packetBytesSent, 3);
  assert.equal(b.stats.packetsReceived, 1);
  assert.equal(b.stats.packetBytesReceived, 3);
});

test('oversized datagrams throw EMSGSIZE; closed sockets throw EBADF; unknown hosts drop silently', () => {
  const { net, sa, sim } = setup(3);
  assert.throws(() => sa.send(new Uint8Array(65_508), '10.0.0.2:7946'), { code: 'EMSGSIZE' });
  sa.send(new Uint8Array(65_507), '10.0.0.2:7946');
  sa.send(new Uint8Array(10), '10.9.9.9:7946');
  sim.runSync();
  assert.equal(net.stats.packetsDelivered, 1);
  assert.equal(net.stats.dropped.unknownHost, 1);
  sa.close();
  assert.throws(() => sa.send(new Uint8Array(1), '10.0.0.2:7946'), { code: 'EBADF' });
});

test(`loss and duplication rates stay within 5 sigma (seed ${SEED})`, () => {
  const n = 20_000;
  const { sim, net, b, sa, got } = setup(SEED, { link: { loss: 0.3, duplicate: 0.1 } });
  for (let i = 0; i < n; i++) sa.send(new Uint8Array(8), b.address(7946));
  sim.runSync();
  const lost = net.stats.dropped.lost;
  const sigmaLoss = Math.sqrt(n * 0.3 * 0.7);
  assert.ok(Math.abs(lost - 0.3 * n) < 5 * sigmaLoss, `lost ${lost} of ${n}`);
  const sent = n - lost;
  const dup = net.stats.packetsDuplicated;
  assert.ok(Math.abs(dup - 0.1 * sent) < 5 * Math.sqrt(sent * 0.1 * 0.9), `duplicated ${dup} of ${sent}`);
  assert.equal(got.length, sent + dup);
});

test(`reordering: none on a constant-latency link, about the configured share with reorder (seed ${SEED})`, () => {
  for (const reorder of [0, 0.2]) {
    const { sim, b, sa, got } = setup(SEED, { link: { latency: constantLatency(2), reorder, reorderDelay: uniformLatency(5, 15) } });
    const n = 2000;
    for (let i = 0; i < n; i++) sim.after(i, () => sa.send(new Uint8Array([i & 0xff, i >> 8]), b.address(7946)));
    sim.runSync();
    const order = got.map((p) => p.data[0]! | (p.data[1]! << 8));
    assert.equal(order.length, n);
    let overtaken = 0;
    let maxSoFar = -1;
    for (const i of order) {
      if (i < maxSoFar) overtaken++;
      maxSoFar = Math.max(maxSoFar, i);
    }
    if (reorder === 0) assert.equal(overtaken, 0);
    else assert.ok(overtaken > 0.2 * n * 0.8 && overtaken < 0.2 * n * 1.2, `overtaken ${overtaken} of ${n}`);
  }
});

test(`latency distributions have the configured centre and never go negative (seed ${SEED})`, () => {
  const cases = [
    { latency: uniformLatency(2, 4), mean: 3 },
    { latency: normalLatency(10, 2), mean: 10 },
    { latency: logNormalLatency(5, 0.5), median: 5 },
  ];
  for (const c of cases) {
    const { sim, b, sa, got } = setup(SEED, { link: { latency: c.latency } });
    for (let i = 0; i < 5000; i++) sa.send(new Uint8Array(1), b.address(7946));
    sim.runSync();
    const delays = got.map((p) => p.timestamp).sort((x, y) => x - y);
    assert.ok(delays[0]! >= 0, c.latency.description);
    if (c.mean !== undefined) {
      const mean = delays.reduce((s, d) => s + d, 0) / delays.length;
      assert.ok(Math.abs(mean - c.mean) < 0.05 * c.mean, `${c.latency.description}: mean ${mean}`);
    } else {
      const median = delays[delays.length >> 1]!;
      assert.ok(Math.abs(median - c.median) < 0.05 * c.median, `${c.latency.description}: median ${median}`);
    }
  }
});

test('per-link overrides apply to one direction only', () => {
  const { sim, net, a, b, got } = setup(4, { link: { latency: constantLatency(1) } });
  const gotA: Packet[] = [];
  a.packetSocket(7946)!.close();
  const sa = a.bindPacket(7946, (p) => gotA.push(p));
  net.setLink(a, b, { latency: constantLatency(40) });
  sa.send(new Uint8Array(1), b.address(7946));
  b.packetSocket(7946)!.send(new Uint8Array(1), a.address(7946));
  sim.runSync();
  assert.equal(got[0]!.timestamp, 40);
  assert.equal(gotA[0]!.timestamp, 1);
});

test('asymmetric partition: A cannot reach B while B still reaches A; heal restores', () => {
  const { sim, net, a, b, sa, sb, got } = setup(5);
  const gotA: Packet[] = [];
  sa.close();
  const sa2 = a.bindPacket(7946, (p) => gotA.push(p));
  net.block(a, b);
  assert.equal(net.canReach(a, b), false);
  assert.equal(net.canReach(b, a), true);
  sa2.send(new Uint8Array(1), b.address(7946));
  sb.send(new Uint8Array(1), a.address(7946));
  sim.runSync();
  assert.equal(got.length, 0);
  assert.equal(gotA.length, 1);
  assert.equal(net.stats.dropped.partitioned, 1);
  net.heal();
  sa2.send(new Uint8Array(1), b.address(7946));
  sim.runSync();
  assert.equal(got.length, 1);
});

test('split and isolate partition groups of any size cheaply', () => {
  const sim = new Simulation({ seed: 6 });
  const net = new SimNetwork(sim);
  const nodes = Array.from({ length: 6 }, () => net.addNode());
  net.split(nodes.slice(0, 2), nodes.slice(2, 4));
  assert.equal(net.canReach(nodes[0]!, nodes[1]!), true);
  assert.equal(net.canReach(nodes[0]!, nodes[2]!), false);
  assert.equal(net.canReach(nodes[4]!, nodes[5]!), true, 'unlisted nodes form their own group');
  assert.equal(net.canReach(nodes[4]!, nodes[0]!), false);
  net.heal();
  net.isolate(nodes[3]!);
  assert.equal(net.canReach(nodes[3]!, nodes[0]!), false);
  assert.equal(net.canReach(nodes[0]!, nodes[3]!), false);
  assert.equal(net.canReach(nodes[0]!, nodes[1]!), true);
  net.isolate(nodes[3]!, false);
  assert.equal(net.canReach(nodes[3]!, nodes[0]!), true);
});

test('crash drops traffic (also in flight) and closes sockets; restart needs a rebind; hooks run', () => {
  const { sim, b, sa, got } = setup(7, { link: { latency: constantLatency(10) } });
  const events: string[] = [];
  b.onCrash(() => events.push(`crash@${sim.now()}`));
  b.onRestart(() => events.push(`restart@${sim.now()}`));
  sa.send(new Uint8Array(1), b.address(7946)); // in flight when b crashes
  sim.after(5, () => b.crash());
  sim.runSync();
  assert.equal(got.length, 0);
  assert.equal(b.alive, false);
  assert.equal(b.packetSocket(7946), undefined);
  assert.throws(() => b.bindPacket(1, () => {}), { code: 'ENETDOWN' });
  b.restart();
  const got2: Packet[] = [];
  b.bindPacket(7946, (p) => got2.push(p));
  sa.send(new Uint8Array(1), b.address(7946));
  sim.runSync();
  assert.equal(got2.length, 1);
  assert.deepEqual(events, ['crash@5', 'restart@10']);
});

test(`a slow node handles messages 0.5–2 s late, in arrival order, with arrival timestamps (seed ${SEED})`, () => {
  const { sim, b, sa, got } = setup(SEED, { link: { latency: constantLatency(1) } });
  const handledAt: number[] = [];
  b.packetSocket(7946)!.close();
  b.bindPacket(7946, (p) => {
    got.push(p);
    handledAt.push(sim.now());
  });
  b.processingDelay = uniformLatency(500, 2000);
  for (let i = 0; i < 200; i++) sim.after(i * 10, () => sa.send(new Uint8Array([i]), b.address(7946)));
  sim.runSync();
  assert.equal(got.length, 200);
  got.forEach((p, i) => {
    assert.equal(p.data[0], i, 'FIFO');
    assert.equal(p.timestamp, i * 10 + 1, 'timestamp is the arrival time');
    const late = handledAt[i]! - p.timestamp;
    assert.ok(late >= 500 && late <= 2000, `handled ${late} ms late`);
  });
});
