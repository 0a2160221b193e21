// End to end: a dev agent, three HTTP backends registered as one service with
// passing TTL checks, HealthServiceSource feeding a peer list (peak EWMA with
// outlier ejection), PeerDispatcher sending requests. One backend is killed
// (server closed, then its check fails) and one slowed; requests move to the third.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { realClock } from '@shoal/kit';
import { startDevAgent } from '@shoal/agent';
import { Agent, fetch as undiciFetch } from 'undici';
import { HealthServiceSource } from './health-source.js';
import { outlierEjection } from './outlier-ejection.js';
import { PeakEwma, peakEwma } from './peak-ewma.js';
import { PeerDispatcher } from './peer-dispatcher.js';
import { PeerList } from './peer-list.js';
import { RefCountedTransport, RetainablePeer } from './ref-counted-transport.js';

interface Backend {
  name: string;
  server: Server;
  port: number;
  delayMs: number;
}

async function backend(name: string): Promise<Backend> {
  const b: Backend = { name, server: undefined as unknown as Server, port: 0, delayMs: 0 };
  b.server = createServer((_req, res) => {
    const reply = (): void => void res.end(name);
    if (b.delayMs > 0) setTimeout(reply, b.delayMs);
    else reply();
  });
  await new Promise<void>((resolve) => b.server.listen(0, '127.0.0.1', resolve));
  b.port = (b.server.address() as AddressInfo).port;
  return b;
}

async function until(what: string, cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('health source + peak EWMA with outlier ejection + dispatcher: requests leave a killed and a slowed backend', { timeout: 180_000 }, async () => {
  const agent = await startDevAgent({ http: '127.0.0.1:0', nodeName: 'peerlist-e2e' });
  const base = `http://${agent.address}`;
  const put = async (path: string, body?: unknown): Promise<void> => {
    const res = await fetch(`${base}${path}`, { method: 'PUT', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    assert.equal(res.status, 200, `${path}: ${await res.text()}`);
  };
  const backends = await Promise.all(['a', 'b', 'c'].map(backend));
  const [a, b, c] = backends as [Backend, Backend, Backend];
  for (const be of backends) {
    await put('/v1/agent/service/register', { Name: 'web', ID: `web-${be.name}`, Address: '127.0.0.1', Port: be.port, Check: { TTL: '120s', Status: 'passing' } });
  }

  const clock = realClock;
  const ewma = peakEwma({ clock, seed: 7, decayMs: 10_000 });
  const list = new PeerList({
    transport: new RefCountedTransport((id) => new RetainablePeer(id, 'available')),
    implementation: outlierEjection(ewma, { clock, consecutiveFailures: 3, baseEjectionMs: 60_000, maxEjectionShare: 0.5 }),
    clock,
    seed: 7,
  });
  list.start();
  const errors: unknown[] = [];
  const source = new HealthServiceSource({ agent: base, service: 'web', list, fetch, clock, waitMs: 5_000, onError: (e) => errors.push(e) });
  source.start();
  const http = new Agent();
  const dispatcher = new PeerDispatcher({ list, dispatcher: http, chooseTimeoutMs: 5_000 });
  const send = async (): Promise<string> => {
    try {
      const res = await undiciFetch('http://web/', { dispatcher });
      return await res.text();
    } catch {
      return 'error';
    }
  };
  const tally = (answers: string[]): Record<string, number> => answers.reduce<Record<string, number>>((t, x) => ((t[x] = (t[x] ?? 0) + 1), t), {});

  try {
    await until('three passing instances', () => list.numAvailable === 3);
    const before: string[] = [];
    for (let i = 0; i < 60; i++) before.push(await send());
    const t0 = tally(before);
    for (const name of ['a', 'b', 'c']) assert.ok((t0[name] ?? 0) > 0, `all three serve at first: ${JSON.stringify(t0)}`);

    // Kill a (its server closes; its check still passes for now) and slow b.
    await new Promise<void>((resolve) => {
      a.server.close(() => resolve());
      a.server.closeAllConnections();
    });
    b.delayMs = 150;
    const after: string[] = [];
    for (let i = 0; i < 100; i++) after.push(await send());
    const last = after.slice(-50);
    const t1 = tally(last);
    assert.ok((t1['c'] ?? 0) >= 45, `≥ 90% of the last 50 requests go to c: ${JSON.stringify(t1)} (all after: ${JSON.stringify(tally(after))})`);
    assert.ok(((ewma as PeakEwma).estimateMs(`127.0.0.1:${b.port}`) ?? 0) > (ewma.estimateMs(`127.0.0.1:${c.port}`) ?? Infinity));

    // a's check fails: the source removes it from the list.
    await put('/v1/agent/check/fail/service:web-a?note=killed');
    await until('a leaves the list', () => list.peers().length === 2);
    assert.deepEqual(source.instances.map((i) => i.id).sort(), ['web-b', 'web-c']);
    assert.equal(source.stats.malformed, 0);
  } finally {
    await source.stop();
    list.stop();
    await dispatcher.close();
    for (const be of [b, c]) be.server.close();
    await agent.close();
  }
});
