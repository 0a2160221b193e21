// An in-process shoal memberlist on a real NetTransport (UDP + TCP on
// 127.0.0.1) or, with `quic`, a QuicTransport, reporting the same event shape
// as the Go program, with an optional wire tap. For the node that must crash,
// use ShoalMemberProcess.
import { createLogger, InMemoryMetrics, type LogEntry, RealClock } from '@shoal/kit';
import { defaultLocalConfig, ipPortString, Memberlist, NetTransport, type Node, type NodeAwareTransport, stateName } from '@shoal/memberlist';
import { QuicTransport, type QuicTransportTls } from '@shoal/memberlist-quic';
import { EventLog, type MemberEvent } from './event-log.js';
import { WireTap } from './wire-tap.js';

export interface ShoalNodeOptions {
  name: string;
  /** Addresses to join once started; start() rejects if the join fails. */
  join?: string[];
  /** Secret key (base64 or bytes): encryption on. */
  key?: string | Uint8Array;
  /** Default true, like Go. */
  compression?: boolean;
  meta?: string;
  state?: string;
  /** Push/pull interval override (ms). */
  pushPullIntervalMs?: number;
  /** Record every byte sent and received (see WireTap; NetTransport only). */
  tap?: boolean;
  /** Run over QUIC with this TLS material instead of UDP + TCP. */
  quic?: { tls: QuicTransportTls; datagrams?: boolean; requireNodeName?: boolean };
}

const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

export class ShoalNode {
  readonly name: string;
  readonly list: Memberlist;
  readonly log: EventLog<MemberEvent>;
  readonly tap: WireTap | undefined;
  /** The transport's metrics (`memberlist.quic.*` with `quic`). */
  readonly metrics: InMemoryMetrics;
  /** With `quic`: the transport (its pool shows each connection's ALPN). */
  readonly quic: QuicTransport | undefined;
  readonly #recentLogs: LogEntry[];
  /** Every warn and error log line (the first 1000). */
  readonly warnings: readonly LogEntry[];
  readonly #local: { meta: Uint8Array; state: Uint8Array };

  private constructor(name: string, list: Memberlist, log: EventLog<MemberEvent>, tap: WireTap | undefined, metrics: InMemoryMetrics, quic: QuicTransport | undefined, recentLogs: LogEntry[], warnings: LogEntry[], local: { meta: Uint8Array; state: Uint8Array }) {
    this.name = name;
    this.list = list;
    this.log = log;
    this.tap = tap;
    this.metrics = metrics;
    this.quic = quic;
    this.#recentLogs = recentLogs;
    this.warnings = warnings;
    this.#local = local;
  }

  static async start(options: ShoalNodeOptions): Promise<ShoalNode> {
    const name = options.name;
    const recentLogs: LogEntry[] = [];
    const warnings: LogEntry[] = [];
    const logger = createLogger((e) => {
      recentLogs.push(e);
      if (recentLogs.length > 100) recentLogs.shift();
      if ((e.level === 'warn' || e.level === 'error') && warnings.length < 1000) warnings.push(e);
    }, 'debug');
    const log = new EventLog<MemberEvent>(() => `shoal ${name} recent logs: ${JSON.stringify(recentLogs.slice(-12), (_k, v: unknown) => (v instanceof Uint8Array ? text(v) : v))}`);
    const local = { meta: bytes(options.meta ?? ''), state: bytes(options.state ?? '') };
    const nodeEvent = (event: string) => (node: Node): void =>
      log.push({ event, self: name, node: node.name, addr: ipPortString(node.addr, node.port), meta: text(node.meta), state: stateName(node.state), t: Date.now() });
    const clock = new RealClock();
    const metrics = new InMemoryMetrics();
    let net: NodeAwareTransport & { port: number; shutdown(): Promise<void> };
    let tap: WireTap | undefined;
    let quic: QuicTransport | undefined;
    if (options.quic) {
      const tls = options.quic.tls;
      net = quic = await QuicTransport.create({ bindAddr: '127.0.0.1', bindPort: 0, tls, clock, logger, metrics, ...(options.quic.datagrams === false ? { datagrams: false } : {}), requireNodeName: options.quic.requireNodeName ?? false });
    } else {
      const udp = await NetTransport.create({ bindAddrs: ['127.0.0.1'], bindPort: 0, clock, logger });
      tap = options.tap ? new WireTap(udp) : undefined;
      net = udp;
    }
    const key = typeof options.key === 'string' ? Uint8Array.from(Buffer.from(options.key, 'base64')) : options.key;
    let list: Memberlist;
    try {
      list = await Memberlist.create(
        defaultLocalConfig({
          name,
          transport: tap ?? net,
          bindAddr: '127.0.0.1',
          bindPort: net.port,
          advertisePort: net.port,
          clock,
          logger,
          enableCompression: options.compression ?? true,
          ...(key ? { secretKey: key } : {}),
          ...(options.pushPullIntervalMs !== undefined ? { pushPullIntervalMs: options.pushPullIntervalMs } : {}),
          events: { notifyJoin: nodeEvent('join'), notifyLeave: nodeEvent('leave'), notifyUpdate: nodeEvent('update') },
          delegate: {
            nodeMeta: () => local.meta,
            notifyMsg: (msg) => log.push({ event: 'msg', self: name, data: text(msg), t: Date.now() }),
            getBroadcasts: () => [],
            localState: () => local.state,
            mergeRemoteState: (buf, join) => {
              if (buf.length > 0) log.push({ event: 'remote-state', self: name, data: text(buf), join, t: Date.now() });
            },
          },
        }),
      );
    } catch (error) {
      await net.shutdown();
      throw error;
    }
    const node = new ShoalNode(name, list, log, tap, metrics, quic, recentLogs, warnings, local);
    if (options.join?.length) {
      try {
        await node.join(options.join);
      } catch (error) {
        await node.stop();
        throw error;
      }
    }
    return node;
  }

  /** "127.0.0.1:port". */
  get addr(): string {
    return this.list.localNode().address;
  }

  get events(): MemberEvent[] {
    return this.log.events;
  }

  /** Joins through `addrs`; records a "joined" or "join-error" event as the Go program does. */
  async join(addrs: string[]): Promise<number> {
    try {
      const contacted = await this.list.join(addrs);
      this.log.push({ event: 'joined', self: this.name, contacted });
      return contacted;
    } catch (error) {
      this.log.push({ event: 'join-error', self: this.name, error: (error as Error).message });
      throw error;
    }
  }

  memberNames(): string[] {
    return this.list.members().map((m) => m.name).sort();
  }

  /** New meta, advertised with updateNode (waits for the broadcast, up to 5 s). */
  async updateMeta(meta: string): Promise<void> {
    this.#local.meta = bytes(meta);
    await this.list.updateNode(5000);
  }

  /** Delegate state for the next push/pulls. */
  setState(state: string): void {
    this.#local.state = bytes(state);
  }

  #member(name: string): Node {
    const node = this.list.members().find((m) => m.name === name);
    if (!node) throw new Error(`${this.name} has no member ${name}; members: ${this.memberNames().join(',')}`);
    return node;
  }

  sendReliable(to: string, message: string): Promise<void> {
    return this.list.sendReliable(this.#member(to), bytes(message));
  }

  sendBestEffort(to: string, message: string): void {
    this.list.sendBestEffort(this.#member(to), bytes(message));
  }

  waitFor(predicate: (e: MemberEvent) => boolean, timeoutMs: number, what: string): Promise<MemberEvent> {
    return this.log.waitFor(predicate, timeoutMs, what);
  }

  /** The latest state this node holds for `name` (alive, suspect, dead, left), or undefined if unknown. */
  stateOf(name: string): string | undefined {
    const entry = this.list.allNodes().find((n) => n.node.name === name);
    return entry ? stateName(entry.node.state) : undefined;
  }

  get recentLogs(): readonly LogEntry[] {
    return this.#recentLogs;
  }

  /** Shuts down without leaving. Safe to call twice. */
  async stop(): Promise<void> {
    this.log.close(`shoal ${this.name} stopped`);
    await this.list.shutdown();
  }
}
