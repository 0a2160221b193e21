// A server's raft: durable stores under DATA_DIR/raft (wal/, stable/,
// snapshots/), the network transport over TCP or mutual TLS, and the node.
// Go raft's 1.7 wire, with IDs in RPCs and pre-vote, as Consul speaks it.

import type { Clock, FileSystem, Logger, Metrics, Random } from '@shoal/kit';
import {
  type Config,
  defaultConfig,
  FileSnapshotStore,
  FileStableStore,
  type FSM,
  hasExistingState,
  NetworkTransport,
  Raft,
  type StreamLayer,
  TcpStreamLayer,
  TlsStreamLayer,
  WalLogStore,
} from '@shoal/raft';

export const RAFT_DIR = 'raft';

export interface RaftTls {
  /** PEM of the CA every server's certificate must chain to. */
  readonly ca: string | Uint8Array;
  readonly cert: string | Uint8Array;
  readonly key: string | Uint8Array;
}

export interface RaftNodeOptions {
  /** The server ID: the agent's node name. */
  readonly id: string;
  /** The agent's data directory. */
  readonly fs: FileSystem;
  readonly bind: string;
  /** What other servers dial; needed when `bind` is a wildcard address. */
  readonly advertise?: string;
  readonly tls?: RaftTls;
  readonly fsm: FSM;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Overrides of raft's defaults (timeouts in tests). */
  readonly config?: Partial<Config>;
}

export interface RaftNode {
  readonly raft: Raft;
  /** The raft address other servers reach this one at. */
  readonly address: string;
  /** Whether the stores held state when it started (a restart rather than a first start). */
  readonly hadState: boolean;
  /** Shuts raft down, then closes the transport and the stores. */
  close(): Promise<void>;
}

const asBuffer = (v: string | Uint8Array): string | Buffer => (typeof v === 'string' ? v : Buffer.from(v));

export async function openRaftNode(options: RaftNodeOptions): Promise<RaftNode> {
  const { fs, clock, logger, metrics } = options;
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.reverse()) await close().catch((err: unknown) => logger.warn({ err }, 'agent: closing raft resources'));
    closers.length = 0;
  };
  try {
    const logs = await WalLogStore.open(fs, `${RAFT_DIR}/wal`, { logger });
    closers.push(() => logs.close());
    const stable = await FileStableStore.open(fs, `${RAFT_DIR}/stable`);
    closers.push(() => stable.close());
    const snapshots = await FileSnapshotStore.open(fs, RAFT_DIR, { clock, logger });
    const hadState = await hasExistingState(logs, stable, snapshots);
    let layer: StreamLayer;
    if (options.tls !== undefined) {
      layer = await TlsStreamLayer.listen({
        bind: options.bind,
        advertise: options.advertise,
        ca: asBuffer(options.tls.ca),
        cert: asBuffer(options.tls.cert),
        key: asBuffer(options.tls.key),
        onHandshakeError: (err, remote) => logger.warn({ remote, err }, 'agent: raft TLS handshake failed'),
      });
    } else {
      layer = await TcpStreamLayer.listen({ bind: options.bind, advertise: options.advertise });
    }
    // maxPool 3 and a 10 s RPC timeout, as Consul runs raft.
    const transport = new NetworkTransport({ layer, clock, wire: '1.7', maxPool: 3, timeoutMs: 10_000, logger, metrics });
    closers.push(() => transport.close());
    const config: Config = {
      ...defaultConfig(),
      localId: options.id,
      logger,
      metrics,
      // The agent decides when a removed server stops (after its graceful leave).
      shutdownOnRemove: false,
      ...options.config,
    };
    const raft = await Raft.create({ config, fsm: options.fsm, logs, stable, snapshots, transport, clock, random: options.random });
    return {
      raft,
      address: transport.localAddr,
      hadState,
      async close() {
        try {
          await raft.shutdown();
        } finally {
          await closeAll();
        }
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
