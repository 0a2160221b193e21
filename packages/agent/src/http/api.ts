// Requests and responses as the handlers see them: plain data, no sockets, so
// every handler is a function that tests can call directly.
import { ShoalError } from '@shoal/kit';

export interface ApiRequest {
  readonly method: string;
  /** The URL path, percent-decoded. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Uint8Array;
  /** Aborts when the client goes away (ends blocking queries early). */
  readonly signal: AbortSignal;
}

export interface ApiResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Uint8Array;
}

/** A request Consul refuses, with its status code and one-line message. */
export class HttpError extends ShoalError {
  readonly status: number;
  constructor(status: number, message: string) {
    super(`ERR_HTTP_${status}`, message);
    this.status = status;
  }
}

export function jsonResponse(body: string, status = 200, headers: Record<string, string> = {}): ApiResponse {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body };
}

export function textResponse(status: number, message: string, headers: Record<string, string> = {}): ApiResponse {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers }, body: message === '' ? '' : `${message}\n` };
}

/** A flag such as ?recurse, ?stale: present with any value (Consul ignores the value). */
export function flag(req: ApiRequest, name: string): boolean {
  return req.query.has(name);
}

/** The body as JSON, or a 400 the way Consul words it. An empty body is `undefined`. */
export function jsonBody(req: ApiRequest, maxBytes: number): unknown {
  if (req.body.length > maxBytes) throw new HttpError(413, `Request body too large, max size: ${maxBytes} bytes`);
  if (req.body.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.from(req.body).toString('utf8'));
  } catch (error) {
    throw new HttpError(400, `Request decode failed: ${(error as Error).message.split('\n')[0]}`);
  }
}
