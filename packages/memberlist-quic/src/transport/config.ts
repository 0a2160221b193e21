/** QuicTransport's configuration, with the Go reference's defaults (spec §1). */
import type { Clock, Logger, Metrics } from '@shoal/kit';
import type { QuicEngine, QuicEngineOptions } from '../engine/types.js';

/** The node's TLS material as PEM text (see loadTlsMaterial for files). */
export interface QuicTransportTls {
  caPem: string;
  certPem: string;
  keyPem: string;
}

export interface QuicTransportConfig {
  /** Address of the one UDP socket (listening and dialling). Default '0.0.0.0'. */
  bindAddr?: string;
  /** Port; 0 picks a free one (see `port`). Default 7946. */
  bindPort?: number;
  tls: QuicTransportTls;
  /**
   * Also require that a peer's certificate names the memberlist node it is
   * addressed as (its CN equals the node name). Applies when memberlist
   * addresses a peer by name (writeToAddress / dialAddressTimeout with a
   * non-empty name): an outbound dial is refused in the handshake; a pooled
   * connection (typically inbound, whose name we learn only then) is checked
   * before it carries anything to that name, and closed if it fails. Joins by
   * address carry no name and are not checked. Default false (Go: any
   * certificate from the CA).
   */
  requireNodeName?: boolean;
  /** QUIC max idle timeout. Default 30 000 (Go's MaxIdleTimeout). */
  idleTimeoutMs?: number;
  /** Keep-alive PING period; 0 disables. Default 10 000 (Go's KeepAlivePeriod). */
  keepAliveMs?: number;
  /** Packets queued behind a dial, per peer, and datagrams buffered per connection; beyond it they are dropped and counted. Default 256. */
  packetQueueSize?: number;
  /** Peer-opened streams waiting per connection; beyond it they wait unread in the engine (the peer's stream limit pushes back). Default 16. */
  streamQueueSize?: number;
  /**
   * A peer's stream must deliver its header within this: the kind byte of a
   * bidirectional stream under `shoal-quic/1`, the whole `[len][payload]` frame
   * of a packet stream. Otherwise it is reset and counted
   * (`memberlist.quic.stream.dropped` reason `header-timeout`), so a peer that
   * opens streams and never writes holds nothing for long. Default 5 000 (as
   * memberlist's streamFirstMessageTimeoutMs, which then takes over). A
   * memberlist stream we closed likewise waits this long for the peer's FIN,
   * then stops reading.
   */
  streamHeaderTimeoutMs?: number;
  /** Retire connections older than this (they drain, the next send dials anew); 0 is off. Default 0. */
  maxConnectionAgeMs?: number;
  /** How often the pool forgets closed connections and retires old ones. Default 30 000. */
  poolSweepIntervalMs?: number;
  /** A dial (handshake, including the peer's verdict on us) must finish within this. Default 5 000 (quic-go's handshake idle timeout). */
  dialTimeoutMs?: number;
  /** A drained connection is closed no sooner than this after it started draining, once its streams finish. Default 1 000. */
  drainGraceMs?: number;
  /** ... and no later than this, streams or not. Default 10 000. */
  drainTimeoutMs?: number;
  /** Offer and accept `shoal-quic/1` (kind byte, app streams). Default true; false speaks only Go's ALPN. */
  shoalAlpn?: boolean;
  /** Offer RFC 9221 datagrams. Default true; false forces the stream fallback for every packet. */
  datagrams?: boolean;
  clock?: Clock;
  logger?: Logger;
  metrics?: Metrics;
  /** Makes the engine (tests, or another QUIC engine). Default: the quiche driver. */
  createEngine?: (options: QuicEngineOptions) => Promise<QuicEngine>;
  /** Further engine options (backlogs, windows, UDP payload size). */
  engine?: Partial<Omit<QuicEngineOptions, 'host' | 'port' | 'clock' | 'tls' | 'alpn' | 'logger'>>;
}

export const QUIC_TRANSPORT_DEFAULTS = {
  bindAddr: '0.0.0.0',
  bindPort: 7946,
  requireNodeName: false,
  idleTimeoutMs: 30_000,
  keepAliveMs: 10_000,
  packetQueueSize: 256,
  streamQueueSize: 16,
  streamHeaderTimeoutMs: 5_000,
  maxConnectionAgeMs: 0,
  poolSweepIntervalMs: 30_000,
  dialTimeoutMs: 5_000,
  drainGraceMs: 1_000,
  drainTimeoutMs: 10_000,
  shoalAlpn: true,
  datagrams: true,
} as const;

export type ResolvedQuicTransportConfig = Required<Omit<QuicTransportConfig, 'clock' | 'logger' | 'metrics' | 'createEngine' | 'engine'>> &
  Pick<QuicTransportConfig, 'clock' | 'logger' | 'metrics' | 'createEngine' | 'engine'>;

export function resolveConfig(config: QuicTransportConfig): ResolvedQuicTransportConfig {
  const out = { ...QUIC_TRANSPORT_DEFAULTS, ...stripUndefined(config) } as ResolvedQuicTransportConfig;
  for (const key of ['packetQueueSize', 'streamQueueSize'] as const) {
    if (!Number.isInteger(out[key]) || out[key] < 1) throw new RangeError(`${key} must be a positive integer, got ${out[key]}`);
  }
  for (const key of ['streamHeaderTimeoutMs', 'idleTimeoutMs', 'keepAliveMs', 'maxConnectionAgeMs', 'poolSweepIntervalMs', 'dialTimeoutMs', 'drainGraceMs', 'drainTimeoutMs'] as const) {
    if (!(out[key] >= 0)) throw new RangeError(`${key} must be >= 0, got ${out[key]}`);
  }
  return out;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
