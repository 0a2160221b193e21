import { test } from 'node:test';
import assert from 'node:assert/strict';
import { noopMetrics, realClock, silentLogger, utf8 } from '@shoal/kit';
import { NotLeaderError, RaftState } from '@shoal/raft';
import { server } from '../testing/member-fixtures.js';
import { StateError, TargetUnreachableError } from '../errors.js';
import { decodeCommand } from '../state/codec.js';
import type { Command } from '../state/commands.js';
import { encodeAnswer, type InternalAnswer, type LeaderHint } from './internal-api.js';
import type { InternalClient } from './internal-client.js';
import type { LocalLeader } from './internal-handler.js';
import { LeaderChannel, type LeaderRouter } from './leader-channel.js';
import type { Member } from '../member-view.js';
import { clientRouter, serverRouter } from './routers.js';
import { hintOf, serverDirectory } from './server-directory.js';

const command: Command = { type: 'kv', op: { verb: 'set', key: 'k', value: utf8('v') } };
const s1 = server('s1');
const s2 = server('s2');
const s3 = server('s3');
const http = (m: Member): string => m.tags.httpAddress;
const hint = (m: Member): LeaderHint => hintOf(m)!;

type Reply = InternalAnswer & { status?: number };
type Behaviour = Reply | Error | ((path: string) => Reply | Error);

/** A client whose targets answer as `behaviours` say; records every request. */
function fakeClient(behaviours: Record<string, Behaviour>): InternalClient & { sent: { target: string; path: string }[] } {
  const sent: { target: string; path: string }[] = [];
  return {
    sent,
    async post(target, path) {
      sent.push({ target, path });
      let b = behaviours[target] ?? new TargetUnreachableError(target, new Error('ECONNREFUSED'));
      if (typeof b === 'function') b = b(path);
      if (b instanceof Error) throw b;
      return { status: b.status ?? (b.kind === 'failed' ? 503 : 200), body: encodeAnswer(b) };
    },
  };
}

function channel(router: LeaderRouter, client: InternalClient, local?: LocalLeader, leaderWaitMs = 400): LeaderChannel {
  return new LeaderChannel({ router, client, clock: realClock, local, leaderWaitMs, requestTimeoutMs: 1_000, logger: silentLogger, metrics: noopMetrics });
}

const directory = serverDirectory(() => [s1, s2, s3], 'dc1');
const notLeader = (leader?: Member): Reply => ({ kind: 'failed', error: { code: 'ERR_NOT_LEADER', message: 'node is not the leader' }, ...(leader ? { leader: hint(leader) } : {}) });

test('leader channel: a client follows a server\'s hint to the leader at once, and remembers it', async () => {
  const client = fakeClient({ [http(s1)]: notLeader(s3), [http(s3)]: { kind: 'applied', index: 12, result: 'ok', leader: hint(s3) } });
  const ch = channel(clientRouter(directory), client);
  assert.deepEqual(await ch.write(command), { index: 12, result: 'ok' });
  assert.deepEqual(client.sent.map((s) => s.target), [http(s1), http(s3)]);
  assert.deepEqual(ch.lastLeader, hint(s3));
  await ch.write(command);
  assert.equal(client.sent.at(-1)!.target, http(s3), 'the next write goes straight to the leader');
});

test('leader channel: a refused connection moves on to the next server; it is not tried again', async () => {
  const client = fakeClient({ [http(s2)]: { kind: 'applied', index: 3, result: true } });
  const ch = channel(clientRouter(directory), client);
  assert.deepEqual(await ch.write(command), { index: 3, result: true });
  assert.deepEqual(client.sent.map((s) => s.target), [http(s1), http(s2)]);
});

test('leader channel: a write that may have arrived is not repeated: outcome unknown', async () => {
  const client = fakeClient({ [http(s1)]: new Error('socket hang up'), [http(s2)]: { kind: 'applied', index: 3, result: true } });
  const ch = channel(clientRouter(directory), client);
  await assert.rejects(ch.write(command), (e: Error & { code?: string }) => e.code === 'ERR_FORWARD_OUTCOME_UNKNOWN' && e.message.includes('socket hang up'));
  assert.equal(client.sent.length, 1);
});

test('leader channel: a read-index round is repeated elsewhere after any failure', async () => {
  const client = fakeClient({ [http(s1)]: new Error('socket hang up'), [http(s2)]: { kind: 'read-index', index: 77 } });
  const ch = channel(clientRouter(directory), client);
  assert.deepEqual(await ch.readIndex(), { index: 77, local: false });
  assert.equal(client.sent.length, 2);
});

test('leader channel: no leader within leaderWaitMs is ERR_NO_LEADER, with the last reason', async () => {
  const router: LeaderRouter = { route: () => ({ kind: 'none', reason: 'raft knows no leader' }) };
  const started = realClock.now();
  await assert.rejects(channel(router, fakeClient({}), undefined, 300).write(command), (e: Error & { code?: string }) => e.code === 'ERR_NO_LEADER' && e.message.includes('raft knows no leader'));
  const took = realClock.now() - started;
  assert.ok(took >= 290 && took < 3_000, `gave up after ${took} ms`);
});

test('leader channel: servers that all say "not leader" without a hint end in ERR_NO_LEADER', async () => {
  const client = fakeClient({ [http(s1)]: notLeader(), [http(s2)]: notLeader(), [http(s3)]: notLeader() });
  await assert.rejects(channel(clientRouter(directory), client, undefined, 300).write(command), (e: Error & { code?: string }) => e.code === 'ERR_NO_LEADER' && e.message.includes('not the leader'));
  assert.ok(client.sent.length >= 3);
});

test('leader channel: the leader\'s errors come back with its code and are not retried', async () => {
  const client = fakeClient({
    [http(s1)]: (path) => (path.endsWith('apply') ? { kind: 'failed', status: 500, error: { code: 'ERR_LEADERSHIP_LOST', message: 'leadership lost while committing log' } } : { kind: 'read-index', index: 1 }),
    [http(s2)]: { kind: 'apply-error', index: 8, error: { code: 'ERR_INVALID_SESSION', message: 'invalid session "x"' } },
  });
  await assert.rejects(channel(clientRouter(directory), client).write(command), (e: Error & { code?: string; status?: number }) => e.code === 'ERR_LEADERSHIP_LOST' && e.status === 500);
  assert.equal(client.sent.length, 1);
  const toS2 = channel({ route: () => ({ kind: 'remote', target: http(s2) }) }, client);
  // A store refusal is the StateError it was on the leader, so the HTTP layer answers it the same way.
  await assert.rejects(toS2.write(command), (e) => e instanceof StateError && e.code === 'ERR_INVALID_SESSION' && e.message === 'invalid session "x"');
});

test('leader channel: a server applies locally while it leads, and forwards once leadership moved', async () => {
  const raft = { state: RaftState.Leader as RaftState, leaderWithId: () => ({ id: 's2', address: s2.tags.raftAddress! }) };
  let localCalls = 0;
  const local: LocalLeader = {
    apply: async () => {
      localCalls++;
      if (localCalls === 1) return { index: 1, result: 'local' };
      raft.state = RaftState.Follower;
      throw new NotLeaderError(s2.tags.raftAddress!, 's2');
    },
    readIndex: async () => 1,
    renewSession: async () => true,
    leaderHint: () => hint(s2),
  };
  const client = fakeClient({ [http(s2)]: (path) => (path.endsWith('apply') ? { kind: 'applied', index: 2, result: 'forwarded' } : { kind: 'read-index', index: 5 }) });
  const ch = channel(serverRouter(raft, directory, 's1'), client, local);
  assert.deepEqual(await ch.write(command), { index: 1, result: 'local' });
  assert.deepEqual(await ch.write(command), { index: 2, result: 'forwarded' });
  assert.deepEqual(client.sent.map((s) => s.target), [http(s2)]);
  assert.deepEqual(await ch.readIndex(), { index: 5, local: false }, 'a follower reads the index remotely');
});

test('leader channel: a store error on the local leader rejects with that error', async () => {
  const failing = Object.assign(new Error('cas failed'), { code: 'ERR_CAS' });
  const local: LocalLeader = { apply: async () => ({ index: 4, result: failing }), readIndex: async () => 4, renewSession: async () => true, leaderHint: () => undefined };
  const raft = { state: RaftState.Leader as RaftState, leaderWithId: () => ({ id: 's1', address: s1.tags.raftAddress! }) };
  await assert.rejects(channel(serverRouter(raft, directory, 's1'), fakeClient({}), local).write(command), (e) => e === failing);
});

test('leader channel: the encoded command reaches the leader; a renewal follows hints and says whether the leader knew the session', async () => {
  const bodies: Uint8Array[] = [];
  const client: InternalClient & { sent: { target: string; path: string }[] } = {
    sent: [],
    async post(target, path, body) {
      client.sent.push({ target, path });
      bodies.push(body);
      if (target === http(s1)) return { status: 503, body: encodeAnswer(notLeader(s3)) };
      const answer: InternalAnswer = path.endsWith('apply') ? { kind: 'applied', index: 9, result: true, leader: hint(s3) } : { kind: 'renewed', found: !path.endsWith('/gone'), leader: hint(s3) };
      return { status: 200, body: encodeAnswer(answer) };
    },
  };
  const ch = channel(clientRouter(directory), client);
  await ch.write(command);
  assert.deepEqual(decodeCommand(bodies.at(-1)!), { ok: true, value: command });
  assert.equal(await ch.renewSession('abc'), true);
  assert.equal(await ch.renewSession('gone'), false);
  assert.deepEqual(client.sent.map((s) => s.path), ['/v1/internal/shoal/apply', '/v1/internal/shoal/apply', '/v1/internal/shoal/session-renew/abc', '/v1/internal/shoal/session-renew/gone']);
});

test('leader channel: a leading server renews a session itself', async () => {
  const renewed: string[] = [];
  const local: LocalLeader = { apply: async () => ({ index: 1, result: true }), readIndex: async () => 1, renewSession: async (id) => (renewed.push(id), true), leaderHint: () => undefined };
  const raft = { state: RaftState.Leader as RaftState, leaderWithId: () => ({ id: 's1', address: s1.tags.raftAddress! }) };
  const client = fakeClient({});
  assert.equal(await channel(serverRouter(raft, directory, 's1'), client, local).renewSession('abc'), true);
  assert.deepEqual(renewed, ['abc']);
  assert.equal(client.sent.length, 0);
});

test('leader channel: an aborted signal stops the search', async () => {
  const controller = new AbortController();
  const router: LeaderRouter = { route: () => ({ kind: 'none', reason: 'none yet' }) };
  const pending = channel(router, fakeClient({}), undefined, 10_000).write(command, controller.signal);
  controller.abort(new Error('caller gave up'));
  await assert.rejects(pending, /caller gave up/);
});

test('server router: the raft leader\'s HTTP address, or a hint, or nowhere', () => {
  const raft = { state: RaftState.Follower as RaftState, leaderWithId: () => ({ id: 's3', address: s3.tags.raftAddress! }) };
  const route = serverRouter(raft, directory, 's1');
  assert.deepEqual(route.route({ hint: undefined, exhausted: new Set(), attempt: 0 }), { kind: 'remote', target: http(s3) });
  assert.deepEqual(route.route({ hint: hint(s2), exhausted: new Set(), attempt: 0 }), { kind: 'remote', target: http(s2) });
  assert.deepEqual(route.route({ hint: hint(s2), exhausted: new Set([http(s2)]), attempt: 1 }), { kind: 'remote', target: http(s3) });
  const unknown = serverRouter({ ...raft, leaderWithId: () => ({ id: 's9', address: '10.9.9.9:1' }) }, directory, 's1');
  assert.equal(unknown.route({ hint: undefined, exhausted: new Set(), attempt: 0 }).kind, 'none');
  const leaderless = serverRouter({ ...raft, leaderWithId: () => ({ id: '', address: '' }) }, directory, 's1');
  assert.deepEqual(leaderless.route({ hint: undefined, exhausted: new Set(), attempt: 0 }), { kind: 'none', reason: 'raft knows no leader' });
});
