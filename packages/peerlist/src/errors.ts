import { ShoalError } from '@shoal/kit';

/**
 * Stable error codes of the peer list. Callers switch on `code`; messages
 * follow yarpc's wording so log searches keep working across languages.
 */
export const PeerListErrorCode = {
  /** choose: no peers are retained (none added, or all removed). */
  NoPeers: 'PEERLIST_NO_PEERS',
  /** choose: N peers are retained but none is available. */
  NoAvailablePeers: 'PEERLIST_NO_AVAILABLE_PEERS',
  /** choose: the list was never started before the deadline, or has stopped. */
  NotRunning: 'PEERLIST_NOT_RUNNING',
  /** update: adding an identifier that is already in the list. */
  AlreadyInList: 'PEERLIST_ALREADY_IN_LIST',
  /** update: removing an identifier that is not in the list. */
  NotInList: 'PEERLIST_NOT_IN_LIST',
  /** update: one or more additions or removals failed; `errors` holds each failure. */
  UpdateFailed: 'PEERLIST_UPDATE_FAILED',
  /** transport: releasing a peer the transport does not hold. */
  TransportHasNoReferenceToPeer: 'PEERLIST_TRANSPORT_NO_REFERENCE_TO_PEER',
  /** transport: releasing a peer on behalf of a subscriber that never retained it. */
  PeerHasNoReferenceToSubscriber: 'PEERLIST_PEER_NO_REFERENCE_TO_SUBSCRIBER',
  /** construction: an option is out of range. */
  InvalidOption: 'PEERLIST_INVALID_OPTION',
} as const;
export type PeerListErrorCode = (typeof PeerListErrorCode)[keyof typeof PeerListErrorCode];

export class PeerListError extends ShoalError {
  declare readonly code: PeerListErrorCode;
  constructor(code: PeerListErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** Why a waiting choose gave up. */
export type WaitOutcome = 'fail-fast' | 'deadline' | 'aborted' | 'stopped';

/** Error from `choose`: which condition held when the wait ended, and how it ended. */
export class ChooseError extends PeerListError {
  /** How the wait ended: it never started (fail-fast), ran out of time, was aborted, or the list stopped. */
  readonly outcome: WaitOutcome;
  /** Retained peers when the choose failed (available or not). */
  readonly retainedPeers: number;
  constructor(code: PeerListErrorCode, message: string, outcome: WaitOutcome, retainedPeers: number, cause?: unknown) {
    super(code, message, cause === undefined ? undefined : { cause });
    this.outcome = outcome;
    this.retainedPeers = retainedPeers;
  }
}

/** Every failure of one `update` call; the update still applied everything else. */
export class PeerListUpdateError extends PeerListError {
  readonly errors: readonly unknown[];
  constructor(errors: readonly unknown[]) {
    const summary = errors.map((e) => (e instanceof Error ? e.message : String(e))).join('; ');
    super(PeerListErrorCode.UpdateFailed, `peer list update had ${errors.length} failure(s): ${summary}`);
    this.errors = errors;
  }
}
