// End to end: a dev agent, three HTTP backends registered as one service with
// passing TTL checks, HealthServiceSource feeding a peer list (peak EWMA with
// outlier ejection), PeerDispatcher sending requests. One backend is killed
// (server closed, then its check fails) and one slowed; requests move to the third.
//
// Every phase waits on a condition with a bound, never on a fixed sleep, and
// every resource is closed in t.after, so a failure (or the test's timeout)
// ends the file promptly instead of holding the run open.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { realClock } from '@shoal/kit';
import { startDevAgent } from '@shoal/agent';
import { Agent, fetch as undiciFetch } from 'undici';
import { HealthServiceSource } from './health-source.js';
import { outlierEjection } from './outlier-ejection.js';
import { peakEwma } from './peak-ewma.js';
import { PeerDispatcher } from './peer-dispatcher.js';
import { PeerList } from './peer-list.js';
import { RefCountedTransport, RetainablePeer } from './ref-counted-transport.js';

interface Backend {
  readonly name: string;
  readonly server: Server;
  readonly port: number;
  /** Its peer id, "127.0.0.1:port". */
  readonly id: string;
  delayMs: number;
}

/** Runs cleanup steps last-registered first, each even if an earlier one throws. */
function cleanups(t: TestContext): (step: () => unknown) => void {
  const steps: (() => unknown)[] = [];
  t.after(async () => {
    const errors: unknown[] = [];
    for (const step of steps.reverse()) {
      try {
        await step();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, 'cleanup failed');
  });
  return (step) => void steps.push(step);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve()); // called with an error when already closed: still done
    server.closeAllConnections();
  });
}

async function backend(name: string): Promise<Backend> {
  const slow = { delayMs: 0 };
  const server = createServer((_req, res) => {
    const reply = (): void => void res.end(name);
    if (slow.delayMs > 0) setTimeout(reply, slow.delayMs);
    else reply();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    name,
    server,
    port,
    id: `127.0.0.1:${port}`,
    get delayMs() {
      return slow.delayMs;
    },
    set delayMs(ms: number) {
      slow.delayMs = ms;
    },
  };
}

async function until(what: () => string, cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const tally = (answers: readonly string[]): Record<string, number> => answers.reduce<Record<string, number>>((t, x) => ((t[x] = (t[x] ?? 0) + 1), t), {});

test('health source + peak EWMA with outlier ejection + dispatcher: requests leave a killed and a slowed backend', { timeout: 150_000 }, async (t) => {
  const cleanup = cleanups(t);
  const agent = await startDevAgent({ http: '127.0.0.1:0', nodeName: 'peerlist-e2e' });
  cleanup(() => agent.close());
  const base = `http://${agent.address}`;
  const put = async (path: string, body?: unknown): Promise<void> => {
    const res = await fetch(`${base}${path}`, { method: 'PUT', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    assert.equal(res.status, 200, `${path}: ${await res.text()}`);
  };
  const backends: Backend[] = [];
  for (const name of ['a', 'b', 'c']) {
    const be = await backend(name);
    backends.push(be);
    cleanup(() => closeServer(be.server));
  }
  const [a, b] = backends as [Backend, Backend, Backend];
  for (const be of backends) {
    await put('/v1/agent/service/register', { Name: 'web', ID: `web-${be.name}`, Address: '127.0.0.1', Port: be.port, Check: { TTL: '120s', Status: 'passing' } });
  }

  const clock = realClock;
  // defaultRttMs 0: an instance without a sample wins every pair it is drawn
  // in, so each new instance is tried at once. With the 30 ms default, an
  // instance whose prior is above the others' measured latencies is not tried
  // until the prior decays (decayMs × ln(prior / latency)), so whether the
  // third one served in the first phase depended on the first draws and on
  // timing; with it, 6 runs in 10 failed "all three serve at first".
  const ewma = peakEwma({ clock, seed: 7, decayMs: 10_000, defaultRttMs: 0 });
  // An ejection outlasts the test, so the killed backend does not come back mid-phase.
  const ejection = outlierEjection(ewma, { clock, consecutiveFailures: 3, baseEjectionMs: 300_000, maxEjectionShare: 0.5 });
  const list = new PeerList({ transport: new RefCountedTransport((id) => new RetainablePeer(id, 'available')), implementation: ejection, clock, seed: 7 });
  list.start();
  cleanup(() => list.stop());
  const errors: unknown[] = [];
  const source = new HealthServiceSource({ agent: base, service: 'web', list, fetch, clock, waitMs: 5_000, onError: (e) => errors.push(e) });
  source.start();
  cleanup(() => source.stop());
  const dispatcher = new PeerDispatcher({ list, dispatcher: new Agent(), chooseTimeoutMs: 5_000 });
  cleanup(() => dispatcher.destroy()); // destroy, not close: do not wait for a request in flight
  const send = async (): Promise<string> => {
    try {
      const res = await undiciFetch('http://web/', { dispatcher, signal: AbortSignal.timeout(10_000) });
      return await res.text();
    } catch {
      return 'error';
    }
  };
  const sourceState = (): string =>
    `source: ${JSON.stringify({ stats: source.stats, index: source.index, instances: source.instances.map((i) => i.id) })}, errors: ${errors.map(String).join('; ')}`;

  // 1. The source has added all three; each serves.
  await until(() => `three available peers (have ${list.numAvailable}; ${sourceState()})`, () => list.numAvailable === 3, 30_000);
  const before: string[] = [];
  for (let i = 0; i < 60; i++) before.push(await send());
  const t0 = tally(before);
  for (const name of ['a', 'b', 'c']) assert.ok((t0[name] ?? 0) > 0, `all three serve at first: ${JSON.stringify(t0)}`);

  // 2. Kill a (its server closes; its check still passes for now) and slow b:
  // send until 45 of the last 50 requests went to c.
  await closeServer(a.server);
  b.delayMs = 500;
  const after: string[] = [];
  const bEstimatesAfterAnswer: number[] = [];
  const lastFiftyToC = (): number => after.slice(-50).filter((x) => x === 'c').length;
  while (after.length < 50 || lastFiftyToC() < 45) {
    assert.ok(after.length < 400, `45 of the last 50 requests go to c within 400: last 50 ${JSON.stringify(tally(after.slice(-50)))}, all ${JSON.stringify(tally(after))}`);
    const answer = await send();
    after.push(answer);
    if (answer === 'b') bEstimatesAfterAnswer.push(ewma.estimateMs(b.id) ?? 0);
  }
  // The dispatcher reports latency to the end of the body: b's estimate jumps to its delay.
  for (const estimate of bEstimatesAfterAnswer) assert.ok(estimate >= 0.9 * b.delayMs, `b's estimate after a slow answer: ${estimate} ms`);
  assert.equal(ejection.ejectedCount, 1, 'a was ejected');
  t.diagnostic(`first 60: ${JSON.stringify(t0)}; after the kill: ${after.length} requests ${JSON.stringify(tally(after))}, b's estimates ${bEstimatesAfterAnswer.map(Math.round).join(',')}`);

  // 3. a's check fails: the source removes it from the list.
  await put('/v1/agent/check/fail/service:web-a?note=killed');
  await until(() => `a to leave the list (peers ${list.peers().map((p) => p.id).join(',')}; ${sourceState()})`, () => list.peers().length === 2, 30_000);
  assert.deepEqual(source.instances.map((i) => i.id).sort(), ['web-b', 'web-c']);
  assert.equal(source.stats.malformed, 0);
  assert.ok(!list.peers().some((p) => p.id === a.id));
});
