import { abortReason, realClock, type Clock, type Random } from '@shoal/kit';
import { chooseError, type Lifecycle } from './choose-error.js';
import { PeerListError, PeerListErrorCode, PeerListUpdateError, type WaitOutcome } from './errors.js';
import type { Implementation, ImplementationHost } from './implementation.js';
import type { ChooseOptions, ChooserStatus, ListUpdates, PeerListOptions } from './peer-list-options.js';
import { Lease, PeerFacade, type Chosen } from './peer-facade.js';
import { randomSource } from './random-options.js';
import { roundRobin } from './round-robin.js';
import type { ConnectionStatus, Transport, TransportPeer } from './transport.js';
import { WaitQueue, type Waiter } from './wait-queue.js';

export type { ChooseOptions, ChooserStatus, ListUpdates, PeerListOptions } from './peer-list-options.js';

interface ChooseWaiter<P extends TransportPeer> extends Waiter {
  resolve(chosen: Chosen<P>): void;
  reject(error: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

const STATUS_NAME: Record<ConnectionStatus, string> = { available: 'Available', connecting: 'Connecting', unavailable: 'Unavailable' };
const MAX_POOLED_LEASES = 4096;

/**
 * The abstract peer list (yarpc abstractlist.List): membership, lifecycle,
 * retain/release, availability, pending counts and waiting, around an
 * Implementation that picks among available peers.
 *
 * Choose API decision: `choose()` returns `Chosen | Promise<Chosen>`. When a
 * peer is available it returns the Chosen itself, taken from a pool of
 * reusable handles, so the hot path allocates nothing (an async function or an
 * always-Promise API costs ~250 B and ~100 ns per call, see the design notes
 * §3.3). Only a choose that must wait, or fails, returns a Promise; failures
 * always arrive as a rejected Promise, never as a synchronous throw.
 * `tryChoose()` is the never-waiting form: a Chosen or undefined.
 */
export class PeerList<P extends TransportPeer = TransportPeer> {
  readonly name: string;
  readonly #transport: Transport<P>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly #impl: Implementation<any>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly #panicImpl: Implementation<any> | undefined;
  readonly #panicThreshold: number;
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #noShuffle: boolean;
  readonly #failFast: boolean;
  readonly #defaultTimeoutMs: number;
  readonly #measuresLatency: boolean;
  readonly #hasPendingHook: boolean;
  readonly #hasFinishedHook: boolean;

  #lifecycle: Lifecycle = 'Idle';
  readonly #retained = new Map<string, PeerFacade<P>>();
  readonly #offline = new Set<string>();
  #numAvailable = 0;
  readonly #pool: Lease<P>[] = [];
  readonly #waiters: WaitQueue<ChooseWaiter<P>>;
  readonly #onStatus = (facade: PeerFacade<P>): void => this.#statusChanged(facade);
  readonly #finishLease = (lease: Lease<P>, error: unknown): void => this.#finish(lease, error);

  constructor(options: PeerListOptions<P>) {
    const capacity = options.capacity ?? 10;
    if (!(capacity > 0) || !Number.isInteger(capacity)) invalid(`capacity must be a positive integer, got ${capacity}`);
    const timeout = options.defaultChooseTimeoutMs ?? 500;
    if (!(timeout >= 0)) invalid(`defaultChooseTimeoutMs must be >= 0, got ${timeout}`);
    const panic = options.panicThreshold ?? 0;
    if (!(panic >= 0 && panic <= 1)) invalid(`panicThreshold must be in 0..1, got ${panic}`);
    this.name = options.name ?? 'peerlist';
    this.#transport = options.transport;
    this.#impl = options.implementation;
    this.#panicThreshold = panic;
    this.#panicImpl = panic > 0 ? (options.panicImplementation ?? roundRobin()) : undefined;
    this.#clock = options.clock ?? realClock;
    this.#random = randomSource(options);
    this.#noShuffle = options.noShuffle ?? false;
    this.#failFast = options.failFast ?? false;
    this.#defaultTimeoutMs = timeout;
    const impls = this.#panicImpl === undefined ? [this.#impl] : [this.#impl, this.#panicImpl];
    this.#measuresLatency = impls.some((i) => i.measuresLatency === true);
    this.#hasPendingHook = impls.some((i) => i.pendingChanged !== undefined);
    this.#hasFinishedHook = impls.some((i) => i.finished !== undefined);
    this.#waiters = new WaitQueue<ChooseWaiter<P>>(this.#clock, (w) => this.#expire(w));
    for (let i = 0; i < capacity; i++) this.#pool.push(new Lease<P>(this.#finishLease));
    const host: ImplementationHost = { choosableChanged: () => this.#serveWaiters() };
    for (const impl of impls) impl.attach?.(host);
  }

  // ---- choosing -------------------------------------------------------------

  /** A peer now if one is available (no Promise, no allocation), else a Promise that waits. */
  choose(options?: ChooseOptions): Chosen<P> | Promise<Chosen<P>> {
    if (this.#lifecycle === 'Running') {
      const chosen = this.#chooseNow(options === undefined ? undefined : options.key);
      if (chosen !== undefined) return chosen;
    }
    return this.#wait(options);
  }

  /** A peer if one is available right now, else undefined. Never waits, never throws. */
  tryChoose(key?: string): Chosen<P> | undefined {
    return this.#lifecycle === 'Running' ? this.#chooseNow(key) : undefined;
  }

  // Times travel as the literal NaN unless a strategy measures latency: V8
  // boxes a computed double passed to a call, but not a constant.
  #chooseNow(key: string | undefined): Lease<P> | undefined {
    if (this.#measuresLatency) {
      const now = this.#clock.now();
      const facade = this.#pick(key, now);
      return facade === undefined ? undefined : this.#lease(facade, now);
    }
    const facade = this.#pick(key, NaN);
    return facade === undefined ? undefined : this.#lease(facade, NaN);
  }

  #pick(key: string | undefined, now: number): PeerFacade<P> | undefined {
    if (this.#panicImpl !== undefined && this.#panicking()) return this.#panicImpl.choose(key, now) as PeerFacade<P> | undefined;
    return this.#impl.choose(key, now) as PeerFacade<P> | undefined;
  }

  #panicking(): boolean {
    const retained = this.#retained.size;
    const healthy = this.#impl.choosable === undefined ? this.#numAvailable : this.#impl.choosable();
    return retained > 0 && healthy < this.#panicThreshold * retained;
  }

  #lease(facade: PeerFacade<P>, now: number): Lease<P> {
    facade.pending++;
    if (this.#hasPendingHook) this.#pendingHooks(facade);
    const lease = this.#pool.pop() ?? new Lease<P>(this.#finishLease);
    lease.peer = facade.peer!;
    lease.id = facade.id;
    lease.facade = facade;
    lease.startedAt = now;
    return lease;
  }

  #finish(lease: Lease<P>, error: unknown): void {
    const facade = lease.facade;
    if (facade === undefined) return; // finished twice before reuse
    lease.facade = undefined;
    if (this.#pool.length < MAX_POOLED_LEASES) this.#pool.push(lease);
    facade.pending--;
    if (!facade.attached) return;
    if (this.#hasPendingHook) this.#pendingHooks(facade);
    if (this.#hasFinishedHook) {
      const failed = error !== undefined && error !== null;
      if (this.#measuresLatency) {
        const now = this.#clock.now();
        this.#finishedHooks(facade, failed, now - lease.startedAt, now);
      } else {
        this.#finishedHooks(facade, failed, NaN, NaN);
      }
    }
  }

  #finishedHooks(facade: PeerFacade<P>, failed: boolean, latencyMs: number, now: number): void {
    if (facade.inImplementation) this.#impl.finished?.(facade.state, facade, failed, latencyMs, now);
    if (this.#panicImpl !== undefined) this.#panicImpl.finished?.(facade.panicState, facade, failed, latencyMs, now);
  }

  #pendingHooks(facade: PeerFacade<P>): void {
    if (facade.inImplementation) this.#impl.pendingChanged?.(facade.state, facade);
    if (this.#panicImpl !== undefined && facade.attached) this.#panicImpl.pendingChanged?.(facade.panicState, facade);
  }

  #wait(options: ChooseOptions | undefined): Promise<Chosen<P>> {
    if (this.#lifecycle === 'Stopped') return Promise.reject(this.#error('stopped'));
    if (this.#failFast) return Promise.reject(this.#error('fail-fast'));
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(this.#error('aborted', abortReason(signal)));
    const now = this.#clock.now();
    let deadline = options?.deadline ?? Infinity;
    if (options?.timeoutMs !== undefined) deadline = Math.min(deadline, now + options.timeoutMs);
    // yarpc bug 1: its default timeout was never copied in, so this was 0.
    if (options?.deadline === undefined && options?.timeoutMs === undefined) deadline = now + this.#defaultTimeoutMs;
    if (deadline <= now) return Promise.reject(this.#error('deadline'));
    return new Promise<Chosen<P>>((resolve, reject) => {
      const waiter: ChooseWaiter<P> = {
        key: options?.key,
        deadline,
        heapIndex: -1,
        settled: false,
        resolve,
        reject,
        signal,
        onAbort: undefined,
      };
      if (signal !== undefined) {
        waiter.onAbort = () => {
          if (waiter.settled) return;
          this.#waiters.remove(waiter);
          reject(this.#error('aborted', abortReason(signal)));
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.#waiters.enqueue(waiter);
    });
  }

  #serveWaiters(): void {
    if (this.#waiters.size === 0 || this.#lifecycle !== 'Running') return;
    this.#waiters.serve((waiter) => {
      const chosen = this.#chooseNow(waiter.key);
      if (chosen === undefined) return false;
      detachAbort(waiter);
      waiter.resolve(chosen);
      return true;
    });
  }

  #expire(waiter: ChooseWaiter<P>): void {
    detachAbort(waiter);
    waiter.reject(this.#error('deadline'));
  }

  #error(outcome: WaitOutcome, cause?: unknown): PeerListError {
    return chooseError(this.name, this.#lifecycle, this.#retained.size, outcome, cause);
  }

  // ---- membership -----------------------------------------------------------

  /**
   * Applies removals, then additions (shuffled unless noShuffle). Every id is
   * attempted; all failures are thrown together as one PeerListUpdateError.
   */
  update(updates: ListUpdates): void {
    const additions = updates.additions ?? [];
    const removals = updates.removals ?? [];
    if (additions.length === 0 && removals.length === 0) return;
    const errors: unknown[] = [];
    if (this.#lifecycle !== 'Running') {
      for (const id of removals) {
        if (!this.#offline.delete(id)) errors.push(notInList(id));
      }
      for (const id of additions) {
        if (this.#offline.has(id)) errors.push(alreadyInList(id));
        else this.#offline.add(id);
      }
    } else {
      for (const id of removals) this.#attempt(errors, () => this.#removeOnline(id));
      const ordered = this.#noShuffle ? additions : this.#random.shuffle(additions.slice());
      for (const id of ordered) this.#attempt(errors, () => this.#addOnline(id));
      this.#serveWaiters();
    }
    if (errors.length > 0) throw new PeerListUpdateError(errors);
  }

  #attempt(errors: unknown[], step: () => void): void {
    try {
      step();
    } catch (error) {
      errors.push(error);
    }
  }

  #addOnline(id: string): void {
    if (this.#retained.has(id)) throw alreadyInList(id);
    const facade = new PeerFacade<P>(id, this.#onStatus);
    // Nothing is stored until retain returns, so a failed retain leaves no trace
    // and a notification sent from inside retain is ignored (peer still unset).
    const peer = this.#transport.retainPeer(id, facade);
    facade.peer = peer;
    facade.attached = true;
    this.#retained.set(id, facade);
    if (this.#panicImpl !== undefined) facade.panicState = this.#panicImpl.add(facade);
    this.#statusChanged(facade);
  }

  #removeOnline(id: string): void {
    const facade = this.#retained.get(id);
    if (facade === undefined) throw notInList(id);
    this.#leaveImplementation(facade);
    if (this.#panicImpl !== undefined) this.#panicImpl.remove(facade, facade.panicState);
    facade.panicState = undefined;
    facade.status = 'unavailable';
    facade.attached = false;
    this.#retained.delete(id);
    this.#transport.releasePeer(id, facade);
  }

  #leaveImplementation(facade: PeerFacade<P>): void {
    if (!facade.inImplementation) return;
    this.#numAvailable--;
    facade.inImplementation = false;
    this.#impl.remove(facade, facade.state);
    facade.state = undefined;
  }

  /** The list's reaction to a transport notification. Only moves into or out of available count. */
  #statusChanged(facade: PeerFacade<P>): void {
    if (!facade.attached || facade.peer === undefined) return;
    const status = facade.peer.status;
    const wasAvailable = facade.status === 'available';
    facade.status = status;
    const isAvailable = status === 'available';
    // yarpc bug 2: unavailable <-> connecting must not touch the available count.
    if (wasAvailable === isAvailable) return;
    if (isAvailable) {
      facade.state = this.#impl.add(facade);
      facade.inImplementation = true;
      this.#numAvailable++;
    } else {
      this.#leaveImplementation(facade);
    }
    this.#serveWaiters();
  }

  /** Re-reads the transport status of `id` (for tests and transports without subscriptions). */
  notifyStatusChanged(id: string): void {
    const facade = this.#retained.get(id);
    if (facade !== undefined) this.#statusChanged(facade);
  }

  // ---- lifecycle ------------------------------------------------------------

  /**
   * Retains every peer added so far (sorted by id, then shuffled unless
   * noShuffle) and serves waiting chooses. Runs once: after stop it does nothing.
   */
  start(): void {
    if (this.#lifecycle !== 'Idle') return;
    this.#lifecycle = 'Running';
    const ids = [...this.#offline].sort();
    this.#offline.clear();
    const errors: unknown[] = [];
    const ordered = this.#noShuffle ? ids : this.#random.shuffle(ids);
    for (const id of ordered) this.#attempt(errors, () => this.#addOnline(id));
    this.#serveWaiters();
    if (errors.length > 0) throw new PeerListUpdateError(errors);
  }

  /** Releases every peer (their ids are kept, uninitialized) and fails waiting chooses. Runs once. */
  stop(): void {
    if (this.#lifecycle === 'Stopped') return;
    const wasRunning = this.#lifecycle === 'Running';
    this.#lifecycle = 'Stopped';
    for (const waiter of this.#waiters.drain()) {
      detachAbort(waiter);
      waiter.reject(this.#error('stopped'));
    }
    if (!wasRunning) return;
    const errors: unknown[] = [];
    for (const id of [...this.#retained.keys()]) {
      this.#attempt(errors, () => this.#removeOnline(id));
      this.#offline.add(id);
    }
    if (errors.length > 0) throw new PeerListUpdateError(errors);
  }

  isRunning(): boolean {
    return this.#lifecycle === 'Running';
  }

  // ---- queries --------------------------------------------------------------

  get numAvailable(): number {
    return this.#numAvailable;
  }

  get numUnavailable(): number {
    return this.#retained.size - this.#numAvailable;
  }

  get numUninitialized(): number {
    return this.#offline.size;
  }

  /** Chooses currently waiting for a peer. */
  get numWaiting(): number {
    return this.#waiters.size;
  }

  available(id: string): boolean {
    return this.#retained.get(id)?.status === 'available';
  }

  uninitialized(id: string): boolean {
    return this.#offline.has(id);
  }

  /** Snapshot of every retained peer, available or not. */
  peers(): P[] {
    return [...this.#retained.values()].map((f) => f.peer!);
  }

  /** Pending requests on a retained peer (the list's own count). */
  pending(id: string): number | undefined {
    return this.#retained.get(id)?.pending;
  }

  introspect(): ChooserStatus {
    const peers = [...this.#retained.values()].map((f) => ({
      identifier: f.id,
      state: `${STATUS_NAME[f.status]}, ${f.pending} pending request(s)`,
    }));
    return { name: this.name, state: `${this.#lifecycle} (${this.#numAvailable}/${this.#retained.size} available)`, peers };
  }
}

function detachAbort<P extends TransportPeer>(waiter: ChooseWaiter<P>): void {
  if (waiter.onAbort !== undefined) waiter.signal?.removeEventListener('abort', waiter.onAbort);
}

function alreadyInList(id: string): PeerListError {
  return new PeerListError(PeerListErrorCode.AlreadyInList, `can't add peer "${id}" because it is already in the peer list`);
}

function notInList(id: string): PeerListError {
  return new PeerListError(PeerListErrorCode.NotInList, `can't remove peer "${id}" because it is not in the peer list`);
}

function invalid(message: string): never {
  throw new PeerListError(PeerListErrorCode.InvalidOption, message);
}
