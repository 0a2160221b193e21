import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { realClock } from '@shoal/kit';
import { fetchLeaderRaft } from './leader-raft-fetch.js';

const LEADER_RAFT = { State: 'Leader', Term: 2, CommitIndex: 5, AppliedIndex: 5, LastIndex: 5, Leader: 'x:1', Servers: [{ ID: 'a', Address: 'x:1', Voter: true, MatchIndex: 5 }] };

async function serve(answer: (path: string) => { status: number; body: string } | 'hang'): Promise<{ address: string; server: Server }> {
  const server = createServer((req, res) => {
    const a = answer(req.url ?? '');
    if (a === 'hang') return;
    res.writeHead(a.status, { 'content-type': 'application/json' }).end(a.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { address: `127.0.0.1:${port}`, server };
}

test('fetchLeaderRaft: the leader\'s view from its /v1/internal/ui/agent; anything else is no view, in bounded time', async (t) => {
  const cases: [string, (path: string) => { status: number; body: string } | 'hang', boolean][] = [
    ['a leader', (path) => ({ status: path === '/v1/internal/ui/agent' ? 200 : 404, body: JSON.stringify({ Node: 'a', Raft: LEADER_RAFT }) }), true],
    ['a server that no longer leads', () => ({ status: 200, body: JSON.stringify({ Raft: { ...LEADER_RAFT, State: 'Follower' } }) }), false],
    ['a client agent', () => ({ status: 200, body: JSON.stringify({ Raft: null }) }), false],
    ['an error status', () => ({ status: 500, body: 'oops' }), false],
    ['not JSON', () => ({ status: 200, body: '{"Raft":' }), false],
    ['no answer', () => 'hang', false],
  ];
  for (const [what, answer, expected] of cases) {
    const { address, server } = await serve(answer);
    t.after(() => {
      server.closeAllConnections();
      server.close();
    });
    const started = Date.now();
    const view = await fetchLeaderRaft(address, realClock, 300, new AbortController().signal);
    assert.equal(view !== undefined, expected, what);
    if (expected) assert.deepEqual(view?.servers, [{ id: 'a', address: 'x:1', voter: true, matchIndex: 5 }]);
    assert.ok(Date.now() - started < 5_000, `${what}: took ${Date.now() - started} ms`);
  }
  // Nobody listening at all.
  assert.equal(await fetchLeaderRaft('127.0.0.1:1', realClock, 300, new AbortController().signal), undefined);
});
