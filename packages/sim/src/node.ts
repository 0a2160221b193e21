/**
 * A simulated host: an address, packet sockets, stream listeners, a disk, and
 * a crash/restart switch.
 *
 * Crash means: the node stops sending and receiving; its sockets and listeners
 * are closed; its streams break (the local end fails with ENETDOWN, the remote
 * end receives a reset after one link latency); its pending dials fail; its
 * disk loses what was not synced. Crash does NOT cancel timers or stop code
 * that is still running: the owner of the node decides what crash means to its
 * own state, through `onCrash` hooks (e.g. `node.clock.cancelAll()`).
 */
import type { Random } from '@shoal/kit';
import { formatAddress } from './address.js';
import { dial, type DialOptions } from './dial.js';
import { SimDisk } from './disk.js';
import { SimNetworkError } from './errors.js';
import type { Latency } from './latency.js';
import type { SimNetwork } from './network.js';
import { PacketSocket, type PacketHandler } from './packet.js';
import { SimListener } from './listener.js';
import type { SimStream } from './stream.js';
import type { TimerGroup } from './timer.js';
import { TraceKind } from './trace.js';

export interface SimNodeOptions {
  /** Delay between a message's arrival and its handling (a slow node). Default none. */
  processingDelay?: Latency;
}

/** Traffic counters of one node; packets and streams separately. */
export class NodeStats {
  packetsSent = 0;
  packetBytesSent = 0;
  packetsReceived = 0;
  packetBytesReceived = 0;
  streamBytesSent = 0;
  streamBytesReceived = 0;
  streamsOpened = 0;
}

const FIRST_EPHEMERAL_PORT = 49152;

export class SimNode {
  readonly network: SimNetwork;
  /** Dense index of this node in its network (0, 1, 2, ...). */
  readonly id: number;
  readonly host: string;
  readonly stats = new NodeStats();
  /** A Clock for this node's owner; `clock.cancelAll()` stops every timer created through it. */
  readonly clock: TimerGroup;
  /** A generator for this node's owner, forked from the simulation seed. */
  readonly random: Random;
  /** Partition group (see SimNetwork.split) and isolation flag; managed by the network. */
  group = 0;
  isolated = false;
  /** Stream ends owned by this node that are still open. */
  readonly streams = new Set<SimStream>();
  /** Dials in progress from this node; failed on crash. */
  readonly pendingDials = new Set<(error: Error) => void>();

  #alive = true;
  #incarnation = 0;
  #processingDelay: Latency | undefined;
  #lastHandoff = 0;
  #nextEphemeral = FIRST_EPHEMERAL_PORT;
  #disk: SimDisk | undefined;
  readonly #packetSockets = new Map<number, PacketSocket>();
  readonly #listeners = new Map<number, SimListener>();
  readonly #crashHooks = new Set<() => void>();
  readonly #restartHooks = new Set<() => void>();

  constructor(network: SimNetwork, id: number, host: string, options: SimNodeOptions) {
    this.network = network;
    this.id = id;
    this.host = host;
    this.clock = network.sim.timerGroup();
    this.random = network.sim.fork();
    this.#processingDelay = options.processingDelay;
  }

  get alive(): boolean {
    return this.#alive;
  }

  /** Increments at each crash; deliveries meant for an earlier incarnation are dropped. */
  get incarnation(): number {
    return this.#incarnation;
  }

  /** The node's disk (created on first use with the network's disk options). It crashes with the node. */
  get disk(): SimDisk {
    this.#disk ??= new SimDisk(this.network.sim, { ...this.network.diskOptions, name: this.host });
    return this.#disk;
  }

  address(port: number): string {
    return formatAddress(this.host, port);
  }

  // ---- slow handling ----

  get processingDelay(): Latency | undefined {
    return this.#processingDelay;
  }

  /** Makes the node slow (each message handled after a drawn delay) or, with undefined, normal again. */
  set processingDelay(delay: Latency | undefined) {
    this.#processingDelay = delay;
  }

  /**
   * When a message arriving now gets handled: now for a normal node; for a
   * slow one now + a drawn delay, never before an earlier arrival (FIFO).
   */
  handoffTime(): number {
    const now = this.network.sim.now();
    if (this.#processingDelay === undefined) return now;
    const t = Math.max(now + this.#processingDelay.sample(this.network.random), this.#lastHandoff);
    this.#lastHandoff = t;
    return t;
  }

  // ---- sockets ----

  /** Binds a datagram socket; port 0 picks a free ephemeral port. */
  bindPacket(port: number, onPacket: PacketHandler): PacketSocket {
    this.#assertAlive();
    const p = port === 0 ? this.ephemeralPort() : port;
    if (this.#packetSockets.has(p)) throw new SimNetworkError('EADDRINUSE', `${this.address(p)} already has a packet socket`);
    const socket = new PacketSocket(this, p, onPacket, () => this.#packetSockets.delete(p));
    this.#packetSockets.set(p, socket);
    return socket;
  }

  packetSocket(port: number): PacketSocket | undefined {
    return this.#packetSockets.get(port);
  }

  /** Listens for stream connections; without a handler, take them with `accept()`. Port 0 picks a free port. */
  listen(port: number, onConnection?: (stream: SimStream) => void): SimListener {
    this.#assertAlive();
    const p = port === 0 ? this.ephemeralPort() : port;
    if (this.#listeners.has(p)) throw new SimNetworkError('EADDRINUSE', `${this.address(p)} already has a listener`);
    const listener = new SimListener(this, p, onConnection, () => this.#listeners.delete(p));
    this.#listeners.set(p, listener);
    return listener;
  }

  listener(port: number): SimListener | undefined {
    return this.#listeners.get(port);
  }

  /** Opens a stream to "host:port". Rejects with ECONNREFUSED, ETIMEDOUT, ENETDOWN or the signal's reason. */
  dial(address: string, options: DialOptions = {}): Promise<SimStream> {
    return dial(this, address, options);
  }

  ephemeralPort(): number {
    for (;;) {
      const p = this.#nextEphemeral;
      this.#nextEphemeral = p >= 65535 ? FIRST_EPHEMERAL_PORT : p + 1;
      if (!this.#packetSockets.has(p) && !this.#listeners.has(p)) return p;
    }
  }

  #assertAlive(): void {
    if (!this.#alive) throw new SimNetworkError('ENETDOWN', `node ${this.host} is crashed`);
  }

  // ---- crash and restart ----

  /** Registers a hook run after the node crashes; returns its removal. */
  onCrash(hook: () => void): () => void {
    this.#crashHooks.add(hook);
    return () => this.#crashHooks.delete(hook);
  }

  /** Registers a hook run after the node restarts; returns its removal. */
  onRestart(hook: () => void): () => void {
    this.#restartHooks.add(hook);
    return () => this.#restartHooks.delete(hook);
  }

  /** Crashes the node (see the file comment). No effect when already crashed. */
  crash(): void {
    if (!this.#alive) return;
    this.#alive = false;
    this.#incarnation++;
    const trace = this.network.sim.trace;
    trace.begin(TraceKind.nodeCrashed);
    trace.float(this.network.sim.now());
    trace.word(this.id);
    for (const socket of [...this.#packetSockets.values()]) socket.close();
    for (const listener of [...this.#listeners.values()]) listener.close();
    const down = (): SimNetworkError => new SimNetworkError('ENETDOWN', `node ${this.host} crashed`);
    for (const stream of [...this.streams]) stream.crashLocal(down());
    for (const fail of [...this.pendingDials]) fail(down());
    this.#lastHandoff = 0;
    this.#disk?.crash();
    for (const hook of [...this.#crashHooks]) hook();
  }

  /** Brings a crashed node back: empty of sockets; its owner binds them again. */
  restart(): void {
    if (this.#alive) return;
    this.#alive = true;
    const trace = this.network.sim.trace;
    trace.begin(TraceKind.nodeRestarted);
    trace.float(this.network.sim.now());
    trace.word(this.id);
    for (const hook of [...this.#restartHooks]) hook();
  }
}
