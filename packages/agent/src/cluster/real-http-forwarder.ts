// The Forwarder over node:http. The request body is read in full first, so
// the request can go to another server when one cannot be reached; it moves
// on only when the request cannot have been taken: the connection was never
// made, or the request is a read (GET, HEAD). Reads share kept-alive
// connections; every other request gets a connection of its own, so that
// "never connected" is exact: on a reused connection, a reset before any
// answer may be an idle connection the server had closed, or a server that
// took the request and died before answering (SIGKILLed while the leader
// applied the write), and sending it again could apply it twice. The answer
// is piped through with no time limit, as blocking queries wait up to ten
// minutes.

import { Agent, request, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { type Clock, type Logger, type Metrics, TimeoutError } from '@shoal/kit';
import { splitHostPort } from '@shoal/memberlist';
import { messageOf } from '../errors.js';
import type { Forwarder } from '../forwarder.js';
import type { ServerDirectory } from './server-directory.js';

export interface HttpForwarderOptions {
  readonly directory: ServerDirectory;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Longest wait for a connection to a server before trying the next. */
  readonly connectTimeoutMs?: number;
  /** Largest request body forwarded; larger ones are answered 413. */
  readonly maxBodyBytes?: number;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** Room for Consul's largest requests (a txn of 64 operations of 512 KiB values is 32 MiB; that is not expected). */
const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

/** Headers that describe one connection, not the request (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host']);

type Attempt = { kind: 'done' } | { kind: 'next'; problem: string } | { kind: 'failed'; problem: string };

export class HttpForwarder implements Forwarder {
  readonly #options: HttpForwarderOptions;
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 64 });
  /** The server that answered last: tried first next time. */
  #preferred: string | undefined;

  constructor(options: HttpForwarderOptions) {
    this.#options = options;
  }

  async proxy(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { directory, metrics, logger } = this.#options;
    const body = await this.#readBody(req, res);
    if (body === undefined) return;
    const targets = this.#order(directory.servers().map((s) => s.tags.httpAddress));
    if (targets.length === 0) {
      fail(res, 503, 'no known servers to forward the request to');
      return;
    }
    const problems: string[] = [];
    for (const target of targets) {
      metrics.incrCounter('agent.http.forward');
      const outcome = await this.#attempt(target, req, body, res);
      if (outcome.kind === 'done') {
        this.#preferred = target;
        return;
      }
      problems.push(`${target}: ${outcome.problem}`);
      logger.debug({ target, problem: outcome.problem, method: req.method, url: req.url }, 'agent: forwarding failed');
      if (outcome.kind === 'failed') {
        fail(res, 502, `forwarding to server ${target} failed: ${outcome.problem}`);
        return;
      }
      if (res.destroyed) return;
    }
    fail(res, 503, `no server reachable: ${problems.join('; ')}`);
  }

  /** Stops keeping idle connections to the servers. */
  close(): void {
    this.#agent.destroy();
  }

  #order(targets: string[]): string[] {
    const preferred = this.#preferred;
    if (preferred === undefined || !targets.includes(preferred)) return targets;
    return [preferred, ...targets.filter((t) => t !== preferred)];
  }

  async #readBody(req: IncomingMessage, res: ServerResponse): Promise<Buffer | undefined> {
    const limit = this.#options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size > limit) {
          fail(res, 413, `request body larger than ${limit} bytes`);
          return undefined;
        }
        chunks.push(chunk as Buffer);
      }
    } catch {
      return undefined; // the caller went away while sending
    }
    return Buffer.concat(chunks);
  }

  #attempt(target: string, req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<Attempt> {
    const hostPort = splitHostPort(target);
    if (hostPort === undefined) return Promise.resolve({ kind: 'next', problem: 'not a HOST:PORT address' });
    const readOnly = req.method === 'GET' || req.method === 'HEAD';
    return new Promise<Attempt>((resolve) => {
      let connected = false;
      let answered = false;
      const upstream = request({
        host: hostPort.host,
        port: hostPort.port,
        method: req.method,
        path: req.url,
        agent: readOnly ? this.#agent : false,
        headers: forwardedRequestHeaders(req, body.length),
      });
      const connectTimer = this.#options.clock.after(this.#options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, () => {
        if (!connected) upstream.destroy(new TimeoutError('connect timed out'));
      });
      const callerGone = (): void => {
        if (!res.writableFinished) upstream.destroy();
      };
      res.once('close', callerGone);
      const settle = (attempt: Attempt): void => {
        connectTimer.cancel();
        res.off('close', callerGone);
        resolve(attempt);
      };
      upstream.on('socket', (socket) => {
        if (!socket.connecting) connected = true;
        else socket.once('connect', () => (connected = true));
      });
      upstream.on('error', (error: Error) => {
        if (answered) return; // the response stream reports it
        if (res.destroyed) return settle({ kind: 'done' });
        settle({ kind: !connected || readOnly ? 'next' : 'failed', problem: messageOf(error) });
      });
      upstream.on('response', (answer) => {
        answered = true;
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answeredHeaders(answer.headers));
        res.flushHeaders();
        answer.pipe(res);
        answer.on('error', () => res.destroy());
        answer.on('close', () => {
          if (!answer.complete) res.destroy();
          settle({ kind: 'done' });
        });
      });
      upstream.end(body);
    });
  }
}

function forwardedRequestHeaders(req: IncomingMessage, length: number): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (!HOP_BY_HOP.has(name) && name !== 'content-length' && value !== undefined) headers[name] = value;
  }
  const from = req.socket.remoteAddress;
  if (from !== undefined) {
    const prior = req.headers['x-forwarded-for'];
    headers['x-forwarded-for'] = prior === undefined ? from : `${Array.isArray(prior) ? prior.join(', ') : prior}, ${from}`;
  }
  if (length > 0 || (req.method !== 'GET' && req.method !== 'HEAD')) headers['content-length'] = length;
  return headers;
}

function answeredHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!HOP_BY_HOP.has(name) && value !== undefined) out[name] = value;
  }
  return out;
}

function fail(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`${message}\n`);
}
