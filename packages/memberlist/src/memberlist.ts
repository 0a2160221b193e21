import { createRandom, realClock, sleep, type Random } from '@shoal/kit';
import { parseCIDRs, type Address } from './address.js';
import { AckTable } from './acks.js';
import { Awareness } from './awareness.js';
import { buildVsn, validateConfig, type Config } from './config.js';
import type { EngineContext } from './context.js';
import type { NodeEvent, NodeEventType } from './delegates.js';
import { MemberlistError, MemberlistErrorCode } from './errors.js';
import { joinAll, missingSeeds } from './join.js';
import { SettleSync } from './join-settle.js';
import { EventDispatcher, type EventStreamOptions, type MemberlistEvents } from './events.js';
import { gossipRound } from './gossip.js';
import { Inbox } from './inbox.js';
import type { Node } from './node.js';
import { Outbox } from './outbox.js';
import { Prober } from './probe.js';
import { TransmitLimitedQueue } from './queue.js';
import { MemberState } from './state.js';
import type { PreloadSet } from './node-table.js';
import { Streams } from './streams.js';
import { nodeAware, type NodeAwareTransport } from './transport.js';
import { kRandomIndexes, pushPullScale } from './util.js';
import { Scheduler } from './scheduler.js';
import { Keyring } from './wire/keyring.js';
import type { WireSecurity } from './wire/packet.js';
import { NodeStateType } from './wire/types.js';

/** Options of {@link Memberlist.join}. */
export interface JoinOptions {
  /** Stops between addresses, and abandons the push/pull in progress (its reply is not merged). */
  signal?: AbortSignal;
}

/**
 * A member of a gossip cluster (Go's Memberlist): failure detection by SWIM
 * with Lifeguard, dissemination by gossip and push/pull, and the Go API.
 * Create one with {@link create}.
 */
export class Memberlist {
  readonly config: Config;
  readonly #ctx: EngineContext;
  readonly #outbox: Outbox;
  readonly #inbox: Inbox;
  readonly #streams: Streams;
  readonly #prober: Prober;
  readonly #scheduler: Scheduler;
  readonly #settle: SettleSync;
  readonly #seeds = new Set<string>();
  #stopped = false;
  readonly #stopSignal = new AbortController();
  #leaving: Promise<void> | undefined;

  private constructor(config: Config, ctx: EngineContext, outbox: Outbox, inbox: Inbox, streams: Streams, prober: Prober) {
    this.config = config;
    this.#ctx = ctx;
    this.#outbox = outbox;
    this.#inbox = inbox;
    this.#streams = streams;
    this.#prober = prober;
    this.#scheduler = new Scheduler(ctx.clock, ctx.random, (fn) => this.#guard(fn));
    this.#settle = new SettleSync(
      config.joinSettleSyncMs,
      () => ctx.clock.now(),
      (delayMs, fn) => this.#scheduler.once(delayMs, fn),
      () => this.#pushPullRandom(),
    );
  }

  /**
   * Starts a member (Go's Create): validates the config, starts listening,
   * adds this node at incarnation 1, and starts probing, gossip and push/pull.
   * It joins nobody; call join() for that.
   */
  static async create(input: Config): Promise<Memberlist> {
    validateConfig(input);
    const config: Config = { ...input };
    if (!config.transport) {
      throw new MemberlistError(MemberlistErrorCode.InvalidConfig, 'config.transport is required (NetTransport for real networks, MockNetwork in tests)');
    }
    if (config.secretKey !== undefined && config.secretKey.length > 0) {
      if (!config.keyring) config.keyring = Keyring.create([], config.secretKey);
      else {
        config.keyring.addKey(config.secretKey);
        config.keyring.useKey(config.secretKey);
      }
    }
    let cidrs;
    if (config.cidrsAllowed !== undefined) {
      const parsed = parseCIDRs(config.cidrsAllowed);
      if (parsed.errors.length > 0) throw new MemberlistError(MemberlistErrorCode.InvalidConfig, `config.cidrsAllowed: ${parsed.errors.join('; ')}`);
      cidrs = parsed.nets;
    }
    const clock = config.clock ?? realClock;
    const random: Random = config.random ?? createRandom();
    const transport: NodeAwareTransport = nodeAware(config.transport);
    const advertise = transport.finalAdvertiseAddr(config.advertiseAddr, config.advertisePort);
    // `local`, not `node`: log lines use `node` for the member they are about (pino would print both keys).
    const logger = config.logger.child({ local: config.name });
    const security: WireSecurity = {
      keyring: config.keyring,
      encryptionVersion: config.protocolVersion === 1 ? 0 : 1,
      gossipVerifyIncoming: config.gossipVerifyIncoming,
      gossipVerifyOutgoing: config.gossipVerifyOutgoing,
      label: config.label,
      skipInboundLabelCheck: config.skipInboundLabelCheck,
      // A seeded Random makes runs replayable, nonces included; real use takes them from the OS.
      ...(config.random ? { randomBytes: (n: number) => Uint8Array.from({ length: n }, () => random.int(256)) } : {}),
    };
    const dispatch = new EventDispatcher(logger, config.events);
    const awareness = new Awareness(config.awarenessMaxMultiplier, config.metrics, config.metricLabels);
    const broadcasts = new TransmitLimitedQueue({ numNodes: () => state.table.length, retransmitMult: config.retransmitMult });
    let stopped = false;
    let memberAppeared = (): void => {};
    const state: MemberState = new MemberState({
      config,
      clock,
      random,
      logger,
      metrics: config.metrics,
      broadcasts,
      awareness,
      ipRefused: (ip) => inbox.ipRefused(ip),
      emit: (e) => {
        dispatch.emit(e);
        if (e.type === 'join') memberAppeared();
      },
      conflict: (existing, other) => dispatch.post(() => config.conflict?.notifyConflict(existing, other)),
    });
    const ctx: EngineContext = {
      config,
      clock,
      random,
      logger,
      metrics: config.metrics,
      labels: config.metricLabels,
      transport,
      state,
      broadcasts,
      awareness,
      dispatch,
      acks: new AckTable(clock),
      security,
      advertise: { addr: advertise.ip, port: advertise.port },
      stopped: () => stopped,
    };
    const outbox = new Outbox(ctx);
    const inbox: Inbox = new Inbox(ctx, outbox, cidrs);
    const streams = new Streams(ctx, outbox, inbox);
    const prober = new Prober(ctx, outbox, streams);
    const m = new Memberlist(config, ctx, outbox, inbox, streams, prober);
    m.#onStop = () => (stopped = true);
    memberAppeared = () => m.#settle.grew();
    transport.listen({ packet: (p) => inbox.packet(p), stream: (conn) => streams.accept(conn), frame: (f, from, ts) => inbox.frame(f, from, ts) });
    try {
      m.#setAlive();
    } catch (e) {
      await m.shutdown();
      throw e;
    }
    m.#schedule();
    return m;
  }

  #onStop: () => void = () => {};

  #setAlive(): void {
    const { state, advertise, dispatch } = this.#ctx;
    const meta = this.#nodeMeta();
    const inc = state.nextIncarnation();
    dispatch.run(() =>
      state.aliveNode({ incarnation: inc, node: this.config.name, addr: advertise.addr, port: advertise.port, meta, vsn: buildVsn(this.config) }, undefined, true),
    );
    if (state.table.indexOf(this.config.name) < 0) throw new MemberlistError(MemberlistErrorCode.Vetoed, 'the alive delegate refused the local node');
  }

  #nodeMeta(): Uint8Array | undefined {
    const d = this.config.delegate;
    if (!d) return undefined;
    const meta = d.nodeMeta(this.config.metaMaxSize);
    if (meta.length > this.config.metaMaxSize) {
      throw new MemberlistError(MemberlistErrorCode.MetaTooLarge, `node meta is ${meta.length} bytes, more than the limit of ${this.config.metaMaxSize}`);
    }
    return meta;
  }

  /** Starts the periodic tasks (probe, gossip, push/pull, and the optional ones). */
  #schedule(): void {
    const c = this.config;
    const ctx = this.#ctx;
    const s = this.#scheduler;
    if (c.probeIntervalMs > 0) s.every(c.probeIntervalMs, () => this.#prober.tick());
    if (c.gossipIntervalMs > 0 && c.gossipNodes > 0) {
      // Go's ticker fires even with nothing queued; those rounds send nothing, so here they do not run at all.
      const busy = (): boolean => ctx.broadcasts.numQueued() > 0 || c.delegate !== undefined;
      ctx.broadcasts.onQueued = s.whileBusy(c.gossipIntervalMs, busy, () => gossipRound(ctx, this.#outbox));
    }
    if (c.pushPullIntervalMs > 0) s.chain(c.pushPullIntervalMs, () => pushPullScale(c.pushPullIntervalMs, ctx.state.table.length), () => this.#pushPullRandom());
    if (c.rejoinIntervalMs > 0) s.every(c.rejoinIntervalMs, () => this.#rejoinSeeds());
    // Go v0.5+ samples the broadcast queue depth for its metrics.
    if (c.queueCheckIntervalMs > 0) s.every(c.queueCheckIntervalMs, () => ctx.metrics.setGauge('memberlist.queue.broadcasts', ctx.broadcasts.numQueued(), ctx.labels));
  }

  #guard(fn: () => void): void {
    if (this.#stopped) return;
    try {
      this.#ctx.dispatch.run(fn);
    } catch (err) {
      this.#ctx.logger.error({ err }, 'memberlist: periodic task failed');
    }
  }

  /** Anti-entropy with one random alive member (Go's pushPull). */
  #pushPullRandom(): void {
    const t = this.#ctx.state.table;
    const [i] = kRandomIndexes(this.#ctx.random, 1, t.length, (j) => t.name(j) === this.config.name || t.state(j) !== NodeStateType.Alive);
    if (i === undefined) return;
    const to = t.info(i).fullAddress;
    this.#streams.pushPull(to, false).catch((err: unknown) => this.#ctx.logger.warn({ err, to: to.name }, 'memberlist: push/pull failed'));
  }

  /** Beyond Go: rejoin seed addresses that are not live members (after a partition heals). */
  #rejoinSeeds(): void {
    const missing = missingSeeds(this.#ctx.state.table, this.#seeds, this.config.name, this.config.bindPort);
    if (missing.length === 0) return;
    joinAll(this.#streams, missing, this.config.bindPort, this.#ctx.logger, this.config.tcpTimeoutMs).catch((err: unknown) => this.#ctx.logger.debug({ err }, 'memberlist: rejoin found no seed'));
  }

  /**
   * Joins a cluster through existing members (Go's Join): a push/pull with
   * each address ("host:port", "host" for the bind port, or "name/host:port").
   * Resolves the number of members contacted; rejects with a JoinError if none
   * was, or with the signal's reason when aborted.
   */
  async join(existing: readonly string[], options: JoinOptions = {}): Promise<number> {
    this.#assertRunning();
    for (const s of existing) this.#seeds.add(s);
    const timeoutMs = this.config.joinTimeoutMult * this.config.tcpTimeoutMs;
    // Shutdown abandons a join in progress, as the caller's signal does.
    const signal = options.signal ? AbortSignal.any([options.signal, this.#stopSignal.signal]) : this.#stopSignal.signal;
    const contacted = await joinAll(this.#streams, existing, this.config.bindPort, this.#ctx.logger, timeoutMs, signal);
    let lastSyncMs = 0;
    for (const delayMs of this.config.joinSyncDelaysMs) {
      const atMs = delayMs * (1 + this.#ctx.random.float());
      lastSyncMs = Math.max(lastSyncMs, atMs);
      this.#scheduler.once(atMs, () => this.#pushPullRandom());
    }
    if (lastSyncMs > 0) this.#settle.open(lastSyncMs);
    return contacted;
  }

  /**
   * Leaves gracefully (Go's Leave): broadcasts that this node left and waits
   * up to `timeoutMs` (0 = no limit) for it to go out. Listeners keep running
   * until shutdown(). A left member cannot rejoin; create a new one.
   */
  async leave(timeoutMs: number): Promise<void> {
    if (this.#stopped) throw new MemberlistError(MemberlistErrorCode.Shutdown, 'leave after shutdown');
    if (this.#leaving) return this.#leaving;
    const { state, dispatch } = this.#ctx;
    state.markLeft();
    const i = state.table.indexOf(this.config.name);
    if (i < 0) return;
    let done!: () => void;
    const sent = new Promise<void>((resolve) => (done = resolve));
    dispatch.run(() => state.deadNode({ incarnation: state.table.incarnation(i), node: this.config.name, from: this.config.name }, () => dispatch.post(done)));
    this.#leaving = this.#anyAlive() ? this.#waitFor(sent, timeoutMs, 'leave') : Promise.resolve();
    return this.#leaving;
  }

  /**
   * Re-advertises this node, with fresh meta from the delegate (Go's
   * UpdateNode), and waits up to `timeoutMs` (0 = no limit) for the broadcast.
   */
  async updateNode(timeoutMs: number): Promise<void> {
    this.#assertRunning();
    const { state, dispatch } = this.#ctx;
    const meta = this.#nodeMeta();
    const i = state.table.indexOf(this.config.name);
    if (i < 0) return;
    const me = state.table.info(i);
    let done!: () => void;
    const sent = new Promise<void>((resolve) => (done = resolve));
    const alive = { incarnation: state.nextIncarnation(), node: me.name, addr: me.addr, port: me.port, meta, vsn: buildVsn(this.config) };
    dispatch.run(() => state.aliveNode(alive, () => dispatch.post(done), true));
    if (this.#anyAlive()) await this.#waitFor(sent, timeoutMs, 'update');
  }

  async #waitFor(sent: Promise<void>, timeoutMs: number, what: string): Promise<void> {
    if (timeoutMs <= 0) return sent;
    const timeout = sleep(this.#ctx.clock, timeoutMs).then(() => 'timeout' as const);
    const r = await Promise.race([sent.then(() => 'sent' as const), timeout]);
    if (r === 'timeout') throw new MemberlistError(MemberlistErrorCode.BroadcastTimeout, `timeout waiting for ${what} broadcast`);
  }

  #anyAlive(): boolean {
    const t = this.#ctx.state.table;
    for (let i = 0; i < t.length; i++) if (!t.deadOrLeft(i) && t.name(i) !== this.config.name) return true;
    return false;
  }

  /** Alive and suspect members, this node included (Go's Members). Snapshots: later changes do not show. */
  members(): Node[] {
    const t = this.#ctx.state.table;
    const out: Node[] = [];
    for (let i = 0; i < t.length; i++) if (!t.deadOrLeft(i)) out.push(t.node(i));
    return out;
  }

  /** How many members are alive or suspect (Go's NumMembers). */
  numMembers(): number {
    return this.#ctx.state.table.liveCount;
  }

  /** This node (Go's LocalNode). */
  localNode(): Node {
    const t = this.#ctx.state.table;
    return t.node(t.indexOf(this.config.name));
  }

  /** Every known member, including dead and left ones not yet forgotten, with incarnations: for diagnostics. */
  allNodes(): { node: Node; incarnation: number; stateChangeMs: number }[] {
    const t = this.#ctx.state.table;
    const out = [];
    for (let i = 0; i < t.length; i++) out.push({ node: t.node(i), incarnation: t.incarnation(i), stateChangeMs: t.stateChangeMs(i) });
    return out;
  }

  /** Lifeguard's health score: 0 is healthy, up to AwarenessMaxMultiplier − 1 (Go's GetHealthScore). */
  healthScore(): number {
    return this.#ctx.awareness.score;
  }

  /** The protocol version this node speaks (Go's ProtocolVersion). */
  protocolVersion(): number {
    return this.config.protocolVersion;
  }

  /** Broadcasts waiting in the gossip queue. */
  queuedBroadcasts(): number {
    return this.#ctx.broadcasts.numQueued();
  }

  /** Pings `node` at `addr` once; resolves the round-trip time in ms (Go's Ping). */
  ping(node: string, addr: string): Promise<number> {
    this.#assertRunning();
    return this.#prober.ping(node, addr);
  }

  /** A user message in one packet, no retries (Go's SendBestEffort). */
  sendBestEffort(to: Node, msg: Uint8Array): void {
    this.#assertRunning();
    const t = this.#ctx.state.table;
    const i = t.indexOf(to.name);
    this.#outbox.sendUser(to.fullAddress, i >= 0 ? t.info(i) : undefined, msg);
  }

  /** A user message over a stream: delivered unless this rejects (Go's SendReliable). */
  sendReliable(to: Node, msg: Uint8Array): Promise<void> {
    this.#assertRunning();
    return this.#streams.sendUser(to.fullAddress, msg);
  }

  /** A user message in one packet to any address (Go's SendToAddress). */
  sendToAddress(to: Address, msg: Uint8Array): void {
    this.#assertRunning();
    this.#outbox.sendUser(to, undefined, msg);
  }

  /** Typed membership events; returns the unsubscribe function. */
  on<K extends NodeEventType>(type: K, listener: MemberlistEvents[K]): () => void {
    return this.#ctx.dispatch.on(type, listener);
  }

  off<K extends NodeEventType>(type: K, listener: MemberlistEvents[K]): void {
    this.#ctx.dispatch.off(type, listener);
  }

  /** Membership events from now on as an async iterator (Go's ChannelEventDelegate); ends at shutdown. */
  events(options?: EventStreamOptions): AsyncIterableIterator<NodeEvent> {
    return this.#ctx.dispatch.stream(options);
  }

  /** True after shutdown(). */
  get isShutdown(): boolean {
    return this.#stopped;
  }

  /**
   * Stops everything (Go's Shutdown): timers, suspicion timers, the transport.
   * No leave is broadcast; peers will find this node dead. Safe to call twice.
   */
  async shutdown(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#stopSignal.abort(new MemberlistError(MemberlistErrorCode.Shutdown, 'memberlist is shut down'));
    this.#onStop();
    this.#scheduler.stop();
    this.#ctx.state.stopAllSuspicions();
    this.#ctx.acks.clear();
    this.#ctx.dispatch.close();
    try {
      await this.#ctx.transport.shutdown();
    } catch (err) {
      this.#ctx.logger.error({ err }, 'memberlist: failed to shut down transport');
    }
  }

  #assertRunning(): void {
    if (this.#stopped) throw new MemberlistError(MemberlistErrorCode.Shutdown, 'memberlist is shut down');
  }

  /**
   * For tests and the simulator: run one probe, gossip or push/pull round now; preload members (warm start).
   * @internal
   */
  get internals(): {
    probe(): void;
    gossip(): void;
    pushPull(): void;
    preload(set: PreloadSet): void;
    /** Writes this node's own row into slot `k` of a preload set. */
    exportLocal(set: PreloadSet, k: number): void;
    inbox: Inbox;
    context: EngineContext;
  } {
    const t = this.#ctx.state.table;
    return {
      preload: (set) => this.#ctx.state.preload(set),
      exportLocal: (set, k) => t.exportRow(t.indexOf(this.config.name), set, k),
      probe: () => this.#guard(() => this.#prober.probe()),
      gossip: () => this.#guard(() => gossipRound(this.#ctx, this.#outbox)),
      pushPull: () => this.#guard(() => this.#pushPullRandom()),
      inbox: this.#inbox,
      context: this.#ctx,
    };
  }
}

/** Go's Create, as a function. */
export function create(config: Config): Promise<Memberlist> {
  return Memberlist.create(config);
}
