// The internal endpoints' contract, from both ends: what the handler answers
// (status and body) and what the sending side reads from it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromUtf8, utf8 } from '@shoal/kit';
import { NotLeaderError, LeadershipLostError } from '@shoal/raft';
import { APPLY_PATH, decodeAnswer, READ_INDEX_PATH, type LeaderHint } from './internal-api.js';
import { createInternalHandler, type LocalLeader } from './internal-handler.js';
import { decodeTaggedJson, encodeTaggedJson } from './tagged-json.js';

const hint: LeaderHint = { name: 's1', httpAddress: '10.0.0.1:8500', raftAddress: '10.0.0.1:8300' };

function leaderThat(behaviour: Partial<LocalLeader>): LocalLeader {
  return {
    apply: behaviour.apply ?? (async () => ({ index: 7, result: true })),
    readIndex: behaviour.readIndex ?? (async () => 42),
    leaderHint: behaviour.leaderHint ?? (() => hint),
  };
}

const json = (body: Uint8Array): unknown => JSON.parse(fromUtf8(body));

test('internal endpoints: apply hands the body to raft as is and answers {index, result, leader}', async () => {
  let proposed: Uint8Array | undefined;
  const handler = createInternalHandler(leaderThat({ apply: async (bytes) => ((proposed = bytes), { index: 9, result: { ok: true, value: utf8('v') } }) }));
  const response = await handler({ method: 'POST', path: APPLY_PATH, body: utf8('CMD') });
  assert.equal(response.status, 200);
  assert.equal(response.contentType, 'application/json');
  assert.equal(fromUtf8(proposed!), 'CMD');
  assert.deepEqual(json(response.body), { index: 9, result: { ok: true, value: { $bytes: 'dg==' } }, leader: { name: 's1', http: '10.0.0.1:8500', raft: '10.0.0.1:8300' } });
  assert.deepEqual(decodeAnswer(APPLY_PATH, response.body), { kind: 'applied', index: 9, result: { ok: true, value: utf8('v') }, leader: hint });
});

test('internal endpoints: a store error is an answer at its index, with its code', async () => {
  const failing = Object.assign(new Error('cas failed'), { code: 'ERR_CAS' });
  const handler = createInternalHandler(leaderThat({ apply: async () => ({ index: 5, result: failing }) }));
  const response = await handler({ method: 'POST', path: APPLY_PATH, body: utf8('x') });
  assert.equal(response.status, 200);
  assert.deepEqual(decodeAnswer(APPLY_PATH, response.body), { kind: 'apply-error', index: 5, error: { code: 'ERR_CAS', message: 'cas failed' }, leader: hint });
});

test('internal endpoints: not the leader is a 503 naming who is; other raft errors are 500s', async () => {
  const notLeader = createInternalHandler(leaderThat({ apply: () => Promise.reject(new NotLeaderError('10.0.0.2:8300', 's2')), leaderHint: () => ({ ...hint, name: 's2' }) }));
  const refused = await notLeader({ method: 'POST', path: APPLY_PATH, body: utf8('x') });
  assert.equal(refused.status, 503);
  assert.deepEqual(decodeAnswer(APPLY_PATH, refused.body), { kind: 'failed', error: { code: 'ERR_NOT_LEADER', message: 'node is not the leader' }, leader: { ...hint, name: 's2' } });

  const lost = createInternalHandler(leaderThat({ readIndex: () => Promise.reject(new LeadershipLostError()), leaderHint: () => undefined }));
  const failed = await lost({ method: 'POST', path: READ_INDEX_PATH, body: new Uint8Array() });
  assert.equal(failed.status, 500);
  assert.deepEqual(decodeAnswer(READ_INDEX_PATH, failed.body), { kind: 'failed', error: { code: 'ERR_LEADERSHIP_LOST', message: 'leadership lost while committing log' } });
});

test('internal endpoints: read-index answers the leader\'s index', async () => {
  const handler = createInternalHandler(leaderThat({}));
  const response = await handler({ method: 'POST', path: `${READ_INDEX_PATH}?stale`, body: new Uint8Array() });
  assert.equal(response.status, 200);
  assert.deepEqual(json(response.body), { index: 42, leader: { name: 's1', http: '10.0.0.1:8500', raft: '10.0.0.1:8300' } });
});

test('internal endpoints: malformed requests are refused before raft sees them', async () => {
  let calls = 0;
  const handler = createInternalHandler(leaderThat({ apply: async () => (calls++, { index: 1, result: true }), readIndex: async () => (calls++, 1) }));
  const cases: [string, string, Uint8Array, number][] = [
    ['GET', APPLY_PATH, new Uint8Array(), 405],
    ['PUT', READ_INDEX_PATH, new Uint8Array(), 405],
    ['POST', APPLY_PATH, new Uint8Array(), 400],
    ['POST', '/v1/internal/shoal/nope', utf8('x'), 404],
  ];
  for (const [method, path, body, status] of cases) {
    const response = await handler({ method, path, body });
    assert.equal(response.status, status, `${method} ${path}`);
    assert.equal(decodeAnswer(path, response.body)?.kind, 'failed');
  }
  assert.equal(calls, 0);
});

test('internal endpoints: answers that are not ours decode to undefined', () => {
  for (const text of ['', 'not json', '[]', '{}', '{"index":-1}', '{"index":1.5}', '{"error":{"code":1}}']) {
    assert.equal(decodeAnswer(APPLY_PATH, utf8(text)), undefined, text);
  }
});

test('tagged JSON: bytes (Buffers too) survive, nested anywhere; undefined fields drop', () => {
  const value = { a: utf8('hi'), list: [Buffer.from([0, 255]), { deep: new Uint8Array(0) }], n: 1, s: 'x', missing: undefined };
  const back = decodeTaggedJson(encodeTaggedJson(value)) as Record<string, unknown>;
  assert.deepEqual(back, { a: utf8('hi'), list: [Uint8Array.of(0, 255), { deep: new Uint8Array(0) }], n: 1, s: 'x' });
  assert.ok((back.list as unknown[])[0] instanceof Uint8Array);
  assert.equal(decodeTaggedJson(encodeTaggedJson(undefined)), null);
});
