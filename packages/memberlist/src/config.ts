import { hostname } from 'node:os';
import { silentLogger, noopMetrics, utf8, type Clock, type Logger, type Metrics, type Random, type Labels } from '@shoal/kit';
import type { AliveDelegate, ConflictDelegate, Delegate, EventDelegate, MergeDelegate, PingDelegate } from './delegates.js';
import { MemberlistError, MemberlistErrorCode } from './errors.js';
import type { NameRegistry } from './names.js';
import type { Transport } from './transport.js';
import type { Keyring } from './wire/keyring.js';

/** Protocol versions this implementation understands (spec §9); it speaks any of them. */
export const PROTOCOL_VERSION_MIN = 1;
/** Version 2 is what Go speaks by default: 3 added TCP pings, 4 nacks, 5 CRCs (gated on the peer's max). */
export const PROTOCOL_VERSION_2_COMPATIBLE = 2;
export const PROTOCOL_VERSION_MAX = 5;
/** Go's fixed limit on node meta (MetaMaxSize); here it is the default of `metaMaxSize`. */
export const META_MAX_SIZE = 512;

/**
 * Every setting of a memberlist, named after Go's Config fields (durations in
 * milliseconds, with an `Ms` suffix). Start from {@link defaultLANConfig},
 * {@link defaultWANConfig} or {@link defaultLocalConfig} and override.
 */
export interface Config {
  /** This node's name; unique in the cluster. */
  name: string;
  /** How packets and streams move. Required here: memberlist does not open sockets by itself. */
  transport?: Transport | undefined;

  /** Prefixed to every packet and stream (v0.3+); '' for none. Used as encryption AAD. */
  label: string;
  /** Accept unlabelled input even though `label` is set. */
  skipInboundLabelCheck: boolean;

  bindAddr: string;
  bindPort: number;
  /** Address to advertise; '' lets the transport choose. */
  advertiseAddr: string;
  advertisePort: number;

  /** The protocol version to speak, PROTOCOL_VERSION_MIN..PROTOCOL_VERSION_MAX. */
  protocolVersion: number;
  /** Stream dial and I/O deadline (push/pull, reliable sends). */
  tcpTimeoutMs: number;
  /** Members asked to probe a target that missed a direct ping. */
  indirectChecks: number;
  /** Retransmits = retransmitMult × ceil(log10(n + 1)). */
  retransmitMult: number;
  /**
   * Beyond Go: a dead message about another member is retransmitted this many
   * times as often as other gossip. A member that misses every copy learns
   * of the failure only through its own probe and a suspicion timer nobody
   * confirms (members who already declared the node dead ignore suspicion of
   * it), up to suspicionMaxTimeoutMult times the usual detection time. Our
   * own leave is sent as in Go. 1 behaves as Go.
   */
  deadRetransmitFactor: number;
  /** Suspicion timeout = suspicionMult × max(1, log10(n)) × probeInterval. */
  suspicionMult: number;
  /** Upper bound of the Lifeguard suspicion timer, as a multiple of the timeout above. */
  suspicionMaxTimeoutMult: number;
  /** Full state sync period, scaled up with cluster size; 0 disables periodic push/pull. */
  pushPullIntervalMs: number;
  probeIntervalMs: number;
  /** Time to wait for a direct ack; the 99th-percentile RTT of the network. */
  probeTimeoutMs: number;
  /** Turn off the TCP fallback probe. */
  disableTcpPings: boolean;
  /** Per-node variant of disableTcpPings. */
  disableTcpPingsForNode?: ((nodeName: string) => boolean) | undefined;
  /** Lifeguard's health multiplier cap: the probe interval stretches up to this many times. */
  awarenessMaxMultiplier: number;

  /** Period of gossip rounds; 0 disables gossip (piggybacking still happens). */
  gossipIntervalMs: number;
  /** Random members gossiped to per round. */
  gossipNodes: number;
  /** How long dead members keep receiving gossip (so they can refute), and keep their table entry. */
  gossipToTheDeadTimeMs: number;
  /** Require encrypted input when a keyring is set. */
  gossipVerifyIncoming: boolean;
  /** Encrypt output when a keyring is set. */
  gossipVerifyOutgoing: boolean;
  /** LZW-compress packets (when smaller) and streams. */
  enableCompression: boolean;

  /** Installed in the keyring and made primary. */
  secretKey?: Uint8Array | undefined;
  keyring?: Keyring | undefined;

  delegate?: Delegate | undefined;
  delegateProtocolVersion: number;
  delegateProtocolMin: number;
  delegateProtocolMax: number;
  events?: EventDelegate | undefined;
  conflict?: ConflictDelegate | undefined;
  merge?: MergeDelegate | undefined;
  ping?: PingDelegate | undefined;
  alive?: AliveDelegate | undefined;

  /** Used by resolvers of host names (NetTransport); kept for parity. */
  dnsConfigPath: string;
  logger: Logger;
  metrics: Metrics;
  metricLabels?: Labels | undefined;

  /** Most gossip messages (alive, suspect, dead, user) buffered for handling; more are dropped. */
  handoffQueueDepth: number;
  /** Largest packet memberlist builds (Go's UDPBufferSize). */
  udpBufferSize: number;
  /** After this long dead, a node's name may be taken by another address; 0 never. */
  deadNodeReclaimTimeMs: number;
  /** Refuse to send to an address without a node name. */
  requireNodeNames: boolean;
  /** Networks allowed to talk to us, e.g. ['10.0.0.0/8']; undefined allows all, [] allows none. */
  cidrsAllowed?: readonly string[] | undefined;
  /** Period of the handoff-queue depth check (v0.5+). */
  queueCheckIntervalMs: number;
  /** Parity only: no memberlist message has a time field, so it changes no bytes (spec §1). */
  msgpackUseNewTimeFormat: boolean;

  // ---- Beyond Go ----

  /** Longest node meta accepted from the delegate (Go hard-codes 512). */
  metaMaxSize: number;
  /**
   * Most push/pull requests served at once; more are dropped (Go hard-codes
   * 128). As in Go, a stream counts only once its request is known to be a
   * push/pull (after decryption and decompression), not from its accept.
   */
  maxConcurrentPushPulls: number;
  /**
   * Beyond Go: an inbound stream must say what it is (push/pull, user message
   * or ping, after decryption) within this long, or it is closed. Never longer
   * than tcpTimeoutMs. Go gives an idle connection the whole TCPTimeout.
   */
  streamFirstMessageTimeoutMs: number;
  /**
   * Beyond Go: most inbound streams that have not yet said what they are;
   * past it the oldest is closed (counted: memberlist.tcp.pending_evicted).
   * Idle connections then cost a bounded number of descriptors and can
   * never crowd out a join. Go has no limit.
   */
  maxPendingStreams: number;
  /** Beyond Go: as maxPendingStreams, per remote IP address. */
  maxPendingStreamsPerAddress: number;
  /**
   * Beyond Go: bytes all inbound streams together may hold for messages not
   * yet complete. A claimed length over it is refused before anything is
   * buffered; past it, the largest partial messages are dropped (counted:
   * memberlist.tcp.frame_budget_dropped). Go buffers each stream up to its
   * 20 MiB limit with no total. Also caps a stream's decompressed size.
   */
  partialFrameBudgetBytes: number;
  /**
   * When > 0, every this many ms, if some seed address given to join() is not
   * a live member, join it again: the cluster reassembles after a partition
   * heals even once dead members have been forgotten. Off (0) by default.
   */
  rejoinIntervalMs: number;
  /**
   * After a successful join(), one extra push/pull with a random live member
   * at each of these delays (each stretched by a random factor in [1, 2)).
   * Nodes that join at the same moment through one seed learn only who joined
   * before them; Go leaves the rest to the next periodic push/pull, 15–60 s
   * later. These early exchanges close that gap within seconds. They are
   * ordinary push/pulls, so Go members see nothing unusual. [] disables.
   */
  joinSyncDelaysMs: readonly number[];
  /**
   * Beyond Go: while those post-join push/pulls are pending, members that
   * appear after our join arm one more push/pull this long after the last of
   * them appeared, so a burst of joins is reconciled as soon as it stops
   * (join-settle.ts). 0 disables.
   */
  joinSettleSyncMs: number;
  /**
   * Beyond Go: join() gives each address this many TCPTimeouts to accept the
   * connection, and as many again to answer the push/pull. Go gives one each;
   * a seed answering dozens of members that join at once can need longer, and
   * a joiner that hangs up has wasted the seed's work and learned nothing.
   * 1 behaves as Go.
   */
  joinTimeoutMult: number;
  /** Time source; defaults to real time. The simulator passes its virtual clock. */
  clock?: Clock | undefined;
  /** Randomness for probe order, gossip targets and staggering; seeded in tests. */
  random?: Random | undefined;
  /**
   * Where member names are interned. Lists in one process may share one
   * registry to store each name once (the simulator does); by default each
   * list has its own.
   */
  names?: NameRegistry | undefined;
}

/** Go's DefaultLANConfig: conservative values for a LAN (spec §12). */
export function defaultLANConfig(overrides: Partial<Config> = {}): Config {
  return {
    name: safeHostname(),
    transport: undefined,
    label: '',
    skipInboundLabelCheck: false,
    bindAddr: '0.0.0.0',
    bindPort: 7946,
    advertiseAddr: '',
    advertisePort: 7946,
    protocolVersion: PROTOCOL_VERSION_2_COMPATIBLE,
    tcpTimeoutMs: 10_000,
    indirectChecks: 3,
    retransmitMult: 4,
    suspicionMult: 4,
    suspicionMaxTimeoutMult: 6,
    pushPullIntervalMs: 30_000,
    probeTimeoutMs: 500,
    probeIntervalMs: 1_000,
    disableTcpPings: false,
    awarenessMaxMultiplier: 8,
    gossipNodes: 3,
    gossipIntervalMs: 200,
    gossipToTheDeadTimeMs: 30_000,
    gossipVerifyIncoming: true,
    gossipVerifyOutgoing: true,
    enableCompression: true,
    secretKey: undefined,
    keyring: undefined,
    delegateProtocolVersion: 0,
    delegateProtocolMin: 0,
    delegateProtocolMax: 0,
    dnsConfigPath: '/etc/resolv.conf',
    logger: silentLogger,
    metrics: noopMetrics,
    handoffQueueDepth: 1024,
    udpBufferSize: 1400,
    deadNodeReclaimTimeMs: 0,
    requireNodeNames: false,
    cidrsAllowed: undefined,
    queueCheckIntervalMs: 30_000,
    msgpackUseNewTimeFormat: false,
    metaMaxSize: META_MAX_SIZE,
    maxConcurrentPushPulls: 128,
    streamFirstMessageTimeoutMs: 5_000,
    maxPendingStreams: 128,
    maxPendingStreamsPerAddress: 32,
    partialFrameBudgetBytes: 64 * 1024 * 1024,
    rejoinIntervalMs: 0,
    joinSyncDelaysMs: [250, 750, 2_000, 5_000],
    joinSettleSyncMs: 300,
    joinTimeoutMult: 3,
    deadRetransmitFactor: 2,
    ...overrides,
  };
}

/** Go's DefaultWANConfig: longer timeouts and intervals for a WAN (spec §12). */
export function defaultWANConfig(overrides: Partial<Config> = {}): Config {
  return defaultLANConfig({
    tcpTimeoutMs: 30_000,
    suspicionMult: 6,
    pushPullIntervalMs: 60_000,
    probeTimeoutMs: 3_000,
    probeIntervalMs: 5_000,
    gossipNodes: 4,
    gossipIntervalMs: 500,
    gossipToTheDeadTimeMs: 60_000,
    ...overrides,
  });
}

/** Go's DefaultLocalConfig: tuned for loopback (spec §12). */
export function defaultLocalConfig(overrides: Partial<Config> = {}): Config {
  return defaultLANConfig({
    tcpTimeoutMs: 1_000,
    indirectChecks: 1,
    retransmitMult: 2,
    suspicionMult: 3,
    pushPullIntervalMs: 15_000,
    probeTimeoutMs: 200,
    probeIntervalMs: 1_000,
    gossipIntervalMs: 100,
    gossipToTheDeadTimeMs: 15_000,
    ...overrides,
  });
}

/** The named profiles, for command lines. */
export const CONFIG_PROFILES = { lan: defaultLANConfig, wan: defaultWANConfig, local: defaultLocalConfig } as const;
export type ConfigProfile = keyof typeof CONFIG_PROFILES;

/** Go's BuildVsnArray: [pmin, pmax, pcur, dmin, dmax, dcur]. */
export function buildVsn(config: Pick<Config, 'protocolVersion' | 'delegateProtocolMin' | 'delegateProtocolMax' | 'delegateProtocolVersion'>): Uint8Array {
  return Uint8Array.of(
    PROTOCOL_VERSION_MIN,
    PROTOCOL_VERSION_MAX,
    config.protocolVersion,
    config.delegateProtocolMin,
    config.delegateProtocolMax,
    config.delegateProtocolVersion,
  );
}

/** Go's EncryptionEnabled: a keyring with at least one key. */
export function encryptionEnabled(config: Pick<Config, 'keyring'>): boolean {
  return config.keyring?.enabled ?? false;
}

/** Throws a MemberlistError (ERR_INVALID_CONFIG) naming the first bad field. */
export function validateConfig(c: Config): void {
  const bad = (field: string, why: string): never => {
    throw new MemberlistError(MemberlistErrorCode.InvalidConfig, `config.${field} ${why}`);
  };
  if (typeof c.name !== 'string' || c.name === '') bad('name', 'must be a non-empty string');
  if (!Number.isInteger(c.protocolVersion) || c.protocolVersion < PROTOCOL_VERSION_MIN || c.protocolVersion > PROTOCOL_VERSION_MAX) {
    bad('protocolVersion', `must be in [${PROTOCOL_VERSION_MIN}, ${PROTOCOL_VERSION_MAX}], got ${c.protocolVersion}`);
  }
  const nonNegative: (keyof Config)[] = [
    'tcpTimeoutMs',
    'pushPullIntervalMs',
    'probeIntervalMs',
    'probeTimeoutMs',
    'gossipIntervalMs',
    'gossipToTheDeadTimeMs',
    'deadNodeReclaimTimeMs',
    'queueCheckIntervalMs',
    'rejoinIntervalMs',
    'joinSettleSyncMs',
    'indirectChecks',
    'gossipNodes',
    'retransmitMult',
    'metaMaxSize',
  ];
  for (const f of nonNegative) {
    const v = c[f];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) bad(f, `must be a finite number >= 0, got ${String(v)}`);
  }
  const atLeastOne: (keyof Config)[] = ['deadRetransmitFactor', 'suspicionMult', 'suspicionMaxTimeoutMult', 'awarenessMaxMultiplier', 'handoffQueueDepth', 'maxConcurrentPushPulls', 'maxPendingStreams', 'maxPendingStreamsPerAddress'];
  for (const f of atLeastOne) {
    const v = c[f];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) bad(f, `must be an integer >= 1, got ${String(v)}`);
  }
  if (!Array.isArray(c.joinSyncDelaysMs) || c.joinSyncDelaysMs.some((d) => typeof d !== 'number' || !Number.isFinite(d) || d < 0)) {
    bad('joinSyncDelaysMs', `must be a list of finite numbers >= 0, got ${String(c.joinSyncDelaysMs)}`);
  }
  if (!Number.isFinite(c.joinTimeoutMult) || c.joinTimeoutMult < 1) bad('joinTimeoutMult', `must be a number >= 1, got ${c.joinTimeoutMult}`);
  if (!Number.isFinite(c.streamFirstMessageTimeoutMs) || c.streamFirstMessageTimeoutMs <= 0) {
    bad('streamFirstMessageTimeoutMs', `must be a number > 0, got ${c.streamFirstMessageTimeoutMs}`);
  }
  // A budget below the largest frame a peer may legitimately send would refuse honest streams.
  if (!Number.isInteger(c.partialFrameBudgetBytes) || c.partialFrameBudgetBytes < 1024 * 1024) {
    bad('partialFrameBudgetBytes', `must be an integer >= 1 MiB, got ${c.partialFrameBudgetBytes}`);
  }
  if (c.probeIntervalMs > 0 && c.probeTimeoutMs <= 0) bad('probeTimeoutMs', 'must be > 0 when probing is on');
  if (!Number.isInteger(c.udpBufferSize) || c.udpBufferSize < 64 || c.udpBufferSize > 65_507) bad('udpBufferSize', `must be in [64, 65507], got ${c.udpBufferSize}`);
  for (const f of ['delegateProtocolVersion', 'delegateProtocolMin', 'delegateProtocolMax'] as const) {
    if (!Number.isInteger(c[f]) || c[f] < 0 || c[f] > 255) bad(f, `must be a byte, got ${c[f]}`);
  }
  if (!Number.isInteger(c.bindPort) || c.bindPort < 0 || c.bindPort > 65535) bad('bindPort', `must be a port, got ${c.bindPort}`);
  if (!Number.isInteger(c.advertisePort) || c.advertisePort < 0 || c.advertisePort > 65535) bad('advertisePort', `must be a port, got ${c.advertisePort}`);
  if (utf8(c.label).length > 255) bad('label', 'must be at most 255 bytes');
}

function safeHostname(): string {
  try {
    return hostname();
  } catch {
    return 'localhost';
  }
}
