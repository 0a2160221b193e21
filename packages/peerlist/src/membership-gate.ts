import { RefCountedTransport, RetainablePeer } from './ref-counted-transport.js';
import type { ConnectionStatus, PeerSubscriber, Transport, TransportPeer } from './transport.js';

/**
 * A peer whose status is its connection status (from an inner transport, or
 * plain 'available' without one) unless membership has marked it down, in
 * which case it is 'unavailable' whatever the connection says.
 */
export class GatedPeer<P extends TransportPeer = TransportPeer> extends RetainablePeer implements PeerSubscriber {
  /** The inner transport's peer, when the gate wraps one. */
  readonly inner: P | undefined;
  readonly #gate: MembershipGate<P>;

  constructor(id: string, gate: MembershipGate<P>, inner: P | undefined) {
    super(id, 'unavailable');
    this.#gate = gate;
    this.inner = inner;
    this.refresh();
  }

  /** Recomputes the status from the gate and the inner peer, notifying on change. */
  refresh(): void {
    const connection: ConnectionStatus = this.inner === undefined ? 'available' : this.inner.status;
    this.setStatus(this.#gate.isDown(this.id) ? 'unavailable' : connection);
  }

  notifyStatusChanged(_id: string): void {
    this.refresh();
  }

  override released(): void {
    super.released();
    this.#gate.releaseInner(this);
  }
}

/**
 * The transport the memberlist binding puts in front of the list: membership
 * can veto availability (a dead member is unavailable while its grace period
 * runs) without leaving the list, keeping yarpc's split between membership
 * (update) and availability (transport status). Wraps an optional inner
 * transport that reports real connection status.
 */
export class MembershipGate<P extends TransportPeer = TransportPeer> extends RefCountedTransport<GatedPeer<P>> {
  readonly #inner: Transport<P> | undefined;
  readonly #down = new Set<string>();
  readonly #relays = new WeakMap<GatedPeer<P>, PeerSubscriber>();

  constructor(inner?: Transport<P>) {
    super((id) => {
      // The inner peer is retained before the gated one exists, so it reports to a relay.
      const relay: PeerSubscriber & { target?: GatedPeer<P> } = {
        notifyStatusChanged: (x) => relay.target?.notifyStatusChanged(x),
      };
      const gated = new GatedPeer<P>(id, this, inner?.retainPeer(id, relay));
      relay.target = gated;
      this.#relays.set(gated, relay);
      return gated;
    });
    this.#inner = inner;
  }

  isDown(id: string): boolean {
    return this.#down.has(id);
  }

  /** Marks `id` unavailable regardless of its connection (kept until markUp). */
  markDown(id: string): void {
    if (this.#down.has(id)) return;
    this.#down.add(id);
    this.peer(id)?.refresh();
  }

  /** Lifts a markDown. */
  markUp(id: string): void {
    if (!this.#down.delete(id)) return;
    this.peer(id)?.refresh();
  }

  /** @internal Called when the last reference to a gated peer goes. */
  releaseInner(peer: GatedPeer<P>): void {
    const relay = this.#relays.get(peer);
    if (this.#inner !== undefined && relay !== undefined) this.#inner.releasePeer(peer.id, relay);
  }
}
