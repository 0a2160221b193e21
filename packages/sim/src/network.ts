/**
 * The simulated network: hosts (SimNode), the links between them, and
 * partitions. Datagram and stream mechanics live in packet.ts and stream.ts;
 * this file decides who can reach whom, and how a link behaves.
 *
 * Partitions are checked when a datagram is sent (one already in flight still
 * arrives) and when a connection is dialled. Any partition change resets every
 * open stream whose two ends can no longer reach each other in both directions:
 * TCP cannot run over a one-way path, and a reset is what the endpoints would
 * eventually see.
 */
import type { Random } from '@shoal/kit';
import { nthPrivateIPv4, parseAddress } from './address.js';
import type { SimDiskOptions } from './disk.js';
import { SimNetworkError } from './errors.js';
import { DEFAULT_LINK, mergeLink, type Link, type LinkOptions } from './link.js';
import { SimNode, type SimNodeOptions } from './node.js';
import type { Simulation } from './simulation.js';
import type { SimStream } from './stream.js';
import { TraceKind } from './trace.js';

export interface NetworkOptions {
  /** Default behaviour of every link. */
  link?: LinkOptions;
  /** Largest datagram `send` accepts; larger ones throw EMSGSIZE. Default 65,507 (IPv4 UDP payload limit). */
  maxDatagramBytes?: number;
  /** Dial timeout when the caller gives none. Default 10,000 ms. */
  defaultDialTimeoutMs?: number;
  /** Extra delay of a stream segment that the link "lost" (TCP retransmission). Default 200 ms. */
  retransmitDelayMs?: number;
  /** Options of each node's disk. */
  disk?: SimDiskOptions;
  /** Source of the network's random choices. Default: a fork of the simulation's root generator. */
  random?: Random;
}

/** A host, given by its node or its host string. */
export type HostRef = SimNode | string;

/** Why datagrams were dropped, network-wide. */
export interface DropCounts {
  lost: number;
  partitioned: number;
  nodeDown: number;
  noSocket: number;
  unknownHost: number;
}

export interface NetworkStats {
  packetsSent: number;
  packetsDelivered: number;
  packetsDuplicated: number;
  packetsReordered: number;
  dropped: DropCounts;
  streamsOpened: number;
  streamResets: number;
  dialsRefused: number;
  dialsTimedOut: number;
}

interface Resolved {
  node: SimNode;
  port: number;
}

const PAIR_FACTOR = 2 ** 26;

export class SimNetwork {
  readonly sim: Simulation;
  readonly random: Random;
  readonly maxDatagramBytes: number;
  readonly defaultDialTimeoutMs: number;
  readonly retransmitDelayMs: number;
  readonly diskOptions: SimDiskOptions;
  readonly stats: NetworkStats = {
    packetsSent: 0,
    packetsDelivered: 0,
    packetsDuplicated: 0,
    packetsReordered: 0,
    dropped: { lost: 0, partitioned: 0, nodeDown: 0, noSocket: 0, unknownHost: 0 },
    streamsOpened: 0,
    streamResets: 0,
    dialsRefused: 0,
    dialsTimedOut: 0,
  };
  /** Stream ends that are open, for partition and crash handling. */
  readonly openStreams = new Set<SimStream>();

  readonly #nodes: SimNode[] = [];
  readonly #byHost = new Map<string, SimNode>();
  readonly #resolved = new Map<string, Resolved | null>();
  #defaultLink: Link;
  readonly #links = new Map<number, Link>();
  readonly #blocked = new Set<number>();
  #isolated = 0;
  #split = false;
  #partitioned = false;
  #partitionChanges = 0;
  #nextStreamId = 1;

  constructor(sim: Simulation, options: NetworkOptions = {}) {
    this.sim = sim;
    this.random = options.random ?? sim.fork();
    this.maxDatagramBytes = options.maxDatagramBytes ?? 65_507;
    this.defaultDialTimeoutMs = options.defaultDialTimeoutMs ?? 10_000;
    this.retransmitDelayMs = options.retransmitDelayMs ?? 200;
    this.diskOptions = options.disk ?? {};
    this.#defaultLink = mergeLink(DEFAULT_LINK, options.link ?? {});
  }

  // ---- nodes ----

  /** Adds a host. Without a name it gets the next of 10.0.0.1, 10.0.0.2, ... */
  addNode(host?: string, options: SimNodeOptions = {}): SimNode {
    const name = host ?? nthPrivateIPv4(this.#nodes.length + 1);
    if (name.length === 0 || this.#byHost.has(name)) throw new SimNetworkError('EADDRINUSE', `host ${JSON.stringify(name)} already exists or is empty`);
    const node = new SimNode(this, this.#nodes.length, name, options);
    this.#nodes.push(node);
    this.#byHost.set(name, node);
    this.#resolved.clear();
    return node;
  }

  /** The node with this host name; throws if there is none. */
  node(host: string): SimNode {
    const node = this.#byHost.get(host);
    if (node === undefined) throw new SimNetworkError('EHOSTUNREACH', `no simulated host ${JSON.stringify(host)}`);
    return node;
  }

  get nodes(): readonly SimNode[] {
    return this.#nodes;
  }

  /** The node and port an address names, or undefined for an unknown host. Throws on malformed addresses. */
  resolve(address: string): Resolved | undefined {
    let hit = this.#resolved.get(address);
    if (hit === undefined) {
      const { host, port } = parseAddress(address);
      const node = this.#byHost.get(host);
      hit = node === undefined ? null : { node, port };
      this.#resolved.set(address, hit);
    }
    return hit ?? undefined;
  }

  #ref(ref: HostRef): SimNode {
    return typeof ref === 'string' ? this.node(ref) : ref;
  }

  #refs(refs: HostRef | readonly HostRef[]): SimNode[] {
    return Array.isArray(refs) ? refs.map((r: HostRef) => this.#ref(r)) : [this.#ref(refs as HostRef)];
  }

  /** Ids for the two ends of a new stream (consecutive, the first is returned). */
  allocateStreamIds(): number {
    const id = this.#nextStreamId;
    this.#nextStreamId += 2;
    return id;
  }

  // ---- links ----

  /** Changes the default behaviour of all links (overrides set with setLink keep their own fields). */
  setDefaultLink(options: LinkOptions): void {
    this.#defaultLink = mergeLink(this.#defaultLink, options);
  }

  /** Sets how the direction from → to behaves (fields not given come from the current default). */
  setLink(from: HostRef | readonly HostRef[], to: HostRef | readonly HostRef[], options: LinkOptions): void {
    for (const a of this.#refs(from)) {
      for (const b of this.#refs(to)) this.#links.set(a.id * PAIR_FACTOR + b.id, mergeLink(this.#defaultLink, options));
    }
  }

  /** Sets both directions between a and b. */
  setLinkBoth(a: HostRef | readonly HostRef[], b: HostRef | readonly HostRef[], options: LinkOptions): void {
    this.setLink(a, b, options);
    this.setLink(b, a, options);
  }

  /** Removes every per-link override. */
  clearLinks(): void {
    this.#links.clear();
  }

  /** The link model for the direction src → dst. */
  link(src: SimNode, dst: SimNode): Link {
    if (this.#links.size === 0) return this.#defaultLink;
    return this.#links.get(src.id * PAIR_FACTOR + dst.id) ?? this.#defaultLink;
  }

  // ---- partitions ----

  /** Whether traffic from src can currently reach dst (a node always reaches itself). */
  reachable(src: SimNode, dst: SimNode): boolean {
    if (!this.#partitioned || src === dst) return true;
    if (src.isolated || dst.isolated) return false;
    if (this.#split && src.group !== dst.group) return false;
    return !this.#blocked.has(src.id * PAIR_FACTOR + dst.id);
  }

  /** Whether `from` can reach `to` (by host). */
  canReach(from: HostRef, to: HostRef): boolean {
    return this.reachable(this.#ref(from), this.#ref(to));
  }

  /** Blocks the direction from → to only (an asymmetric partition): to can still reach from. */
  block(from: HostRef | readonly HostRef[], to: HostRef | readonly HostRef[]): void {
    for (const a of this.#refs(from)) for (const b of this.#refs(to)) if (a !== b) this.#blocked.add(a.id * PAIR_FACTOR + b.id);
    this.#partitionChanged();
  }

  /** Undoes `block` for from → to. */
  unblock(from: HostRef | readonly HostRef[], to: HostRef | readonly HostRef[]): void {
    for (const a of this.#refs(from)) for (const b of this.#refs(to)) this.#blocked.delete(a.id * PAIR_FACTOR + b.id);
    this.#partitionChanged();
  }

  /** Blocks both directions between every host of a and every host of b. */
  blockBoth(a: HostRef | readonly HostRef[], b: HostRef | readonly HostRef[]): void {
    this.block(a, b);
    this.block(b, a);
  }

  /**
   * Splits the network into groups that cannot reach each other (both ways).
   * Hosts not listed form one more group together. Cheap for any cluster size.
   */
  split(...groups: readonly (readonly HostRef[])[]): void {
    for (const node of this.#nodes) node.group = 0;
    groups.forEach((group, i) => {
      for (const node of this.#refs(group)) node.group = i + 1;
    });
    this.#split = groups.length > 0;
    this.#partitionChanged();
  }

  /** Cuts a host off from every other host (both directions), or reconnects it. */
  isolate(host: HostRef, isolated = true): void {
    const node = this.#ref(host);
    if (node.isolated === isolated) return;
    node.isolated = isolated;
    this.#isolated += isolated ? 1 : -1;
    this.#partitionChanged();
  }

  /** Removes every partition: blocks, splits and isolations. */
  heal(): void {
    this.#blocked.clear();
    for (const node of this.#nodes) {
      node.group = 0;
      node.isolated = false;
    }
    this.#isolated = 0;
    this.#split = false;
    this.#partitionChanged();
  }

  #partitionChanged(): void {
    this.#partitioned = this.#isolated > 0 || this.#split || this.#blocked.size > 0;
    const trace = this.sim.trace;
    trace.begin(TraceKind.partition);
    trace.float(this.sim.now());
    trace.word(++this.#partitionChanges);
    if (!this.#partitioned) return;
    for (const stream of [...this.openStreams]) {
      const peer = stream.peerNode;
      if (!this.reachable(stream.node, peer) || !this.reachable(peer, stream.node)) {
        stream.fail(new SimNetworkError('ECONNRESET', `connection ${stream.localAddress} -> ${stream.remoteAddress} broken by a partition`));
      }
    }
  }
}
