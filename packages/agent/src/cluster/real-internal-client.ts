// InternalClient over node:http, on kept-alive connections: the internal
// endpoints carry every write and linearizable read a follower serves, and a
// connection per request cost the leader and the follower more than the
// request itself (bench/agent-kv). A request that fails before its
// connection is made ("never connected") is safe to retry elsewhere; one
// sent on a reused connection may have arrived, as any sent request may.
// Idle connections are dropped after IDLE_MS, well before the server drops
// them (node's keep-alive timeout, 5 s), so a request never goes out on a
// connection the server is closing as idle.

import { Agent, request } from 'node:http';
import { type Clock, TimeoutError } from '@shoal/kit';
import { splitHostPort } from '@shoal/memberlist';
import { TargetUnreachableError } from '../errors.js';
import type { InternalClient } from './internal-client.js';

/** Answers larger than this are refused: internal answers are small. */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

/** How long an idle connection stays open for the next request. */
const IDLE_MS = 1000;

export class HttpInternalClient implements InternalClient {
  readonly #clock: Clock;
  readonly #agent = new Agent({ keepAlive: true, timeout: IDLE_MS });

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Closes the idle connections; requests under way go on. */
  close(): void {
    this.#agent.destroy();
  }

  post(target: string, path: string, body: Uint8Array, options: { timeoutMs: number; signal?: AbortSignal }): Promise<{ status: number; body: Uint8Array }> {
    const hostPort = splitHostPort(target);
    if (hostPort === undefined) return Promise.reject(new TargetUnreachableError(target, new Error('not a HOST:PORT address')));
    if (options.signal?.aborted) return Promise.reject(options.signal.reason);
    return new Promise((resolve, reject) => {
      let connected = false;
      const req = request({
        host: hostPort.host,
        port: hostPort.port,
        method: 'POST',
        path,
        agent: this.#agent,
        headers: { 'content-type': 'application/octet-stream', 'content-length': body.length },
      });
      const timer = this.#clock.after(options.timeoutMs, () => req.destroy(new TimeoutError(`no answer from ${target} in ${options.timeoutMs} ms`)));
      const onAbort = (): void => void req.destroy(options.signal!.reason instanceof Error ? options.signal!.reason : new Error(String(options.signal!.reason)));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const finish = (): void => {
        timer.cancel();
        options.signal?.removeEventListener('abort', onAbort);
      };
      req.on('socket', (socket) => {
        if (!socket.connecting) connected = true;
        else socket.once('connect', () => (connected = true));
      });
      req.on('error', (error) => {
        finish();
        if (options.signal?.aborted) reject(options.signal.reason);
        else reject(connected ? error : new TargetUnreachableError(target, error));
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) req.destroy(new Error(`answer from ${target} exceeds ${MAX_ANSWER_BYTES} bytes`));
          else chunks.push(chunk);
        });
        res.on('end', () => {
          finish();
          resolve({ status: res.statusCode ?? 0, body: new Uint8Array(Buffer.concat(chunks)) });
        });
        res.on('error', (error) => {
          finish();
          reject(error);
        });
        res.on('close', () => {
          finish();
          if (!res.complete) reject(new Error(`answer from ${target} cut short`));
        });
      });
      req.end(body);
    });
  }
}
