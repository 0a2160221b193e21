// Getting a write, a read-index round or a session renewal to the leader,
// wherever it is: on this server itself, or through the internal endpoints
// of another server, following the leader hints answers carry. Retries are bounded by
// time (leaderWaitMs, Consul's rpc_hold_timeout) and are made only when the
// previous try cannot have done anything: a refused connection, or a server
// answering that it does not lead. A write whose request may have arrived
// but got no answer is not retried: its outcome is unknown, and the caller
// is told so (ERR_FORWARD_OUTCOME_UNKNOWN).

import { type Clock, type Logger, type Metrics, sleep } from '@shoal/kit';
import { codeOf, ForwardOutcomeUnknownError, messageOf, NoLeaderError, RemoteError, remoteError, TargetUnreachableError } from '../errors.js';
import { appliedResult } from '../leader/leader-apply.js';
import type { WriteResult } from '../replicator.js';
import { encodeCommand } from '../state/codec.js';
import type { Command } from '../state/commands.js';
import { APPLY_PATH, decodeAnswer, type InternalAnswer, type LeaderHint, READ_INDEX_PATH, RETRYABLE_CODES, SESSION_RENEW_PATH } from './internal-api.js';
import type { InternalClient } from './internal-client.js';
import type { LocalLeader } from './internal-handler.js';
import { ReadIndexBatch } from './read-index-batch.js';

export type Route =
  /** This server leads: use its raft. */
  | { readonly kind: 'local' }
  /** Send to the internal endpoints at this HTTP address. */
  | { readonly kind: 'remote'; readonly target: string }
  /** Nowhere to send yet. */
  | { readonly kind: 'none'; readonly reason: string };

export interface RouteState {
  /** Who the latest answer said leads, if anyone. */
  readonly hint: LeaderHint | undefined;
  /**
   * Targets already tried during this request that cannot serve it: they
   * refused the connection, or said they do not lead and named nobody.
   */
  readonly exhausted: ReadonlySet<string>;
  /** 0 for the first try. */
  readonly attempt: number;
}

/** Picks where each try goes: servers ask their raft, client agents pick among servers. */
export interface LeaderRouter {
  route(state: RouteState): Route;
}

export interface LeaderChannelOptions {
  readonly router: LeaderRouter;
  readonly client: InternalClient;
  readonly clock: Clock;
  /** This server's raft; absent on client agents. */
  readonly local?: LocalLeader;
  /** How long to keep looking for a leader before failing with ERR_NO_LEADER. */
  readonly leaderWaitMs: number;
  /** Longest wait for one forwarded request's answer. */
  readonly requestTimeoutMs: number;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

const MIN_BACKOFF_MS = 25;
const MAX_BACKOFF_MS = 500;
/** Hints followed at once, before backing off: enough for one stale hop or two. */
const FREE_REDIRECTS = 3;

interface Operation<T> {
  readonly name: 'apply' | 'read-index' | 'session-renew';
  readonly path: string;
  /** Made when the first try goes to another server. */
  readonly body: () => Uint8Array;
  /** Whether a request that may have arrived can be sent again (true for reads). */
  readonly repeatable: boolean;
  local(leader: LocalLeader): Promise<T>;
  answered(answer: InternalAnswer): T;
}

export class LeaderChannel {
  readonly #options: LeaderChannelOptions;
  #lastLeader: LeaderHint | undefined;

  constructor(options: LeaderChannelOptions) {
    this.#options = options;
  }

  /** The leader the latest answer named (client agents have no other source). */
  get lastLeader(): LeaderHint | undefined {
    return this.#lastLeader;
  }

  /** Applies `command` on the leader; the store's refusal is thrown as the StateError it was. */
  write(command: Command, signal?: AbortSignal): Promise<WriteResult> {
    return this.#run<WriteResult>(
      {
        name: 'apply',
        path: APPLY_PATH,
        body: () => encodeCommand(command),
        repeatable: false,
        local: async (leader) => appliedResult(await leader.apply(command)),
        answered: (answer) => {
          if (answer.kind === 'applied') return { index: answer.index, result: answer.result };
          if (answer.kind === 'apply-error') throw remoteError(answer.error.code, answer.error.message, 200);
          throw badAnswer(answer, 'apply');
        },
      },
      signal,
    );
  }

  /**
   * The commit index a linearizable read must wait for, from a round that
   * began after this call; `local` when this server's raft answered (and has
   * applied it).
   */
  readIndex(signal?: AbortSignal): Promise<{ index: number; local: boolean }> {
    return this.#reads.read(signal);
  }

  /** Concurrent reads share rounds; a round is not aborted by one reader, and is bounded by leaderWaitMs and requestTimeoutMs. */
  readonly #reads = new ReadIndexBatch(() =>
    this.#run<{ index: number; local: boolean }>(
      {
        name: 'read-index',
        path: READ_INDEX_PATH,
        body: () => new Uint8Array(0),
        repeatable: true,
        local: async (leader) => ({ index: await leader.readIndex(), local: true }),
        answered: (answer) => {
          if (answer.kind === 'read-index') return { index: answer.index, local: false };
          throw badAnswer(answer, 'read-index');
        },
      },
      undefined,
    ),
  );

  /** Restarts session `id`'s TTL on the leader; false when the leader has no such session. Renewing twice is harmless, so it is retried like a read. */
  renewSession(id: string, signal?: AbortSignal): Promise<boolean> {
    return this.#run<boolean>(
      {
        name: 'session-renew',
        path: `${SESSION_RENEW_PATH}${encodeURIComponent(id)}`,
        body: () => new Uint8Array(0),
        repeatable: true,
        local: (leader) => leader.renewSession(id),
        answered: (answer) => {
          if (answer.kind === 'renewed') return answer.found;
          throw badAnswer(answer, 'session-renew');
        },
      },
      signal,
    );
  }

  async #run<T>(op: Operation<T>, signal: AbortSignal | undefined): Promise<T> {
    const { router, client, clock, local, leaderWaitMs, requestTimeoutMs, logger, metrics } = this.#options;
    const deadline = clock.now() + leaderWaitMs;
    const exhausted = new Set<string>();
    let hint = this.#lastLeader;
    let lastProblem = 'no leader found yet';
    let redirects = 0;
    let body: Uint8Array | undefined;
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted();
      const route = router.route({ hint, exhausted, attempt });
      let redirected = false;
      if (route.kind === 'local') {
        try {
          return await op.local(local!);
        } catch (error) {
          // Not leading any more, and nothing was proposed: find the new leader.
          if (codeOf(error) !== 'ERR_NOT_LEADER') throw error;
          lastProblem = 'leadership moved away from this server';
          hint = undefined;
        }
      } else if (route.kind === 'remote') {
        const target = route.target;
        metrics.incrCounter('agent.forward', 1, { op: op.name });
        let reply: { status: number; body: Uint8Array } | undefined;
        body ??= op.body();
        try {
          reply = await client.post(target, op.path, body, { timeoutMs: requestTimeoutMs, signal });
        } catch (error) {
          if (signal?.aborted) throw signal.reason;
          if (!(error instanceof TargetUnreachableError) && !op.repeatable) throw new ForwardOutcomeUnknownError(target, error);
          exhausted.add(target);
          if (hint?.httpAddress === target) hint = undefined;
          if (this.#lastLeader?.httpAddress === target) this.#lastLeader = undefined;
          lastProblem = messageOf(error);
          logger.debug({ target, op: op.name, err: error }, 'agent: leader channel: no answer');
        }
        if (reply !== undefined) {
          const answer = decodeAnswer(op.path, reply.body);
          if (answer === undefined) throw new RemoteError('ERR_BAD_ANSWER', `unreadable answer (HTTP ${reply.status}) from ${target}`, reply.status);
          if (answer.kind !== 'failed') {
            if (answer.leader !== undefined) this.#lastLeader = answer.leader;
            return op.answered(answer);
          }
          if (!(reply.status === 503 && RETRYABLE_CODES.has(answer.error.code))) throw remoteError(answer.error.code, answer.error.message, reply.status);
          // It does not lead: remember whom it names instead, or nobody.
          this.#lastLeader = answer.leader;
          lastProblem = `${target}: ${answer.error.message}`;
          exhausted.add(target);
          hint = answer.leader !== undefined && answer.leader.httpAddress !== target ? answer.leader : undefined;
          redirected = hint !== undefined && redirects++ < FREE_REDIRECTS;
        }
      } else {
        lastProblem = route.reason;
      }
      const left = deadline - clock.now();
      if (left <= 0) throw new NoLeaderError(lastProblem);
      metrics.incrCounter('agent.forward.retry', 1, { op: op.name });
      if (!redirected) await sleep(clock, Math.min(left, MIN_BACKOFF_MS * 2 ** Math.min(attempt, 5), MAX_BACKOFF_MS), signal);
    }
  }
}

function badAnswer(answer: InternalAnswer, to: string): RemoteError {
  return new RemoteError('ERR_BAD_ANSWER', `unexpected ${answer.kind} answer to ${to}`, 200);
}
