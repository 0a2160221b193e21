import type { Clock, Random } from '@shoal/kit';
import type { Implementation } from './implementation.js';
import type { Transport, TransportPeer } from './transport.js';

export interface PeerListOptions<P extends TransportPeer> {
  /** Appears in errors and introspection. Default "peerlist". */
  name?: string;
  transport: Transport<P>;
  /** The strategy over available peers. Each list needs its own instance. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  implementation: Implementation<any>;
  /** Deadlines and latency are measured on this clock. Default: the real clock. */
  clock?: Clock;
  /** Shuffles additions. Default: seeded from `seed`, else from the OS. */
  random?: Random;
  seed?: number;
  /** Free chooser handles kept ready (yarpc Capacity). Default 10; must be > 0. */
  capacity?: number;
  /** Apply additions in the order given instead of shuffling each batch. */
  noShuffle?: boolean;
  /** Never wait in choose: fail at once when no peer is available. */
  failFast?: boolean;
  /** Deadline of a choose given no deadline or timeout. Default 500 ms; Infinity waits until aborted. */
  defaultChooseTimeoutMs?: number;
  /**
   * Panic threshold (Envoy): when fewer than this share (0..1) of retained
   * peers are choosable, choose among every retained peer, available or not.
   * Default 0 (off).
   */
  panicThreshold?: number;
  /** Strategy used while panicking; it is given every retained peer. Default round-robin. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  panicImplementation?: Implementation<any>;
}

export interface ChooseOptions {
  /** Request key, for key-aware strategies such as consistent hashing. */
  key?: string;
  /** Stop waiting when this fires. */
  signal?: AbortSignal;
  /** Absolute deadline on the list's Clock (`clock.now()` scale). */
  deadline?: number;
  /** Relative deadline; the earlier of this and `deadline` applies. */
  timeoutMs?: number;
}

export interface ListUpdates {
  additions?: readonly string[];
  removals?: readonly string[];
}

export interface ChooserStatus {
  name: string;
  state: string;
  peers: { identifier: string; state: string }[];
}
