import { bytesEqual } from '@shoal/kit';
import type { Clock, Logger, Metrics, Random } from '@shoal/kit';
import { formatIP, ipEqual } from './address.js';
import type { Awareness } from './awareness.js';
import { SystemBroadcast } from './broadcast.js';
import { incompatibleVersions, unusableAddress, unusableVersions } from './admission.js';
import { buildVsn, type Config } from './config.js';
import { askVerdict, type NodeEvent } from './delegates.js';
import { Node, NodeInfo } from './node.js';
import { assertRowChange } from './invariants.js';
import { NodeTable, type PreloadSet } from './node-table.js';
import type { TransmitLimitedQueue } from './queue.js';
import { aliveLength, suspectLength } from './sizes.js';
import { Suspicion } from './suspicion.js';
import { suspicionTimeout } from './util.js';
import type { Alive, Dead, PushNodeState, Suspect } from './wire/messages.js';
import { MessageType, NodeStateType } from './wire/types.js';

/** What the membership state machine needs from the list around it. */
export interface StateContext {
  readonly config: Config;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly broadcasts: TransmitLimitedQueue;
  readonly awareness: Awareness;
  /** Undefined when `ip` may join, else the reason it may not (CIDRsAllowed). */
  ipRefused(ip: Uint8Array): string | undefined;
  /** Queues an event for delivery once the current operation is over. */
  emit(event: NodeEvent): void;
  /** Queues a conflict notification likewise. */
  conflict(existing: Node, other: Node): void;
}

/**
 * The membership table and its transitions (spec §10): aliveNode,
 * suspectNode, deadNode, mergeState and refute, with Go's quirks. Nothing
 * here touches the network: changes become broadcasts in the queue and
 * events for the dispatcher.
 */
export class MemberState {
  readonly table: NodeTable;
  readonly #ctx: StateContext;
  readonly #name: string;
  readonly #timers = new Map<string, Suspicion>();
  /** Our own Vsn, which every member we admit must be compatible with. */
  readonly #versions: Uint8Array;
  #incarnation = 0;
  #left = false;

  constructor(ctx: StateContext) {
    this.#ctx = ctx;
    this.#name = ctx.config.name;
    this.table = new NodeTable(ctx.config.names);
    this.#versions = buildVsn(ctx.config);
  }

  get localName(): string {
    return this.#name;
  }

  /** Set once leave() has begun; alive messages about ourselves are then ignored. */
  get hasLeft(): boolean {
    return this.#left;
  }

  markLeft(): void {
    this.#left = true;
  }

  /** The local incarnation counter (not necessarily what the table says until refuted). */
  get incarnation(): number {
    return this.#incarnation;
  }

  nextIncarnation(): number {
    this.#incarnation = (this.#incarnation + 1) >>> 0;
    return this.#incarnation;
  }

  /** Suspicion timers running (one per suspect node). */
  get suspicions(): ReadonlyMap<string, Suspicion> {
    return this.#timers;
  }

  /** Applies an alive message (Go's aliveNode). `notify` runs when its re-broadcast is done. */
  aliveNode(a: Alive, notify: (() => void) | undefined, bootstrap: boolean): void {
    const ctx = this.#ctx;
    const isLocalNode = a.node === this.#name;
    if (this.#left && isLocalNode) return;

    const vsn = a.vsn;
    // Our own alive (create, updateNode) is trusted; anything heard is checked (beyond Go).
    if (!bootstrap) {
      const refused = unusableAddress(a.addr, a.port) ?? unusableVersions(vsn) ?? incompatibleVersions(vsn!, this.#versions);
      if (refused !== undefined) {
        ctx.metrics.incrCounter('memberlist.msg.alive.invalid', 1, ctx.config.metricLabels);
        ctx.logger.debug({ node: a.node, reason: refused }, 'memberlist: dropped an unusable alive message');
        return;
      }
    }

    // Asked before anything is read or changed: the delegate may call back into the list.
    if (ctx.config.alive) {
      if (vsn === undefined || vsn.length < 6) {
        ctx.logger.warn({ node: a.node }, 'memberlist: ignoring an alive message without Vsn');
        return;
      }
      const peer = new Node(new NodeInfo(a.node, a.addr ?? EMPTY, a.port, a.meta, vsn), NodeStateType.Alive);
      const veto = askVerdict(() => ctx.config.alive!.notifyAlive(peer));
      if (veto) {
        ctx.logger.warn({ node: a.node, err: veto }, 'memberlist: alive delegate refused a node');
        return;
      }
    }

    const t = this.table;
    let i = t.indexOf(a.node);
    // Most alive messages are gossip about known members at a known incarnation: drop those first.
    if (i >= 0 && !isLocalNode && a.incarnation <= t.incarnation(i)) {
      const info = t.info(i);
      if (info.port === a.port && ipEqual(info.addr, a.addr ?? EMPTY)) {
        this.#regossipAccusation(i, a.incarnation);
        return;
      }
    }
    const now = ctx.clock.now();
    let updatesNode = false;
    const addr = a.addr ?? EMPTY;
    const known = i >= 0;
    if (i < 0) {
      const refused = ctx.ipRefused(addr);
      if (refused !== undefined) {
        ctx.logger.warn({ node: a.node, addr: formatIP(addr), reason: refused }, 'memberlist: rejected node');
        return;
      }
      // A new name starts as a dead placeholder at incarnation 0, so an alive
      // with incarnation 0 creates it and changes nothing else (spec §10).
      i = t.insertRandom(new NodeInfo(a.node, addr, a.port, a.meta, vsn), NodeStateType.Dead, 0, now, ctx.random);
    } else {
      const info = t.info(i);
      if (!ipEqual(info.addr, addr) || info.port !== a.port) {
        const refused = ctx.ipRefused(addr);
        if (refused !== undefined) {
          ctx.logger.warn({ node: a.node, addr: formatIP(addr), reason: refused }, 'memberlist: rejected address change');
          return;
        }
        const state = t.state(i);
        const reclaimMs = ctx.config.deadNodeReclaimTimeMs;
        const canReclaim = reclaimMs > 0 && now - t.stateChangeMs(i) > reclaimMs;
        if (state === NodeStateType.Left || (state === NodeStateType.Dead && canReclaim)) {
          ctx.logger.info({ node: a.node, from: info.address, to: `${formatIP(addr)}:${a.port}` }, 'memberlist: updating address of a left or failed node');
          updatesNode = true;
        } else {
          ctx.logger.error({ node: a.node, mine: info.address, theirs: `${formatIP(addr)}:${a.port}`, state }, 'memberlist: conflicting address');
          if (ctx.config.conflict) ctx.conflict(t.node(i), new Node(new NodeInfo(a.node, addr, a.port, a.meta, undefined), NodeStateType.Alive));
          return;
        }
      }
    }

    const current = t.incarnation(i);
    if (a.incarnation <= current && !isLocalNode && !updatesNode) {
      this.#regossipAccusation(i, a.incarnation);
      return;
    }
    if (a.incarnation < current && isLocalNode) return;

    this.#stopSuspicion(a.node);

    const oldState = t.state(i);
    const oldInfo = t.info(i);

    if (!bootstrap && isLocalNode) {
      if (a.incarnation === current && bytesEqual(a.meta, oldInfo.meta) && bytesEqual(vsn, oldInfo.vsn)) return;
      this.refute(i, a.incarnation);
      ctx.logger.warn({ node: a.node, incarnation: a.incarnation }, 'memberlist: refuting an alive message about this node');
    } else {
      // Beyond Go: a member back from dead or left is news as loud as its death was.
      const back = known && (oldState === NodeStateType.Dead || oldState === NodeStateType.Left);
      this.#broadcast(a.node, { type: MessageType.Alive, body: a }, aliveLength(a), notify, back ? ctx.config.deadRetransmitFactor : undefined);
      const newVsn = vsn !== undefined && vsn.length >= 6 ? vsn : oldInfo.vsn;
      const sameInfo = ipEqual(oldInfo.addr, addr) && oldInfo.addr.length === addr.length && oldInfo.port === a.port && bytesEqual(oldInfo.meta, a.meta) && bytesEqual(oldInfo.vsn, newVsn);
      if (!sameInfo) t.setInfo(i, new NodeInfo(a.node, addr, a.port, a.meta, newVsn));
      this.#change(i, NodeStateType.Alive, a.incarnation, oldState !== NodeStateType.Alive ? now : undefined, updatesNode);
    }

    ctx.metrics.incrCounter('memberlist.msg.alive', 1, ctx.config.metricLabels);
    if (oldState === NodeStateType.Dead || oldState === NodeStateType.Left) {
      ctx.logger.debug({ node: a.node, addr: t.info(i).address, incarnation: a.incarnation }, 'memberlist: node joined');
      ctx.emit({ type: 'join', node: t.node(i) });
    } else if (!bytesEqual(oldInfo.meta, t.info(i).meta)) {
      ctx.emit({ type: 'update', node: t.node(i) });
    }
  }

  /** Applies a suspect message (Go's suspectNode), starting the Lifeguard suspicion timer. */
  suspectNode(s: Suspect): void {
    const ctx = this.#ctx;
    const t = this.table;
    const i = t.indexOf(s.node);
    if (i < 0) return;
    if (s.incarnation < t.incarnation(i)) return;

    const timer = this.#timers.get(s.node);
    if (timer) {
      // Each new accuser is a confirmation; pass it on so others count it too.
      if (timer.confirm(s.from)) this.#broadcast(s.node, { type: MessageType.Suspect, body: s }, suspectLength(s));
      return;
    }
    if (t.state(i) !== NodeStateType.Alive) return;

    if (s.node === this.#name) {
      this.refute(i, s.incarnation);
      ctx.logger.warn({ from: s.from }, 'memberlist: refuting a suspect message');
      return;
    }
    this.#broadcast(s.node, { type: MessageType.Suspect, body: s }, suspectLength(s));
    ctx.metrics.incrCounter('memberlist.msg.suspect', 1, ctx.config.metricLabels);

    const changeTime = ctx.clock.now();
    this.#change(i, NodeStateType.Suspect, s.incarnation, changeTime);

    // Confirmations wanted: SuspicionMult − 2, or none in clusters too small to supply them.
    let k = ctx.config.suspicionMult - 2;
    const n = t.length;
    if (n - 2 < k) k = 0;
    const minMs = suspicionTimeout(ctx.config.suspicionMult, n, ctx.config.probeIntervalMs);
    const maxMs = ctx.config.suspicionMaxTimeoutMult * minMs;
    const onTimeout = (confirmations: number): void => {
      if (this.#timers.get(s.node) === suspicion) this.#timers.delete(s.node);
      const j = t.indexOf(s.node);
      if (j < 0 || t.state(j) !== NodeStateType.Suspect || t.stateChangeMs(j) !== changeTime) return;
      if (k > 0 && confirmations < k) ctx.metrics.incrCounter('memberlist.degraded.timeout', 1, ctx.config.metricLabels);
      ctx.logger.info({ node: s.node, confirmations }, 'memberlist: marking node as failed, suspect timeout reached');
      this.deadNode({ incarnation: t.incarnation(j), node: s.node, from: this.#name });
    };
    const suspicion = new Suspicion(ctx.clock, s.from, k, minMs, maxMs, onTimeout);
    this.#timers.set(s.node, suspicion);
  }

  /**
   * Applies a dead message (Go's deadNode). From == Node means the node left.
   * `notify` runs when our own leave broadcast is done.
   */
  deadNode(d: Dead, notify?: () => void): void {
    const ctx = this.#ctx;
    const t = this.table;
    const i = t.indexOf(d.node);
    if (i < 0) return;
    if (d.incarnation < t.incarnation(i)) return;
    this.#stopSuspicion(d.node);
    if (t.deadOrLeft(i)) return;

    if (d.node === this.#name) {
      if (!this.#left) {
        this.refute(i, d.incarnation);
        ctx.logger.warn({ from: d.from }, 'memberlist: refuting a dead message');
        return;
      }
      this.#broadcast(d.node, { type: MessageType.Dead, body: d }, suspectLength(d), notify);
    } else {
      this.#broadcast(d.node, { type: MessageType.Dead, body: d }, suspectLength(d), undefined, ctx.config.deadRetransmitFactor);
    }
    ctx.metrics.incrCounter('memberlist.msg.dead', 1, ctx.config.metricLabels);

    this.#change(i, d.node === d.from ? NodeStateType.Left : NodeStateType.Dead, d.incarnation, ctx.clock.now());
    ctx.emit({ type: 'leave', node: t.node(i) });
  }

  /**
   * Merges a push/pull peer's table (Go's mergeState): alive entries as alive
   * messages, left as a leave, and dead or suspect as a suspicion from us —
   * pushed state never declares a node dead directly.
   */
  mergeState(remote: readonly PushNodeState[]): void {
    for (const r of remote) {
      switch (r.state) {
        case NodeStateType.Alive:
          this.aliveNode({ incarnation: r.incarnation, node: r.name, addr: r.addr, port: r.port, meta: r.meta, vsn: r.vsn }, undefined, false);
          break;
        case NodeStateType.Left:
          this.deadNode({ incarnation: r.incarnation, node: r.name, from: r.name });
          break;
        case NodeStateType.Dead:
        case NodeStateType.Suspect:
          this.suspectNode({ incarnation: r.incarnation, node: r.name, from: this.#name });
          break;
        default:
          break;
      }
    }
  }

  /**
   * Overrules an accusation against this node: a new incarnation above the
   * accused one, one point of health penalty, and an alive broadcast (keyed,
   * as in Go, by our IP string rather than our name).
   */
  refute(i: number, accusedInc: number): void {
    const ctx = this.#ctx;
    if (accusedInc >= MAX_INCARNATION) {
      // Nothing outranks it (Go wraps to 0 and is ignored by everyone): stay as we are and say so.
      ctx.metrics.incrCounter('memberlist.refute.impossible', 1, ctx.config.metricLabels);
      ctx.logger.error({ incarnation: accusedInc }, 'memberlist: cannot refute an accusation at the highest incarnation');
      return;
    }
    let inc = this.nextIncarnation();
    if (accusedInc >= inc) {
      this.#incarnation = (accusedInc + 1) >>> 0;
      inc = this.#incarnation;
    }
    this.#change(i, this.table.state(i), inc, undefined);
    ctx.awareness.applyDelta(1);
    const a = this.#aliveOf(i);
    this.#broadcast(formatIP(a.addr!), { type: MessageType.Alive, body: a }, aliveLength(a));
  }

  /** Our own row as an alive message at the incarnation the table holds, or undefined before we are in it. */
  localAlive(): Alive | undefined {
    const i = this.table.indexOf(this.#name);
    return i < 0 ? undefined : this.#aliveOf(i);
  }

  #aliveOf(i: number): Alive {
    const me = this.table.info(i);
    return { incarnation: this.table.incarnation(i), node: me.name, addr: me.addr, port: me.port, meta: me.meta, vsn: me.vsn };
  }

  /**
   * Adds members known from elsewhere as alive, with no events and no
   * broadcasts: the simulator's warm start of a cluster that converged
   * before time 0. Names already present are left alone.
   */
  preload(set: PreloadSet): void {
    this.table.preload(set, this.#ctx.clock.now(), this.#ctx.random);
  }

  /** Stops every suspicion timer (shutdown). */
  stopAllSuspicions(): void {
    for (const s of this.#timers.values()) s.cancel();
    this.#timers.clear();
  }

  /**
   * Beyond Go (memberlist #311 / PR #345): an alive that is stale next to
   * the dead, left or suspect state we hold re-queues that accusation. A node
   * restarted at a low incarnation thus hears that it was declared dead, and
   * refutes above it, instead of staying dead to everyone who heard.
   */
  #regossipAccusation(i: number, aliveIncarnation: number): void {
    const t = this.table;
    const state = t.state(i);
    const inc = t.incarnation(i);
    if (state === NodeStateType.Alive || aliveIncarnation >= inc) return;
    const node = t.name(i);
    if (state === NodeStateType.Suspect) {
      const s: Suspect = { incarnation: inc, node, from: this.#name };
      this.#broadcast(node, { type: MessageType.Suspect, body: s }, suspectLength(s));
    } else {
      const d: Dead = { incarnation: inc, node, from: state === NodeStateType.Left ? node : this.#name };
      this.#broadcast(node, { type: MessageType.Dead, body: d }, suspectLength(d));
    }
  }

  /**
   * Every change of a row's state or incarnation goes through here, so the
   * table's invariants are checked where they could break. `changedAtMs`
   * undefined keeps the state and its change time.
   */
  #change(i: number, state: NodeStateType, incarnation: number, changedAtMs: number | undefined, reclaimed = false): void {
    const t = this.table;
    const name = t.name(i);
    assertRowChange({
      name,
      fromState: t.state(i),
      fromIncarnation: t.incarnation(i),
      toState: state,
      toIncarnation: incarnation,
      isLocal: name === this.#name,
      leaving: this.#left,
      reclaimed,
    });
    t.setIncarnation(i, incarnation);
    if (changedAtMs !== undefined) t.setState(i, state, changedAtMs);
  }

  #stopSuspicion(name: string): void {
    const s = this.#timers.get(name);
    if (s) {
      s.cancel();
      this.#timers.delete(name);
    }
  }

  #broadcast(name: string, msg: SystemBroadcast['msg'], length: number, notify?: () => void, transmitFactor?: number): void {
    this.#ctx.broadcasts.queueBroadcast(new SystemBroadcast(name, msg, length, notify, transmitFactor));
  }
}

const EMPTY = new Uint8Array(0);
const MAX_INCARNATION = 0xffff_ffff;
