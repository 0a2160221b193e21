import type { ListPeer } from './implementation.js';
import type { ConnectionStatus, PeerSubscriber, TransportPeer } from './transport.js';

/**
 * The list's record of one retained peer (yarpc's peerFacade). It is the
 * subscriber the transport notifies and the ListPeer implementations see.
 */
export class PeerFacade<P extends TransportPeer> implements ListPeer, PeerSubscriber {
  readonly id: string;
  /** Undefined while the transport is still retaining it. */
  peer: P | undefined = undefined;
  /** The list's copy of the transport status, so a change is seen once. */
  status: ConnectionStatus = 'unavailable';
  pending = 0;
  /** False once released; late notifications and finishes are then ignored. */
  attached = false;
  /** True while the implementation holds this peer; `state` is its record. */
  inImplementation = false;
  state: unknown = undefined;
  /** Record in the panic implementation (which holds every retained peer). */
  panicState: unknown = undefined;
  readonly #onStatus: (facade: PeerFacade<P>) => void;

  constructor(id: string, onStatus: (facade: PeerFacade<P>) => void) {
    this.id = id;
    this.#onStatus = onStatus;
  }

  notifyStatusChanged(_id: string): void {
    this.#onStatus(this);
  }
}

/** What choose hands out: the transport's peer and the call that ends the request. */
export interface Chosen<P extends TransportPeer = TransportPeer> {
  readonly peer: P;
  readonly id: string;
  /**
   * Call exactly once when the request ends, with its error if it failed. After
   * this the object is recycled for a later choose: read what you need first.
   */
  readonly onFinish: (error?: unknown) => void;
}

/**
 * A reusable Chosen. The list keeps a free pool of these, so a choose on the
 * synchronous path allocates nothing: onFinish is bound once per lease, not
 * once per request, and carries the per-request start time for latency.
 */
export class Lease<P extends TransportPeer> implements Chosen<P> {
  peer!: P;
  id = '';
  facade: PeerFacade<P> | undefined = undefined;
  startedAt = 0;
  readonly onFinish: (error?: unknown) => void;

  constructor(finish: (lease: Lease<P>, error: unknown) => void) {
    this.onFinish = (error?: unknown) => finish(this, error);
  }
}
