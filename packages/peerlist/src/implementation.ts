import type { ConnectionStatus } from './transport.js';

/**
 * What an Implementation sees of a peer. The list owns these objects; an
 * implementation keeps references to them and returns one from `choose`.
 */
export interface ListPeer {
  readonly id: string;
  /** Requests chosen on this peer whose onFinish has not been called yet. */
  readonly pending: number;
  /** The list's cached copy of the transport status. */
  readonly status: ConnectionStatus;
}

/** Lets an implementation tell its list that more peers became choosable (e.g. an ejection expired). */
export interface ImplementationHost {
  choosableChanged(): void;
}

/**
 * A selection strategy over the *available* peers only (yarpc
 * peerlist.Implementation). The list calls `add` when a peer becomes
 * available and `remove` when it stops being available or leaves; it never adds
 * a present peer or removes an absent one. `add` returns the implementation's
 * own per-peer record (yarpc's Subscriber), which the list hands back on
 * `remove` and on the optional request hooks.
 *
 * `choose` must not wait and must not allocate on the hot path: it returns a
 * peer it was given, or undefined when it has none (the list then waits).
 */
export interface Implementation<S = unknown> {
  add(peer: ListPeer): S;
  remove(peer: ListPeer, state: S): void;
  /**
   * `nowMs` is the list's clock reading for this choose when any of its
   * implementations `measuresLatency`, NaN otherwise (one read serves the
   * list and the strategy: a real clock read costs a boxed number).
   */
  choose(key: string | undefined, nowMs: number): ListPeer | undefined;

  /** Called after the peer's pending count changed (a request started or finished). */
  pendingChanged?(state: S, peer: ListPeer): void;
  /**
   * Called when a request on this peer finishes. `failed` is true when onFinish
   * got an error. `latencyMs` and `nowMs` come from the list's Clock when
   * `measuresLatency` is true, otherwise they are NaN.
   */
  finished?(state: S, peer: ListPeer, failed: boolean, latencyMs: number, nowMs: number): void;
  /** Ask the list to read its Clock at choose and finish (costs a clock read per request). */
  readonly measuresLatency?: boolean;
  /** How many peers `choose` can return now; defaults to the number added. Used by the panic threshold. */
  choosable?(): number;
  /** Called once by the list that owns this implementation. */
  attach?(host: ImplementationHost): void;
}
