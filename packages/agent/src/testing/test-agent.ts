// A dev agent on a free loopback port, and a small fetch wrapper, for the HTTP tests.
import { startDevAgent, type DevAgent } from '../dev-agent.js';

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  json<T = unknown>(): T;
}

export interface TestAgent {
  readonly agent: DevAgent;
  readonly base: string;
  call(method: string, path: string, body?: string | Uint8Array): Promise<Reply>;
  close(): Promise<void>;
}

export async function startTestAgent(nodeName = 'node-a'): Promise<TestAgent> {
  const agent = await startDevAgent({ http: '127.0.0.1:0', nodeName });
  const base = `http://${agent.address}`;
  return {
    agent,
    base,
    async call(method, path, body) {
      const res = await fetch(`${base}${path}`, { method, ...(body === undefined ? {} : { body }) });
      const text = await res.text();
      return { status: res.status, headers: res.headers, text, json: <T>() => JSON.parse(text) as T };
    },
    close: () => agent.close(),
  };
}

export const b64 = (s: string): string => Buffer.from(s).toString('base64');
