/**
 * The transport side of the peer list: identifiers, connection status,
 * subscribers, and the retain/release contract (yarpc api/peer).
 */

/** Only `available` peers are chosen; `connecting` counts as unavailable. */
export type ConnectionStatus = 'unavailable' | 'connecting' | 'available';

/** What the list needs from a transport's peer. */
export interface TransportPeer {
  /** The identifier the peer was retained under, e.g. "10.0.0.1:4040". */
  readonly id: string;
  /** The transport's current view of the connection. */
  readonly status: ConnectionStatus;
}

/** Receives status-change notifications for one retained peer. */
export interface PeerSubscriber {
  notifyStatusChanged(id: string): void;
}

/**
 * Retains peers with reference counts. `retainPeer` is get-or-create and
 * subscribes `subscriber`; `releasePeer` unsubscribes it and drops the peer when
 * nobody holds it any more. Both throw on failure (the list collects the errors).
 *
 * Unlike yarpc, a transport may notify subscribers synchronously from inside
 * `retainPeer`/`releasePeer`: the list ignores a notification for a peer it is
 * still retaining (it reads the status once retain returns) or has released.
 */
export interface Transport<P extends TransportPeer = TransportPeer> {
  retainPeer(id: string, subscriber: PeerSubscriber): P;
  releasePeer(id: string, subscriber: PeerSubscriber): void;
}
