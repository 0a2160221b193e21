// The answering side of the internal endpoints (internal-api.ts): a function
// from a request's method, path and body to a status and body, with no HTTP
// server of its own. The agent's HTTP router mounts it under
// INTERNAL_PATH_PREFIX and copies the answer out.

import { APPLY_PATH, encodeAnswer, type InternalAnswer, type LeaderHint, READ_INDEX_PATH, RETRYABLE_CODES } from './internal-api.js';
import { codeOf, messageOf } from './errors.js';

export interface InternalRequest {
  readonly method: string;
  /** The request's path; a query string is ignored. */
  readonly path: string;
  readonly body: Uint8Array;
}

export interface InternalResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: Uint8Array;
}

export type InternalHandler = (request: InternalRequest) => Promise<InternalResponse>;

/** What the handler needs of this server's raft. */
export interface LocalLeader {
  /**
   * Applies an encoded command if this server leads. Rejects with code
   * ERR_NOT_LEADER when it does not, before anything was proposed. `result`
   * is what the store returned, possibly an Error.
   */
  apply(command: Uint8Array): Promise<{ index: number; result: unknown }>;
  /** Confirms leadership and returns the commit index a read must wait for. */
  readIndex(): Promise<number>;
  /** Who leads, as this server knows it. */
  leaderHint(): LeaderHint | undefined;
}

const JSON_TYPE = 'application/json';

function respond(status: number, answer: InternalAnswer): InternalResponse {
  return { status, contentType: JSON_TYPE, body: encodeAnswer(answer) };
}

const refuse = (status: number, code: string, message: string): InternalResponse => respond(status, { kind: 'failed', error: { code, message } });

export function createInternalHandler(leader: LocalLeader): InternalHandler {
  return async ({ method, path, body }) => {
    const pathname = path.split('?', 1)[0];
    if (pathname !== APPLY_PATH && pathname !== READ_INDEX_PATH) return refuse(404, 'ERR_NOT_FOUND', `no internal endpoint ${pathname}`);
    if (method !== 'POST') return refuse(405, 'ERR_METHOD_NOT_ALLOWED', `${pathname} takes POST, not ${method}`);
    try {
      if (pathname === READ_INDEX_PATH) {
        const index = await leader.readIndex();
        return respond(200, { kind: 'read-index', index, ...hint(leader) });
      }
      if (body.length === 0) return refuse(400, 'ERR_BAD_INTERNAL_REQUEST', 'apply needs the encoded command as its body');
      const { index, result } = await leader.apply(body);
      if (result instanceof Error) {
        return respond(200, { kind: 'apply-error', index, error: { code: codeOf(result) ?? 'ERR_APPLY', message: result.message }, ...hint(leader) });
      }
      return respond(200, { kind: 'applied', index, result, ...hint(leader) });
    } catch (error) {
      const code = codeOf(error) ?? 'ERR_INTERNAL';
      return respond(RETRYABLE_CODES.has(code) ? 503 : 500, { kind: 'failed', error: { code, message: messageOf(error) }, ...hint(leader) });
    }
  };
}

function hint(leader: LocalLeader): { leader?: LeaderHint } {
  const h = leader.leaderHint();
  return h === undefined ? {} : { leader: h };
}
