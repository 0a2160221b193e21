import type { Clock, Labels, Logger, Metrics, Random } from '@shoal/kit';
import type { AckTable } from './acks.js';
import type { Awareness } from './awareness.js';
import type { Config } from './config.js';
import type { EventDispatcher } from './events.js';
import type { TransmitLimitedQueue } from './queue.js';
import type { MemberState } from './state.js';
import type { NodeAwareTransport } from './transport.js';
import type { WireSecurity } from './wire/packet.js';

/** The internals the engine's parts share (probe, gossip, packets, streams). */
export interface EngineContext {
  readonly config: Config;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly labels: Labels | undefined;
  readonly transport: NodeAwareTransport;
  readonly state: MemberState;
  readonly broadcasts: TransmitLimitedQueue;
  readonly awareness: Awareness;
  readonly dispatch: EventDispatcher;
  readonly acks: AckTable;
  /** Label, keyring and verification flags, as the wire pipeline takes them. */
  readonly security: WireSecurity;
  /** What we advertise: our IP (4 or 16 bytes) and port. */
  readonly advertise: { addr: Uint8Array; port: number };
  /** True once shutdown() has begun. */
  readonly stopped: () => boolean;
}
