// InternalClient over node:http. One connection per request: the internal
// endpoints carry forwarded writes and read-index rounds, not a hot path, and
// a fresh connection makes "never connected" (safe to retry elsewhere) exact,
// where a reused keep-alive socket could fail either way.

import { request } from 'node:http';
import { type Clock, TimeoutError } from '@shoal/kit';
import { splitHostPort } from '@shoal/memberlist';
import { TargetUnreachableError } from '../errors.js';
import type { InternalClient } from './internal-client.js';

/** Answers larger than this are refused: internal answers are small. */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

export class HttpInternalClient implements InternalClient {
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
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
        agent: false,
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
