// The answering side of the internal endpoints (internal-api.ts): a function
// from a request's method, path and body to a response, as the HTTP router
// calls it for every path under INTERNAL_PATH_PREFIX on a server.

import { utf8 } from '@shoal/kit';
import { codeOf, messageOf } from '../errors.js';
import type { ApiRequest, ApiResponse } from '../http/api.js';
import type { AppliedCommand } from '../leader/leader-apply.js';
import { decodeCommand } from '../state/codec.js';
import type { Command } from '../state/commands.js';
import { decodeBatchRequest, encodeBatchAnswer } from './apply-batch.js';
import { APPLY_BATCH_PATH, APPLY_PATH, encodeAnswer, type InternalAnswer, type LeaderHint, READ_INDEX_PATH, RETRYABLE_CODES, SESSION_RENEW_PATH } from './internal-api.js';

export type InternalRequest = Pick<ApiRequest, 'method' | 'path' | 'body'>;

export type InternalHandler = (request: InternalRequest) => Promise<ApiResponse>;

/** What the handler needs of this server as a leader. Each rejects with code ERR_NOT_LEADER, having done nothing, when it does not lead. */
export interface LocalLeader {
  /** Applies `command` (leader-apply.ts), proposing `encoded` (its bytes) when given; `result` is what the store returned, possibly an Error. */
  apply(command: Command, encoded?: Uint8Array): Promise<AppliedCommand>;
  /** Confirms leadership and returns the commit index a read must wait for. */
  readIndex(): Promise<number>;
  /** Restarts a session's TTL; false when there is no such session. */
  renewSession(id: string): Promise<boolean>;
  /** Who leads, as this server knows it. */
  leaderHint(): LeaderHint | undefined;
}

function respond(status: number, answer: InternalAnswer): ApiResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: encodeAnswer(answer) };
}

const refuse = (status: number, code: string, message: string): ApiResponse => respond(status, { kind: 'failed', error: { code, message } });

export function createInternalHandler(leader: LocalLeader): InternalHandler {
  const hint = (): { leader?: LeaderHint } => {
    const h = leader.leaderHint();
    return h === undefined ? {} : { leader: h };
  };
  const failed = (error: unknown): ApiResponse => {
    const code = codeOf(error) ?? 'ERR_INTERNAL';
    return respond(RETRYABLE_CODES.has(code) ? 503 : 500, { kind: 'failed', error: { code, message: messageOf(error) }, ...hint() });
  };
  /** One command: leader.apply is called before the first await, so a batch's commands are proposed in its order. */
  const applyOne = async (body: Uint8Array): Promise<ApiResponse> => {
    const decoded = decodeCommand(body);
    if (!decoded.ok) return refuse(400, 'ERR_BAD_INTERNAL_REQUEST', `apply needs an encoded command as its body: ${decoded.error.message}`);
    try {
      const { index, result } = await leader.apply(decoded.value, body);
      if (result instanceof Error) {
        return respond(200, { kind: 'apply-error', index, error: { code: codeOf(result) ?? 'ERR_APPLY', message: result.message }, ...hint() });
      }
      return respond(200, { kind: 'applied', index, result, ...hint() });
    } catch (error) {
      return failed(error);
    }
  };
  const applyBatch = async (body: Uint8Array): Promise<ApiResponse> => {
    const commands = decodeBatchRequest(body);
    if (commands === undefined) return refuse(400, 'ERR_BAD_INTERNAL_REQUEST', 'apply-batch needs framed encoded commands as its body');
    // Copies: raft keeps a proposed entry's bytes, which should not hold the whole request.
    const answers = await Promise.all(commands.map((c) => applyOne(c.slice())));
    return { status: 200, headers: { 'content-type': 'application/octet-stream' }, body: encodeBatchAnswer(answers.map((a) => ({ status: a.status, body: typeof a.body === 'string' ? utf8(a.body) : a.body }))) };
  };
  return async ({ method, path, body }) => {
    const pathname = path.split('?', 1)[0]!;
    const renewing = pathname.startsWith(SESSION_RENEW_PATH);
    if (pathname !== APPLY_PATH && pathname !== APPLY_BATCH_PATH && pathname !== READ_INDEX_PATH && !renewing) return refuse(404, 'ERR_NOT_FOUND', `no internal endpoint ${pathname}`);
    if (method !== 'POST') return refuse(405, 'ERR_METHOD_NOT_ALLOWED', `${pathname} takes POST, not ${method}`);
    if (pathname === APPLY_PATH) return applyOne(body);
    if (pathname === APPLY_BATCH_PATH) return applyBatch(body);
    try {
      if (pathname === READ_INDEX_PATH) return respond(200, { kind: 'read-index', index: await leader.readIndex(), ...hint() });
      const id = pathname.slice(SESSION_RENEW_PATH.length);
      if (id === '') return refuse(400, 'ERR_BAD_INTERNAL_REQUEST', 'session-renew needs the session ID in its path');
      return respond(200, { kind: 'renewed', found: await leader.renewSession(id), ...hint() });
    } catch (error) {
      return failed(error);
    }
  };
}
