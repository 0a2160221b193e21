import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { createSocket } from 'node:dgram';
import { InMemoryMetrics, RealClock, silentLogger } from '@shoal/kit';
import { Listeners } from './listeners.js';

const clock = new RealClock();

function collect() {
  const packets: { buf: Uint8Array; from: string }[] = [];
  const streams: import('node:net').Socket[] = [];
  let wake: (() => void) | undefined;
  return {
    packets,
    streams,
    events: {
      onPacket: (buf: Uint8Array, from: string) => { packets.push({ buf: Uint8Array.from(buf), from }); wake?.(); },
      onStream: (s: import('node:net').Socket) => { streams.push(s); wake?.(); },
    },
    async until(cond: () => boolean) {
      const deadline = Date.now() + 5000;
      while (!cond()) {
        if (Date.now() > deadline) throw new Error('timed out waiting for the listener');
        await new Promise<void>((r) => { wake = r; setTimeout(r, 20); });
      }
    },
  };
}

test('port 0 binds UDP and TCP on one port; packets and streams arrive; close releases the port', async () => {
  const c = collect();
  const metrics = new InMemoryMetrics();
  const l = await Listeners.bind({ bindAddrs: ['127.0.0.1'], bindPort: 0, clock, logger: silentLogger, metrics }, c.events);
  assert.ok(l.port > 0);

  assert.ok(l.send(new Uint8Array([1, 2, 3]), `127.0.0.1:${l.port}`, assert.fail));
  assert.equal(l.send(new Uint8Array([1]), 'nowhere', assert.fail), false);
  await c.until(() => c.packets.length === 1);
  assert.deepEqual([...c.packets[0]!.buf], [1, 2, 3]);
  assert.equal(c.packets[0]!.from, `127.0.0.1:${l.port}`);
  assert.equal(metrics.counter('memberlist.net.udp.received'), 3);

  const client = connect({ host: '127.0.0.1', port: l.port });
  await c.until(() => c.streams.length === 1);
  const closed = new Promise((r) => client.on('close', r));
  l.close();
  await closed; // shutdown closes accepted streams too

  // The port is free again for both protocols.
  const again = await Listeners.bind({ bindAddrs: ['127.0.0.1'], bindPort: l.port, clock, logger: silentLogger, metrics }, c.events);
  await again.close();
});

test('an explicit port held by another UDP socket is a clear bind error', async () => {
  const udp = createSocket('udp4');
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
  const port = udp.address().port;
  const tcpListeners = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'TCPServerWrap').length;
  await assert.rejects(
    Listeners.bind({ bindAddrs: ['127.0.0.1'], bindPort: port, clock, logger: silentLogger, metrics: new InMemoryMetrics() }, collect().events),
    (e: Error & { code?: string }) => e.code === 'ERR_BIND' && e.message.includes(String(port)),
  );
  udp.close();
  // And the TCP side it bound first was released. (Listening on the port again to show it raced with
  // every other process on the machine: the number is only reserved for UDP, so any TCP connection
  // could be given it as its local port; that failed one CI run with EADDRINUSE.)
  // Nothing else in this file listens now (each test file runs in a process of its own); a closed
  // server's handle goes once its close callback has run.
  const deadline = Date.now() + 2000;
  while (tcpListeners() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.equal(tcpListeners(), 0, `no TCP listener is left open: ${process.getActiveResourcesInfo().join(',')}`);
});

test('IPv4 and IPv6 loopback together; sends pick the socket of the right family', async () => {
  const c = collect();
  const l = await Listeners.bind({ bindAddrs: ['127.0.0.1', '::1'], bindPort: 0, clock, logger: silentLogger, metrics: new InMemoryMetrics() }, c.events);
  l.send(new Uint8Array([4]), `127.0.0.1:${l.port}`, assert.fail);
  l.send(new Uint8Array([6]), `[::1]:${l.port}`, assert.fail);
  await c.until(() => c.packets.length === 2);
  const froms = c.packets.map((p) => p.from).sort();
  assert.deepEqual(froms, [`127.0.0.1:${l.port}`, `[::1]:${l.port}`]);
  l.close();
});

test('bad bind addresses are rejected before any socket opens', async () => {
  for (const bindAddrs of [[], ['localhost'], ['300.1.1.1']]) {
    await assert.rejects(
      Listeners.bind({ bindAddrs, bindPort: 0, clock, logger: silentLogger, metrics: new InMemoryMetrics() }, collect().events),
      (e: Error & { code?: string }) => e.code === 'ERR_BIND',
    );
  }
});
