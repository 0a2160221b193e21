// Everything the handlers use, injected: the store (servers only), the
// replicator, this agent's local state and identity, membership, time and
// randomness.
import type { Clock, Logger, Random } from '@shoal/kit';
import type { Forwarder } from '../forwarder.js';
import type { AntiEntropy } from '../local/anti-entropy.js';
import type { LocalState } from '../local/local-state.js';
import type { MemberView } from '../member-view.js';
import type { Replicator } from '../replicator.js';
import type { StateStore } from '../state/store.js';

/** Resets a session's TTL on the leader; false when the session does not exist. */
export interface SessionRenewer {
  renew(id: string): boolean | Promise<boolean>;
}

export interface ApiContext {
  /** Undefined on a client agent: requests outside /v1/agent/ then go to `forwarder`. */
  readonly store?: StateStore;
  readonly forwarder?: Forwarder;
  readonly replicator: Replicator;
  readonly renewer: SessionRenewer;
  readonly local: LocalState;
  readonly antiEntropy: AntiEntropy;
  readonly members: MemberView;
  readonly nodeName: string;
  readonly nodeId: string;
  readonly datacenter: string;
  readonly server: boolean;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
}
