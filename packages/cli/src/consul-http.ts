// The thin clients of an agent's HTTP API (`shoal kv`, `shoal lock`,
// `shoal operator raft list-peers`, `shoal members --http-addr`): where the
// agent is, as Consul's CLI finds it, and one request at a time over
// node:http (fetch refuses some ports an operator may use).
import { request as httpRequest } from 'node:http';
import { splitHostPort } from '@shoal/memberlist';
import { UsageError } from './command.js';

export const DEFAULT_HTTP_ADDR = '127.0.0.1:8500';

/** The option every client command takes. */
export const HTTP_ADDR_OPTION = { 'http-addr': { type: 'string' } } as const;

/** The usage lines describing --http-addr. */
export const HTTP_ADDR_USAGE = `  --http-addr HOST:PORT
                   the agent's HTTP API (default: $CONSUL_HTTP_ADDR, else ${DEFAULT_HTTP_ADDR})`;

/** How long one request may take, blocking lock waits excepted. */
export const REQUEST_TIMEOUT_MS = 10_000;

/** The agent's base URL, from --http-addr, else CONSUL_HTTP_ADDR, else 127.0.0.1:8500. An `http://` prefix is allowed, as Consul's CLI allows it. */
export function agentBaseUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.CONSUL_HTTP_ADDR !== undefined && env.CONSUL_HTTP_ADDR !== '' ? env.CONSUL_HTTP_ADDR : undefined;
  const raw = flag ?? fromEnv ?? DEFAULT_HTTP_ADDR;
  const source = flag !== undefined ? '--http-addr' : fromEnv !== undefined ? 'CONSUL_HTTP_ADDR' : 'the default';
  if (/^https:\/\//.test(raw)) throw new UsageError(`${source}: https is not supported, got '${raw}'`);
  const bare = raw.replace(/^http:\/\//, '').replace(/\/$/, '');
  const hp = splitHostPort(bare);
  if (!hp || hp.host === '' || hp.port === 0) throw new UsageError(`${source} must be HOST:PORT, got '${raw}'`);
  return `http://${hp.host.includes(':') ? `[${hp.host}]` : hp.host}:${hp.port}`;
}

export interface AgentResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

/** One request to the agent; rejects when it cannot be reached or does not answer within `timeoutMs`. */
export function agentRequest(
  base: string,
  method: string,
  path: string,
  options: { body?: string | Uint8Array; signal: AbortSignal; timeoutMs?: number },
): Promise<AgentResponse> {
  const timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method, signal: AbortSignal.any([options.signal, AbortSignal.timeout(timeoutMs)]) }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', (error: Error) => {
      reject(error.name === 'AbortError' && !options.signal.aborted ? new Error(`no answer within ${timeoutMs / 1000} s`) : error);
    });
    req.end(options.body);
  });
}

/** An answer other than 200 as an Error: `Unexpected response code: 500 (No cluster leader)`, Consul's CLI wording. */
export function responseError(response: AgentResponse): Error {
  return new Error(`Unexpected response code: ${response.status} (${response.body.toString('utf8').trim()})`);
}

/** A KV key in a URL path: each segment escaped, the slashes kept. */
export function keyPath(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}
