// The internal endpoints' contract, from both ends: what the handler answers
// (status and body) and what the sending side reads from it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromUtf8, utf8 } from '@shoal/kit';
import { NotLeaderError, LeadershipLostError } from '@shoal/raft';
import { StateError } from '../errors.js';
import { encodeCommand } from '../state/codec.js';
import type { Command } from '../state/commands.js';
import { StateStore } from '../state/store.js';
import { decodeBatchAnswer, encodeBatchRequest } from './apply-batch.js';
import { APPLY_BATCH_PATH, APPLY_PATH, decodeAnswer, encodeAnswer, READ_INDEX_PATH, SESSION_RENEW_PATH, type LeaderHint } from './internal-api.js';
import { createInternalHandler, type LocalLeader } from './internal-handler.js';
import { decodeTaggedJson, encodeTaggedJson } from './tagged-json.js';

const hint: LeaderHint = { name: 's1', httpAddress: '10.0.0.1:8500', raftAddress: '10.0.0.1:8300' };
const command: Command = { type: 'kv', op: { verb: 'set', key: 'k', value: utf8('v') } };

function leaderThat(behaviour: Partial<LocalLeader>): LocalLeader {
  return {
    apply: behaviour.apply ?? (async () => ({ index: 7, result: true })),
    readIndex: behaviour.readIndex ?? (async () => 42),
    renewSession: behaviour.renewSession ?? (async () => true),
    leaderHint: behaviour.leaderHint ?? (() => hint),
  };
}

const json = (body: string | Uint8Array): unknown => JSON.parse(typeof body === 'string' ? body : fromUtf8(body));
const bytes = (body: string | Uint8Array): Uint8Array => (typeof body === 'string' ? utf8(body) : body);

test('internal endpoints: apply decodes the command, applies it and answers {index, result, leader}', async () => {
  let applied: Command | undefined;
  let proposed: Uint8Array | undefined;
  const handler = createInternalHandler(leaderThat({ apply: async (c, encoded) => ((applied = c), (proposed = encoded), { index: 9, result: { ok: true, value: utf8('v') } }) }));
  const body = encodeCommand(command);
  const response = await handler({ method: 'POST', path: APPLY_PATH, body });
  assert.equal(response.status, 200);
  assert.equal(response.headers['content-type'], 'application/json');
  assert.deepEqual(applied, command);
  assert.equal(proposed, body, 'the forwarded bytes are proposed as they came, not encoded again');
  assert.deepEqual(json(response.body), { index: 9, result: { ok: true, value: { $bytes: 'dg==' } }, leader: { name: 's1', http: '10.0.0.1:8500', raft: '10.0.0.1:8300' } });
  assert.deepEqual(decodeAnswer(APPLY_PATH, bytes(response.body)), { kind: 'applied', index: 9, result: { ok: true, value: utf8('v') }, leader: hint });
});

test('internal endpoints: a store refusal is an answer at its index, with its code', async () => {
  const handler = createInternalHandler(leaderThat({ apply: async () => ({ index: 5, result: new StateError('ERR_INVALID_SESSION', 'invalid session') }) }));
  const response = await handler({ method: 'POST', path: APPLY_PATH, body: encodeCommand(command) });
  assert.equal(response.status, 200);
  assert.deepEqual(decodeAnswer(APPLY_PATH, bytes(response.body)), { kind: 'apply-error', index: 5, error: { code: 'ERR_INVALID_SESSION', message: 'invalid session' }, leader: hint });
});

test('internal endpoints: not the leader is a 503 naming who is; other raft errors are 500s', async () => {
  const notLeader = createInternalHandler(leaderThat({ apply: () => Promise.reject(new NotLeaderError('10.0.0.2:8300', 's2')), leaderHint: () => ({ ...hint, name: 's2' }) }));
  const refused = await notLeader({ method: 'POST', path: APPLY_PATH, body: encodeCommand(command) });
  assert.equal(refused.status, 503);
  assert.deepEqual(decodeAnswer(APPLY_PATH, bytes(refused.body)), { kind: 'failed', error: { code: 'ERR_NOT_LEADER', message: 'node is not the leader' }, leader: { ...hint, name: 's2' } });

  const lost = createInternalHandler(leaderThat({ readIndex: () => Promise.reject(new LeadershipLostError()), leaderHint: () => undefined }));
  const failed = await lost({ method: 'POST', path: READ_INDEX_PATH, body: new Uint8Array() });
  assert.equal(failed.status, 500);
  assert.deepEqual(decodeAnswer(READ_INDEX_PATH, bytes(failed.body)), { kind: 'failed', error: { code: 'ERR_LEADERSHIP_LOST', message: 'leadership lost while committing log' } });
});

test('internal endpoints: read-index answers the leader\'s index', async () => {
  const handler = createInternalHandler(leaderThat({}));
  const response = await handler({ method: 'POST', path: `${READ_INDEX_PATH}?stale`, body: new Uint8Array() });
  assert.equal(response.status, 200);
  assert.deepEqual(json(response.body), { index: 42, leader: { name: 's1', http: '10.0.0.1:8500', raft: '10.0.0.1:8300' } });
});

test('internal endpoints: session-renew renews on the leader and says whether it knew the session', async () => {
  const renewed: string[] = [];
  const handler = createInternalHandler(leaderThat({ renewSession: async (id) => (renewed.push(id), id !== 'gone') }));
  const known = await handler({ method: 'POST', path: `${SESSION_RENEW_PATH}abc`, body: new Uint8Array() });
  assert.equal(known.status, 200);
  assert.deepEqual(json(known.body), { found: true, leader: { name: 's1', http: '10.0.0.1:8500', raft: '10.0.0.1:8300' } });
  const gone = await handler({ method: 'POST', path: `${SESSION_RENEW_PATH}gone`, body: new Uint8Array() });
  assert.deepEqual(decodeAnswer(`${SESSION_RENEW_PATH}gone`, bytes(gone.body)), { kind: 'renewed', found: false, leader: hint });
  assert.deepEqual(renewed, ['abc', 'gone']);

  const follower = createInternalHandler(leaderThat({ renewSession: () => Promise.reject(new NotLeaderError('10.0.0.1:8300', 's1')) }));
  const refused = await follower({ method: 'POST', path: `${SESSION_RENEW_PATH}abc`, body: new Uint8Array() });
  assert.equal(refused.status, 503);
  assert.deepEqual(decodeAnswer(`${SESSION_RENEW_PATH}abc`, bytes(refused.body)), { kind: 'failed', error: { code: 'ERR_NOT_LEADER', message: 'node is not the leader' }, leader: hint });
});

test('internal endpoints: malformed requests are refused before raft sees them', async () => {
  let calls = 0;
  const counting = async (): Promise<never> => {
    calls++;
    throw new Error('reached the leader');
  };
  const handler = createInternalHandler(leaderThat({ apply: counting, readIndex: counting, renewSession: counting }));
  const cases: [string, string, Uint8Array, number][] = [
    ['GET', APPLY_PATH, encodeCommand(command), 405],
    ['PUT', READ_INDEX_PATH, new Uint8Array(), 405],
    ['GET', `${SESSION_RENEW_PATH}abc`, new Uint8Array(), 405],
    ['POST', APPLY_PATH, new Uint8Array(), 400],
    ['POST', APPLY_PATH, utf8('not a command'), 400],
    ['POST', SESSION_RENEW_PATH, new Uint8Array(), 400],
    ['POST', '/v1/internal/shoal/nope', utf8('x'), 404],
  ];
  for (const [method, path, body, status] of cases) {
    const response = await handler({ method, path, body });
    assert.equal(response.status, status, `${method} ${path}`);
    assert.equal(decodeAnswer(path, bytes(response.body))?.kind, 'failed');
  }
  assert.equal(calls, 0);
});

test('internal endpoints: answers that are not ours decode to undefined', () => {
  for (const text of ['', 'not json', '[]', '{}', '{"index":-1}', '{"index":1.5}', '{"error":{"code":1}}']) {
    assert.equal(decodeAnswer(APPLY_PATH, utf8(text)), undefined, text);
  }
  assert.equal(decodeAnswer(`${SESSION_RENEW_PATH}x`, utf8('{"found":"yes"}')), undefined);
});

test('internal endpoints: the store\'s results survive the trip: a txn\'s entries with their values, a session ID, a boolean', async () => {
  const store = new StateStore();
  const txn: Command = { type: 'txn', ops: [{ verb: 'set', key: 'a', value: utf8('one'), flags: '18446744073709551615' }, { verb: 'get', key: 'a' }] };
  const results = [store.apply(1, txn), store.apply(2, { type: 'kv', op: { verb: 'set', key: 'b', value: utf8('two') } })];
  for (const result of results) {
    const answer = decodeAnswer(APPLY_PATH, encodeAnswer({ kind: 'applied', index: 1, result }));
    assert.deepEqual(answer, { kind: 'applied', index: 1, result });
  }
  assert.deepEqual((results[0] as unknown as { results: { value: Uint8Array }[] }).results[1]!.value, utf8('one'));
});

test('tagged JSON: bytes (Buffers too) survive, nested anywhere; undefined fields drop', () => {
  const value = { a: utf8('hi'), list: [Buffer.from([0, 255]), { deep: new Uint8Array(0) }], n: 1, s: 'x', missing: undefined };
  const back = decodeTaggedJson(encodeTaggedJson(value)) as Record<string, unknown>;
  assert.deepEqual(back, { a: utf8('hi'), list: [Uint8Array.of(0, 255), { deep: new Uint8Array(0) }], n: 1, s: 'x' });
  assert.ok((back.list as unknown[])[0] instanceof Uint8Array);
  assert.equal(decodeTaggedJson(encodeTaggedJson(undefined)), null);
});

test('internal endpoints: apply-batch proposes its commands in order and answers each as apply would alone; bad framing is a 400', async () => {
  const proposed: Command[] = [];
  const refusal = new StateError('ERR_INVALID_SESSION', 'invalid session');
  const handler = createInternalHandler(
    leaderThat({
      apply: (c) => {
        proposed.push(c);
        const n = proposed.length;
        if (n === 2) return Promise.resolve({ index: 11, result: refusal });
        if (n === 3) return Promise.reject(new NotLeaderError('10.0.0.2:8300', 's2'));
        return Promise.resolve({ index: 10 + n, result: true });
      },
    }),
  );
  const commands: Command[] = ['a', 'b', 'c', 'd'].map((key) => ({ type: 'kv', op: { verb: 'set', key, value: utf8(key) } }));
  const response = await handler({ method: 'POST', path: APPLY_BATCH_PATH, body: encodeBatchRequest(commands.map(encodeCommand)) });
  assert.equal(response.status, 200);
  assert.deepEqual(proposed, commands);
  const alone = await Promise.all(
    [
      leaderThat({ apply: async () => ({ index: 11, result: true }) }),
      leaderThat({ apply: async () => ({ index: 11, result: refusal }) }),
      leaderThat({ apply: () => Promise.reject(new NotLeaderError('10.0.0.2:8300', 's2')) }),
      leaderThat({ apply: async () => ({ index: 14, result: true }) }),
    ].map((l, i) => createInternalHandler(l)({ method: 'POST', path: APPLY_PATH, body: encodeCommand(commands[i]!) })),
  );
  assert.deepEqual(
    decodeBatchAnswer(bytes(response.body), 4),
    alone.map((a) => ({ status: a.status, body: bytes(a.body) })),
  );
  const bad = await handler({ method: 'POST', path: APPLY_BATCH_PATH, body: new Uint8Array([0, 0, 0, 9]) });
  assert.equal(bad.status, 400);
  assert.equal(proposed.length, 4, 'nothing proposed for a malformed batch');
});
