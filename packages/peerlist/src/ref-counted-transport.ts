import { PeerListError, PeerListErrorCode } from './errors.js';
import type { ConnectionStatus, PeerSubscriber, Transport, TransportPeer } from './transport.js';

/**
 * A transport peer with a subscriber set and a connection status. Status
 * changes notify every subscriber, outside any transport bookkeeping, so a
 * subscriber may call back into the transport. Transports subclass it to add
 * their connection handling and override `released()` to tear it down.
 */
export class RetainablePeer implements TransportPeer {
  readonly id: string;
  #status: ConnectionStatus;
  readonly #subscribers = new Set<PeerSubscriber>();

  constructor(id: string, initialStatus: ConnectionStatus = 'unavailable') {
    this.id = id;
    this.#status = initialStatus;
  }

  get status(): ConnectionStatus {
    return this.#status;
  }

  /** How many subscribers hold this peer (its reference count). */
  get references(): number {
    return this.#subscribers.size;
  }

  /** Sets the status and tells every subscriber, if it changed. */
  setStatus(status: ConnectionStatus): void {
    if (status === this.#status) return;
    this.#status = status;
    this.notifySubscribers();
  }

  /** Tells every subscriber to re-read the status (a snapshot, so subscribers may unsubscribe meanwhile). */
  notifySubscribers(): void {
    for (const subscriber of [...this.#subscribers]) subscriber.notifyStatusChanged(this.id);
  }

  subscribe(subscriber: PeerSubscriber): void {
    this.#subscribers.add(subscriber);
  }

  /** Returns false when `subscriber` was not subscribed. */
  unsubscribe(subscriber: PeerSubscriber): boolean {
    return this.#subscribers.delete(subscriber);
  }

  /** Called once when the last reference goes; the default marks the peer unavailable. */
  released(): void {
    this.#status = 'unavailable';
  }
}

/**
 * Reference-counted get-or-create of peers: several lists (or several entries
 * of one list under different subscribers) share one transport peer, and it is
 * released when the last subscriber lets go. The count is the subscriber set.
 */
export class RefCountedTransport<P extends RetainablePeer = RetainablePeer> implements Transport<P> {
  readonly #peers = new Map<string, P>();
  readonly #createPeer: (id: string) => P;

  constructor(createPeer: (id: string) => P) {
    this.#createPeer = createPeer;
  }

  retainPeer(id: string, subscriber: PeerSubscriber): P {
    let peer = this.#peers.get(id);
    if (peer === undefined) {
      peer = this.#createPeer(id);
      this.#peers.set(id, peer);
    }
    peer.subscribe(subscriber);
    return peer;
  }

  releasePeer(id: string, subscriber: PeerSubscriber): void {
    const peer = this.#peers.get(id);
    if (peer === undefined) {
      throw new PeerListError(PeerListErrorCode.TransportHasNoReferenceToPeer, `transport has no reference to peer "${id}"`);
    }
    if (!peer.unsubscribe(subscriber)) {
      throw new PeerListError(PeerListErrorCode.PeerHasNoReferenceToSubscriber, `peer "${id}" has no reference to this subscriber`);
    }
    if (peer.references === 0) {
      this.#peers.delete(id);
      peer.released();
    }
  }

  /** The retained peer with this id, if any. */
  peer(id: string): P | undefined {
    return this.#peers.get(id);
  }

  /** Ids of every retained peer. */
  retainedIds(): string[] {
    return [...this.#peers.keys()];
  }
}
