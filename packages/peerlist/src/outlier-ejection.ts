import type { Clock, Timer } from '@shoal/kit';
import type { Implementation, ImplementationHost, ListPeer } from './implementation.js';

export interface OutlierEjectionOptions {
  /** Ejection timers run on this clock. */
  clock: Clock;
  /** Failures in a row that eject a peer (Envoy consecutive_5xx: 5). */
  consecutiveFailures?: number;
  /** First ejection length; the n-th ejection lasts n times this (Envoy, grpc: 30 s). */
  baseEjectionMs?: number;
  /** Cap on one ejection's length (grpc: 300 s). A peer not ejected for this long starts over at 1×. */
  maxEjectionMs?: number;
  /**
   * Most peers that may be ejected at once, as a share of the peers held
   * (grpc, Envoy: 10 %). Strict: with 0.1 and fewer than 10 peers, none is.
   */
  maxEjectionShare?: number;
}

interface OutlierEntry<S> {
  readonly peer: ListPeer;
  innerState: S | undefined;
  inInner: boolean;
  failures: number;
  ejections: number;
  timer: Timer | undefined;
  lastEjectionEndMs: number;
}

/**
 * Outlier ejection as a wrapper around any strategy: a peer whose requests
 * fail `consecutiveFailures` times in a row is taken out of the inner strategy
 * for a back-off that grows with each ejection, then put back. At most
 * `maxEjectionShare` of the peers are out at once, so a broad outage (which
 * is not an outlier) cannot empty the list.
 */
export class OutlierEjection<S> implements Implementation<OutlierEntry<S>> {
  readonly measuresLatency: boolean;
  readonly #inner: Implementation<S>;
  readonly #clock: Clock;
  readonly #threshold: number;
  readonly #baseMs: number;
  readonly #maxMs: number;
  readonly #maxShare: number;
  #size = 0;
  #ejected = 0;
  #host: ImplementationHost | undefined;

  constructor(inner: Implementation<S>, options: OutlierEjectionOptions) {
    this.#inner = inner;
    this.#clock = options.clock;
    this.#threshold = options.consecutiveFailures ?? 5;
    this.#baseMs = options.baseEjectionMs ?? 30_000;
    this.#maxMs = options.maxEjectionMs ?? Math.max(300_000, this.#baseMs);
    this.#maxShare = options.maxEjectionShare ?? 0.1;
    this.measuresLatency = inner.measuresLatency === true;
    if (!(this.#threshold >= 1)) throw new RangeError(`consecutiveFailures must be >= 1, got ${this.#threshold}`);
    if (!(this.#maxShare >= 0 && this.#maxShare <= 1)) throw new RangeError(`maxEjectionShare must be in 0..1, got ${this.#maxShare}`);
  }

  attach(host: ImplementationHost): void {
    this.#host = host;
    this.#inner.attach?.(host);
  }

  add(peer: ListPeer): OutlierEntry<S> {
    this.#size++;
    return {
      peer,
      innerState: this.#inner.add(peer),
      inInner: true,
      failures: 0,
      ejections: 0,
      timer: undefined,
      lastEjectionEndMs: -Infinity,
    };
  }

  remove(peer: ListPeer, entry: OutlierEntry<S>): void {
    this.#size--;
    if (entry.timer !== undefined) {
      entry.timer.cancel();
      entry.timer = undefined;
      this.#ejected--;
    }
    if (entry.inInner) this.#inner.remove(peer, entry.innerState as S);
    entry.inInner = false;
  }

  choose(key: string | undefined, nowMs: number): ListPeer | undefined {
    return this.#inner.choose(key, nowMs);
  }

  pendingChanged(entry: OutlierEntry<S>, peer: ListPeer): void {
    if (entry.inInner) this.#inner.pendingChanged?.(entry.innerState as S, peer);
  }

  finished(entry: OutlierEntry<S>, peer: ListPeer, failed: boolean, latencyMs: number, nowMs: number): void {
    if (entry.inInner) this.#inner.finished?.(entry.innerState as S, peer, failed, latencyMs, nowMs);
    if (!failed) {
      entry.failures = 0;
      return;
    }
    entry.failures++;
    if (entry.inInner && entry.failures >= this.#threshold && this.#ejected + 1 <= Math.floor(this.#maxShare * this.#size)) {
      this.#eject(entry);
    }
  }

  choosable(): number {
    return this.#size - this.#ejected;
  }

  /** Peers out of rotation right now. */
  get ejectedCount(): number {
    return this.#ejected;
  }

  #eject(entry: OutlierEntry<S>): void {
    const now = this.#clock.now();
    if (now - entry.lastEjectionEndMs > this.#maxMs) entry.ejections = 0;
    entry.ejections++;
    this.#inner.remove(entry.peer, entry.innerState as S);
    entry.inInner = false;
    entry.innerState = undefined;
    this.#ejected++;
    const durationMs = Math.min(this.#baseMs * entry.ejections, this.#maxMs);
    entry.timer = this.#clock.after(durationMs, () => {
      entry.timer = undefined;
      this.#ejected--;
      entry.failures = 0;
      entry.lastEjectionEndMs = this.#clock.now();
      entry.innerState = this.#inner.add(entry.peer);
      entry.inInner = true;
      this.#host?.choosableChanged();
    });
  }
}

export function outlierEjection<S>(inner: Implementation<S>, options: OutlierEjectionOptions): OutlierEjection<S> {
  return new OutlierEjection(inner, options);
}
