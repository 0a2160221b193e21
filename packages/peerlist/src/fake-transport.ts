import { RefCountedTransport, RetainablePeer } from './ref-counted-transport.js';
import type { ConnectionStatus, PeerSubscriber } from './transport.js';

export interface FakeTransportOptions {
  /** Status of newly created peers (default 'available'). */
  initialStatus?: ConnectionStatus;
  /** Per-id status for newly created peers, overriding `initialStatus`. */
  initialStatusById?: Readonly<Record<string, ConnectionStatus>>;
  /** Ids whose retain throws (yarpc peertest RetainErrors). */
  retainErrors?: Readonly<Record<string, Error>>;
  /** Ids whose release throws after unsubscribing (yarpc peertest ReleaseErrors). */
  releaseErrors?: Readonly<Record<string, Error>>;
}

/**
 * A transport for tests (yarpc's peertest FakeTransport): peers connect only
 * when told to, and retain/release failures can be injected. It records every
 * release so tests can assert what was let go.
 */
export class FakeTransport extends RefCountedTransport<RetainablePeer> {
  readonly #options: FakeTransportOptions;
  /** Every id released, in order (including releases that then threw). */
  readonly released: string[] = [];

  constructor(options: FakeTransportOptions = {}) {
    super((id) => new RetainablePeer(id, options.initialStatusById?.[id] ?? options.initialStatus ?? 'available'));
    this.#options = options;
  }

  override retainPeer(id: string, subscriber: PeerSubscriber): RetainablePeer {
    const failure = this.#options.retainErrors?.[id];
    if (failure !== undefined) throw failure;
    return super.retainPeer(id, subscriber);
  }

  override releasePeer(id: string, subscriber: PeerSubscriber): void {
    this.released.push(id);
    super.releasePeer(id, subscriber);
    const failure = this.#options.releaseErrors?.[id];
    if (failure !== undefined) throw failure;
  }

  /** Changes a retained peer's status and notifies its subscribers; unknown ids are ignored. */
  simulateStatusChange(id: string, status: ConnectionStatus): void {
    this.peer(id)?.setStatus(status);
  }

  simulateConnect(id: string): void {
    this.simulateStatusChange(id, 'available');
  }

  simulateDisconnect(id: string): void {
    this.simulateStatusChange(id, 'unavailable');
  }
}
