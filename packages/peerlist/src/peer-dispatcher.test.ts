// PeerDispatcher against local HTTP servers, through undici's fetch and request style handlers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';
import { PeerDispatcher, PeerStatusError, type ChoosingList } from './peer-dispatcher.js';
import { PeerList } from './peer-list.js';
import { RefCountedTransport, RetainablePeer } from './ref-counted-transport.js';
import { roundRobin } from './round-robin.js';

async function serve(name: string, status = 200): Promise<{ server: Server; id: string }> {
  const server = createServer((req, res) => {
    res.statusCode = status;
    res.end(`${name} ${req.method} ${req.url} host=${req.headers.host}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, id: `127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** A list that records each choice's outcome. */
function recording(ids: string[]): { list: ChoosingList; outcomes: { id: string; error: unknown }[]; peerList: PeerList } {
  const peerList = new PeerList({ transport: new RefCountedTransport((id) => new RetainablePeer(id, 'available')), implementation: roundRobin(), seed: 1, noShuffle: true });
  peerList.update({ additions: ids });
  peerList.start();
  const outcomes: { id: string; error: unknown }[] = [];
  const list: ChoosingList = {
    choose: (options) => {
      const wrap = (c: Awaited<ReturnType<PeerList['choose']>>) => {
        const id = c.id;
        const onFinish = c.onFinish;
        return { peer: c.peer, id, onFinish: (error?: unknown) => (outcomes.push({ id, error }), onFinish(error)) };
      };
      const c = peerList.choose(options);
      return c instanceof Promise ? c.then(wrap) : wrap(c);
    },
  };
  return { list, outcomes, peerList };
}

test('PeerDispatcher: each request goes to the chosen peer; 2xx succeeds, 5xx and refused connections fail', { timeout: 60_000 }, async () => {
  const a = await serve('a');
  const b = await serve('b', 503);
  // A port with nothing listening: bind, note the port, close.
  const gone = await serve('gone');
  await new Promise((r) => gone.server.close(r));
  const agent = new Agent();
  const lists = [a.id, b.id, gone.id].map((id) => recording([id]));
  const [da, db, dgone] = lists.map(({ list }) => new PeerDispatcher({ list, dispatcher: agent }));
  try {
    const r1 = await undiciFetch('http://web.service/x?y=1', { dispatcher: da! });
    assert.equal(await r1.text(), `a GET /x?y=1 host=${a.id}`);
    const r2 = await undiciFetch('http://web.service/z', { dispatcher: db!, method: 'POST', body: 'hi' });
    assert.equal(r2.status, 503);
    assert.equal(await r2.text(), `b POST /z host=${b.id}`);
    await assert.rejects(undiciFetch('http://web.service/', { dispatcher: dgone! }));
    const [oa, ob, ogone] = lists.map((l) => l.outcomes);
    assert.deepEqual(oa, [{ id: a.id, error: undefined }]);
    assert.equal(ob!.length, 1);
    assert.ok(ob![0]!.error instanceof PeerStatusError && ob![0]!.error.statusCode === 503);
    assert.equal(ogone!.length, 1);
    assert.ok(ogone![0]!.error !== undefined);
    for (const l of lists) assert.equal(l.peerList.peers().reduce((n, p) => n + (l.peerList.pending(p.id) ?? 0), 0), 0);

    // undici's request() (its own handler) through the same dispatcher.
    const r3 = await da!.request({ origin: 'http://ignored', path: '/r', method: 'GET' });
    assert.equal(r3.statusCode, 200);
    assert.equal(await r3.body.text(), `a GET /r host=${a.id}`);
    assert.equal(oa!.length, 2);
    assert.equal(oa![1]!.error, undefined);

    // Node's own fetch (its bundled undici) through the same dispatcher.
    const r4 = await fetch('http://web.service/n', { dispatcher: da } as unknown as RequestInit);
    assert.equal(await r4.text(), `a GET /n host=${a.id}`);
    assert.equal(oa!.length, 3);
    assert.equal(oa![2]!.error, undefined);
  } finally {
    for (const l of lists) l.peerList.stop();
    await agent.close();
    a.server.close();
    b.server.close();
  }
});

test('PeerDispatcher: no peer to choose fails the request', { timeout: 60_000 }, async () => {
  const peerList = new PeerList({ transport: new RefCountedTransport((id) => new RetainablePeer(id, 'available')), implementation: roundRobin(), seed: 1, failFast: true });
  peerList.start();
  const agent = new Agent();
  const dispatcher = new PeerDispatcher({ list: peerList, dispatcher: agent });
  try {
    await assert.rejects(undiciFetch('http://web.service/', { dispatcher }));
  } finally {
    peerList.stop();
    await agent.close();
  }
});

test('PeerDispatcher: an inner dispatcher that throws after waiting for a peer fails the request, not the process', { timeout: 10_000 }, async () => {
  const peerList = new PeerList({ transport: new RefCountedTransport((id) => new RetainablePeer(id, 'available')), implementation: roundRobin(), seed: 1 });
  peerList.start();
  const refused = new Error('inner dispatcher refused');
  const dispatcher = new PeerDispatcher({ list: peerList, dispatcher: { dispatch: () => { throw refused; } }, chooseTimeoutMs: 5_000 });
  try {
    // No peer yet: the choice waits, so the inner dispatch runs after dispatch() has returned.
    const response = dispatcher.request({ origin: 'http://web.service', path: '/', method: 'GET' });
    await new Promise((r) => setImmediate(r));
    assert.equal(peerList.numWaiting, 1);
    peerList.update({ additions: ['127.0.0.1:1'] });
    await assert.rejects(response, (error) => error === refused);
    assert.equal(peerList.pending('127.0.0.1:1'), 0, 'the choice ended');
  } finally {
    peerList.stop();
  }
});
