// The answering side of the internal endpoints (internal-api.ts): a function
// from a request's method, path and body to a response, as the HTTP router
// calls it for every path under INTERNAL_PATH_PREFIX on a server.

import { codeOf, messageOf } from '../errors.js';
import type { ApiRequest, ApiResponse } from '../http/api.js';
import type { AppliedCommand } from '../leader/leader-apply.js';
import { decodeCommand } from '../state/codec.js';
import type { Command } from '../state/commands.js';
import { APPLY_PATH, encodeAnswer, type InternalAnswer, type LeaderHint, READ_INDEX_PATH, RETRYABLE_CODES, SESSION_RENEW_PATH } from './internal-api.js';

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
  return async ({ method, path, body }) => {
    const pathname = path.split('?', 1)[0]!;
    const renewing = pathname.startsWith(SESSION_RENEW_PATH);
    if (pathname !== APPLY_PATH && pathname !== READ_INDEX_PATH && !renewing) return refuse(404, 'ERR_NOT_FOUND', `no internal endpoint ${pathname}`);
    if (method !== 'POST') return refuse(405, 'ERR_METHOD_NOT_ALLOWED', `${pathname} takes POST, not ${method}`);
    const hint = (): { leader?: LeaderHint } => {
      const h = leader.leaderHint();
      return h === undefined ? {} : { leader: h };
    };
    try {
      if (pathname === READ_INDEX_PATH) return respond(200, { kind: 'read-index', index: await leader.readIndex(), ...hint() });
      if (renewing) {
        const id = pathname.slice(SESSION_RENEW_PATH.length);
        if (id === '') return refuse(400, 'ERR_BAD_INTERNAL_REQUEST', 'session-renew needs the session ID in its path');
        return respond(200, { kind: 'renewed', found: await leader.renewSession(id), ...hint() });
      }
      const decoded = decodeCommand(body);
      if (!decoded.ok) return refuse(400, 'ERR_BAD_INTERNAL_REQUEST', `apply needs an encoded command as its body: ${decoded.error.message}`);
      const { index, result } = await leader.apply(decoded.value, body);
      if (result instanceof Error) {
        return respond(200, { kind: 'apply-error', index, error: { code: codeOf(result) ?? 'ERR_APPLY', message: result.message }, ...hint() });
      }
      return respond(200, { kind: 'applied', index, result, ...hint() });
    } catch (error) {
      const code = codeOf(error) ?? 'ERR_INTERNAL';
      return respond(RETRYABLE_CODES.has(code) ? 503 : 500, { kind: 'failed', error: { code, message: messageOf(error) }, ...hint() });
    }
  };
}
