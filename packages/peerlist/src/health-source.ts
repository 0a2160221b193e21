import { ShoalError, sleep, type Clock } from '@shoal/kit';
import type { UpdatableList } from './memberlist-binding.js';

/** The part of a fetch Response the source reads. */
export interface HealthResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
}

/** A fetch-like HTTP GET: the global `fetch` fits, as does a fake in tests. */
export type HealthFetch = (url: string, init: { signal: AbortSignal; headers: Record<string, string> }) => Promise<HealthResponse>;

/** One passing instance of the service, as read from Consul's health JSON. */
export interface ServiceInstance {
  /** Service.ID */
  readonly id: string;
  /** Service.Address, or Node.Address when the service has none. */
  readonly address: string;
  readonly port: number;
  /** Node.Node */
  readonly node: string;
}

export const HealthSourceErrorCode = {
  /** The body was not the JSON of /v1/health/service (not an array, a missing field, a bad port). */
  Malformed: 'HEALTH_SOURCE_MALFORMED',
  /** The agent answered with a status other than 200. */
  HttpStatus: 'HEALTH_SOURCE_HTTP_STATUS',
} as const;
export type HealthSourceErrorCode = (typeof HealthSourceErrorCode)[keyof typeof HealthSourceErrorCode];

export class HealthSourceError extends ShoalError {
  declare readonly code: HealthSourceErrorCode;
  constructor(code: HealthSourceErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export interface HealthServiceSourceOptions {
  /** The agent's HTTP base URL, e.g. "http://127.0.0.1:8500". */
  agent: string;
  /** The service name. */
  service: string;
  /** Only instances with this tag (`?tag=`). */
  tag?: string;
  list: UpdatableList;
  /** HTTP GET; pass the global `fetch`. */
  fetch: HealthFetch;
  /** Backoff timers run on this clock. */
  clock: Clock;
  /** Blocking query wait (`?wait=`); default 5 min, Consul's default. */
  waitMs?: number;
  /** First retry delay after an error (default 100 ms); doubles per failure in a row. */
  minBackoffMs?: number;
  /** Cap on the retry delay (default 10 s). */
  maxBackoffMs?: number;
  /** Sent as X-Consul-Token when set. */
  token?: string;
  /** Peer identifier of an instance (default "address:port", IPv6 in brackets). */
  peerId?: (instance: ServiceInstance) => string;
  /** Receives each failed request, bad status, malformed body, list update failure and onChange throw. */
  onError?: (error: unknown) => void;
  /** Called after each applied answer with the current instances. */
  onChange?: (instances: readonly ServiceInstance[]) => void;
}

export interface HealthSourceStats {
  /** Answers applied (whether or not the set changed). */
  readonly answers: number;
  /** Requests that failed: network errors and non-200 statuses. */
  readonly errors: number;
  /** Answers whose body was not valid health JSON; the last good set was kept. */
  readonly malformed: number;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Parses the body of `/v1/health/service/<name>`: an array of
 * `{ Node: { Node, Address }, Service: { ID, Address, Port }, Checks }`.
 * Total: returns the instances or a HealthSourceError, never throws.
 */
export function parseHealthService(body: string): ServiceInstance[] | HealthSourceError {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (cause) {
    return new HealthSourceError(HealthSourceErrorCode.Malformed, 'health answer is not JSON', { cause });
  }
  if (json === null) return []; // Consul answers null for an unknown service in old versions
  if (!Array.isArray(json)) return new HealthSourceError(HealthSourceErrorCode.Malformed, 'health answer is not an array');
  const out: ServiceInstance[] = [];
  for (let i = 0; i < json.length; i++) {
    const entry: unknown = json[i];
    const bad = (what: string): HealthSourceError => new HealthSourceError(HealthSourceErrorCode.Malformed, `health answer entry ${i}: ${what}`);
    if (!isObject(entry)) return bad('not an object');
    const { Node: node, Service: service } = entry;
    if (!isObject(service)) return bad('no Service');
    const nodeObj = isObject(node) ? node : {};
    const id = service['ID'];
    const port = service['Port'];
    const serviceAddress = service['Address'];
    const nodeAddress = nodeObj['Address'];
    if (typeof id !== 'string' || id === '') return bad('no Service.ID');
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return bad('Service.Port is not a port');
    const address = typeof serviceAddress === 'string' && serviceAddress !== '' ? serviceAddress : nodeAddress;
    if (typeof address !== 'string' || address === '') return bad('neither Service.Address nor Node.Address');
    out.push({ id, address, port, node: typeof nodeObj['Node'] === 'string' ? nodeObj['Node'] : '' });
  }
  return out;
}

function defaultPeerId(instance: ServiceInstance): string {
  return instance.address.includes(':') ? `[${instance.address}]:${instance.port}` : `${instance.address}:${instance.port}`;
}

/**
 * Feeds a peer list from a Consul-compatible agent's
 * `/v1/health/service/<name>?passing`, with blocking queries: each answer's
 * X-Consul-Index is the next request's `?index=`, so the request waits until
 * the set of passing instances changes (or `waitMs` passes). Each answer adds
 * the new instances to the list and removes the gone ones, in one update.
 *
 * Errors (a failed request, a status other than 200) retry after a backoff
 * that doubles from `minBackoffMs` to `maxBackoffMs`; a malformed body counts
 * in `stats.malformed`, keeps the last good set, and retries the same way.
 * `stop()` aborts the request in flight. The list keeps its peers.
 */
export class HealthServiceSource {
  readonly #o: HealthServiceSourceOptions;
  readonly #peerId: (instance: ServiceInstance) => string;
  readonly #onError: (error: unknown) => void;
  readonly #applied = new Set<string>();
  #abort: AbortController | undefined;
  #loop: Promise<void> | undefined;
  #index = 0;
  #answers = 0;
  #errors = 0;
  #malformed = 0;
  #instances: readonly ServiceInstance[] = [];

  constructor(options: HealthServiceSourceOptions) {
    this.#o = options;
    this.#peerId = options.peerId ?? defaultPeerId;
    this.#onError = options.onError ?? (() => {});
  }

  get stats(): HealthSourceStats {
    return { answers: this.#answers, errors: this.#errors, malformed: this.#malformed };
  }

  /** The X-Consul-Index of the last applied answer (0 before the first). */
  get index(): number {
    return this.#index;
  }

  /** The instances of the last applied answer. */
  get instances(): readonly ServiceInstance[] {
    return this.#instances;
  }

  start(): void {
    if (this.#loop !== undefined) return;
    const abort = new AbortController();
    this.#abort = abort;
    this.#loop = this.#run(abort.signal);
  }

  /**
   * Aborts the request in flight (a blocking query may otherwise wait
   * `waitMs`), cancels a pending backoff, and resolves when the watch has
   * ended; after that the source holds no socket or timer.
   */
  async stop(): Promise<void> {
    const loop = this.#loop;
    this.#abort?.abort();
    this.#abort = undefined;
    this.#loop = undefined;
    await loop;
  }

  #url(): string {
    const o = this.#o;
    const params = ['passing'];
    if (o.tag !== undefined) params.push(`tag=${encodeURIComponent(o.tag)}`);
    if (this.#index > 0) params.push(`index=${this.#index}`, `wait=${Math.max(1, Math.round(o.waitMs ?? 300_000))}ms`);
    return `${o.agent.replace(/\/+$/, '')}/v1/health/service/${encodeURIComponent(o.service)}?${params.join('&')}`;
  }

  async #run(signal: AbortSignal): Promise<void> {
    const minMs = this.#o.minBackoffMs ?? 100;
    const maxMs = this.#o.maxBackoffMs ?? 10_000;
    let failures = 0;
    const headers: Record<string, string> = {};
    if (this.#o.token !== undefined) headers['X-Consul-Token'] = this.#o.token;
    while (!signal.aborted) {
      let failed: unknown;
      try {
        const res = await this.#o.fetch(this.#url(), { signal, headers });
        const body = await res.text();
        if (res.status !== 200) {
          this.#errors++;
          failed = new HealthSourceError(HealthSourceErrorCode.HttpStatus, `health query answered ${res.status}: ${body.slice(0, 200)}`);
        } else {
          const parsed = parseHealthService(body);
          if (parsed instanceof HealthSourceError) {
            this.#malformed++;
            failed = parsed;
          } else {
            this.#apply(parsed, res.headers.get('X-Consul-Index'));
          }
        }
      } catch (error) {
        if (signal.aborted) break;
        this.#errors++;
        failed = error;
      }
      if (failed === undefined) {
        failures = 0;
        if (this.#index > 0) continue;
        // No usable index: the next request would not block, so pace it.
        try {
          await sleep(this.#o.clock, minMs, signal);
        } catch {
          break;
        }
        continue;
      }
      this.#onError(failed);
      const delayMs = Math.min(maxMs, minMs * 2 ** Math.min(failures, 30));
      failures++;
      try {
        await sleep(this.#o.clock, delayMs, signal);
      } catch {
        break; // stopped
      }
    }
  }

  #apply(instances: ServiceInstance[], indexHeader: string | null): void {
    this.#answers++;
    // Consul's guidance: an index that goes backwards starts over (0: the next request does not block).
    const next = indexHeader === null ? NaN : Number(indexHeader);
    this.#index = Number.isSafeInteger(next) && next > 0 ? (next < this.#index ? 0 : next) : 0;
    this.#instances = instances;
    const desired = new Set(instances.map((i) => this.#peerId(i)));
    const additions = [...desired].filter((id) => !this.#applied.has(id));
    const removals = [...this.#applied].filter((id) => !desired.has(id));
    if (additions.length > 0 || removals.length > 0) {
      for (const id of removals) this.#applied.delete(id);
      for (const id of additions) this.#applied.add(id);
      try {
        this.#o.list.update({ additions, removals });
      } catch (error) {
        this.#onError(error);
      }
    }
    try {
      this.#o.onChange?.(instances);
    } catch (error) {
      this.#onError(error); // a throwing listener is not a failed query: no error count, no backoff
    }
  }
}
