import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Simulation } from './simulation.js';
import { SimNetwork, type NetworkOptions } from './network.js';
import { constantLatency, uniformLatency } from './latency.js';
import type { SimStream } from './stream.js';

const SEED = Number(process.env['SHOAL_SEED'] ?? 4242);

function setup(seed: number, options: NetworkOptions = {}) {
  const sim = new Simulation({ seed });
  const net = new SimNetwork(sim, options);
  const client = net.addNode();
  const server = net.addNode();
  return { sim, net, client, server };
}

async function readAll(stream: SimStream): Promise<number[]> {
  const out: number[] = [];
  for await (const chunk of stream) out.push(...chunk);
  return out;
}

const isCode = (code: string) => (e: unknown) => (e as { code?: string }).code === code;

test(`streams deliver every byte in order despite random latency and loss (seed ${SEED})`, async () => {
  const { sim, client, server, net } = setup(SEED, { link: { latency: uniformLatency(1, 50), loss: 0.2 } });
  const listener = server.listen(8300);
  const received = (async () => readAll(await listener.accept()))();
  const conn = await sim.settle(client.dial(server.address(8300)));
  const sent: number[] = [];
  for (let i = 0; i < 500; i++) {
    const chunk = new Uint8Array([i & 0xff, (i * 7) & 0xff]);
    sent.push(...chunk);
    sim.after(i * 0.5, () => conn.write(chunk));
  }
  sim.after(300, () => conn.end());
  const bytes = await sim.settle(received);
  assert.deepEqual(bytes, sent);
  assert.equal(client.stats.streamBytesSent, 1000);
  assert.equal(server.stats.streamBytesReceived, 1000);
  assert.equal(net.stats.streamsOpened, 1);
});

test('dial connects after one round trip; both directions work; half-close gives EOF after the data', async () => {
  const { sim, client, server } = setup(1, { link: { latency: constantLatency(5) } });
  const accepted: number[] = [];
  server.listen(8300, (s) => {
    accepted.push(sim.now());
    s.setHandlers({
      data: (chunk) => s.write(chunk.map((x) => x + 1)),
      end: () => s.end(),
    });
  });
  const conn = await sim.settle(client.dial(server.address(8300)));
  assert.equal(sim.now(), 10, 'connected after a round trip');
  assert.deepEqual(accepted, [5], 'accepted when the SYN arrived');
  assert.equal(conn.remoteAddress, '10.0.0.2:8300');
  conn.write(new Uint8Array([1, 2]));
  conn.write(new Uint8Array([3]));
  conn.end();
  assert.throws(() => conn.write(new Uint8Array([4])), isCode('EPIPE'));
  assert.deepEqual(await sim.settle(readAll(conn)), [2, 3, 4]);
  assert.equal(sim.now(), 20);
});

test('dialling a live host with no listener is refused after a round trip', async () => {
  const { sim, client, server, net } = setup(2, { link: { latency: constantLatency(3) } });
  await assert.rejects(sim.settle(client.dial(server.address(9999))), isCode('ECONNREFUSED'));
  assert.equal(sim.now(), 6);
  assert.equal(net.stats.dialsRefused, 1);
});

test('dialling across a partition, or to a crashed or unknown host, times out', async () => {
  const { sim, client, server, net } = setup(3);
  server.listen(8300);
  net.block(server, client); // one-way is enough: the SYN-ACK cannot come back
  await assert.rejects(sim.settle(client.dial(server.address(8300), { timeoutMs: 250 })), isCode('ETIMEDOUT'));
  assert.equal(sim.now(), 250);
  net.heal();
  server.crash();
  await assert.rejects(sim.settle(client.dial(server.address(8300), { timeoutMs: 100 })), isCode('ETIMEDOUT'));
  await assert.rejects(sim.settle(client.dial('10.9.9.9:1', { timeoutMs: 100 })), isCode('ETIMEDOUT'));
  assert.equal(net.stats.dialsTimedOut, 3);
});

test('a dial can be aborted by its signal', async () => {
  const { sim, client, server } = setup(4, { link: { latency: constantLatency(5) } });
  let accepted = 0;
  server.listen(8300, () => accepted++);
  const controller = new AbortController();
  sim.after(2, () => controller.abort(new Error('gave up')));
  await assert.rejects(sim.settle(client.dial(server.address(8300), { signal: controller.signal, timeoutMs: 1000 })), /gave up/);
  assert.equal(sim.now(), 2);
  await sim.run();
  assert.equal(accepted, 0, 'a SYN of an abandoned dial is ignored on arrival');
  const c2 = new AbortController();
  c2.abort(new Error('already'));
  await assert.rejects(client.dial(server.address(8300), { signal: c2.signal }), /already/);
});

test('a server crash breaks the stream: the crashed side fails with ENETDOWN, the peer is reset', async () => {
  const { sim, client, server } = setup(5, { link: { latency: constantLatency(4) } });
  let serverEnd: SimStream | undefined;
  server.listen(8300, (s) => (serverEnd = s));
  const conn = await sim.settle(client.dial(server.address(8300)));
  conn.write(new Uint8Array([1]));
  const serverRead = (async () => {
    await serverEnd!.read();
    return serverEnd!.read(); // pending when the crash comes
  })();
  const clientRead = conn.read();
  assert.equal(sim.now(), 8);
  sim.after(10, () => server.crash());
  await assert.rejects(sim.settle(serverRead), isCode('ENETDOWN'));
  assert.equal(sim.now(), 18);
  await assert.rejects(sim.settle(clientRead), isCode('ECONNRESET'));
  assert.equal(sim.now(), 22, 'the reset reached the client one latency after the crash');
  assert.throws(() => conn.write(new Uint8Array([2])), isCode('ECONNRESET'));
});

test('a partition resets streams crossing it; streams within one side survive', async () => {
  const sim = new Simulation({ seed: 6 });
  const net = new SimNetwork(sim);
  const [a, b, c] = [net.addNode(), net.addNode(), net.addNode()];
  b.listen(1, () => {});
  c.listen(1, () => {});
  const ab = await sim.settle(a.dial(b.address(1)));
  const ac = await sim.settle(a.dial(c.address(1)));
  net.block(c, a); // asymmetric, but a stream needs both directions
  assert.ok(ac.error !== undefined && (ac.error as { code?: string }).code === 'ECONNRESET');
  assert.equal(ab.error, undefined);
  ab.write(new Uint8Array([1]));
});

test('listener: accept() queue, close rejects waiting accepts, reset() reaches the peer', async () => {
  const { sim, client, server } = setup(7);
  const listener = server.listen(8300);
  const d1 = client.dial(server.address(8300));
  const s1 = await sim.settle(listener.accept());
  const c1 = await sim.settle(d1);
  const pendingRead = s1.read();
  c1.reset();
  await assert.rejects(sim.settle(pendingRead), isCode('ECONNRESET'));
  await assert.rejects(c1.read(), isCode('ECONNABORTED'));
  const waiting = listener.accept();
  listener.close();
  await assert.rejects(waiting, isCode('EBADF'));
  await assert.rejects(sim.settle(client.dial(server.address(8300))), isCode('ECONNREFUSED'));
});

test('close(): pending reads see EOF, the peer reads EOF, later incoming data is discarded', async () => {
  const { sim, client, server } = setup(8);
  let serverEnd: SimStream | undefined;
  server.listen(8300, (s) => (serverEnd = s));
  const conn = await sim.settle(client.dial(server.address(8300)));
  const pending = conn.read();
  conn.close();
  assert.equal(await pending, null);
  assert.equal(await sim.settle(serverEnd!.read()), null);
  serverEnd!.write(new Uint8Array([1]));
  await sim.run();
  assert.equal(await conn.read(), null);
});

test('a node crash fails its own pending dials with ENETDOWN', async () => {
  const { sim, client, server } = setup(9, { link: { latency: constantLatency(10) } });
  server.listen(8300);
  const dialing = client.dial(server.address(8300));
  sim.after(5, () => client.crash());
  await assert.rejects(sim.settle(dialing), isCode('ENETDOWN'));
  await assert.rejects(client.dial(server.address(8300)), isCode('ENETDOWN'));
});

test('a dial that times out after its SYN was accepted resets the server end', async () => {
  const { sim, client, server } = setup(10, { link: { latency: constantLatency(10) } });
  let serverEnd: SimStream | undefined;
  server.listen(8300, (s) => (serverEnd = s));
  await assert.rejects(sim.settle(client.dial(server.address(8300), { timeoutMs: 15 })), isCode('ETIMEDOUT'));
  assert.ok(serverEnd !== undefined, 'the server accepted at t=10');
  await assert.rejects(sim.settle(serverEnd.read()), isCode('ECONNRESET'));
  assert.equal(sim.now(), 30, 'the SYN-ACK arrived at 20 and was answered with a reset');
});

test('a read aborted by its signal consumes nothing: the next read gets the data', async () => {
  const { sim, client, server } = setup(11, { link: { latency: constantLatency(5) } });
  let serverEnd: SimStream | undefined;
  server.listen(8300, (s) => (serverEnd = s));
  const conn = await sim.settle(client.dial(server.address(8300)));
  const deadline = new AbortController();
  sim.after(3, () => deadline.abort(new Error('read deadline')));
  sim.after(4, () => serverEnd!.write(new Uint8Array([42])));
  await assert.rejects(sim.settle(conn.read(deadline.signal)), /read deadline/);
  assert.equal(sim.now(), 13);
  assert.deepEqual([...(await sim.settle(conn.read()))!], [42]);
  assert.equal(sim.now(), 19, 'written at 14, one latency to arrive');
});
