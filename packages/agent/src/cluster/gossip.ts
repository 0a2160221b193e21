// The agent's memberlist: the UDP/TCP NetTransport, the agent's tags as node
// meta, and the gossip key (Consul's -encrypt) when one is given.

import type { Clock, Logger, Metrics, Random } from '@shoal/kit';
import { CONFIG_PROFILES, type Config as MemberlistConfig, type ConfigProfile, createNetMemberlist, type Memberlist } from '@shoal/memberlist';

export interface GossipOptions {
  readonly bind: { readonly host: string; readonly port: number };
  /** The address other agents reach this one at; default: the bound one (a private IP of this machine for a wildcard bind). */
  readonly advertise?: { readonly host: string; readonly port: number };
  /** 16, 24 or 32-byte AES key encrypting all gossip. */
  readonly key?: Uint8Array;
  /** memberlist's timing profile (default lan). */
  readonly profile?: ConfigProfile;
  /** Further overrides of the profile (tests shorten timings). */
  readonly config?: Partial<MemberlistConfig>;
}

export interface GossipContext {
  readonly name: string;
  /** The node meta, read whenever memberlist advertises this node. */
  readonly meta: () => Uint8Array;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

export function startGossip(options: GossipOptions, context: GossipContext): Promise<Memberlist> {
  const config = CONFIG_PROFILES[options.profile ?? 'lan']({
    name: context.name,
    bindAddr: options.bind.host,
    bindPort: options.bind.port,
    advertiseAddr: options.advertise?.host ?? '',
    advertisePort: options.advertise?.port ?? options.bind.port,
    clock: context.clock,
    random: context.random,
    logger: context.logger,
    metrics: context.metrics,
    delegate: {
      nodeMeta: () => context.meta(),
      notifyMsg: () => {},
      getBroadcasts: () => [],
      localState: () => new Uint8Array(0),
      mergeRemoteState: () => {},
    },
    ...(options.key !== undefined ? { secretKey: options.key } : {}),
    ...options.config,
  });
  return createNetMemberlist(config);
}
