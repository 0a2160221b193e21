// Public surface of @shoal/raft, listed by name. Everything not exported here is internal.

// The node and its API (Go's api.go).
export { Raft, hasExistingState } from './raft.js';
export type { RaftOptions, TimeoutOptions, ApplyOptions, ChangeOptions, ReadIndexOptions, ReadIndexResult } from './raft.js';
export { RaftState } from './state.js';
export type { ApplyResult } from './log-future.js';
export type { SnapshotResult } from './node/snapshotter.js';
export { bootstrapCluster, recoverCluster, getConfiguration, bootstrapEntry } from './bootstrap.js';
export type { StoresArgs } from './bootstrap.js';
export { parsePeersJson, parseConfigJson, readPeersJson, readConfigJson } from './peers-json.js';

// Configuration of a node.
export type { Config, ReloadableConfig, RaftLogger } from './config.js';
export {
  defaultConfig,
  testConfig,
  validateConfig,
  reloadableOf,
  PROTOCOL_VERSION_MIN,
  PROTOCOL_VERSION_MAX,
  SNAPSHOT_VERSION_MIN,
  SNAPSHOT_VERSION_MAX,
  SUGGESTED_MAX_DATA_SIZE,
} from './config.js';

// Cluster membership.
export type { ServerID, ServerAddress } from './ids.js';
export type { Server, Configuration, Configurations, ConfigurationChangeRequest } from './configuration.js';
export {
  ServerSuffrage,
  ConfigurationChangeCommand,
  suffrageName,
  changeCommandName,
  cloneConfiguration,
  cloneConfigurations,
  emptyConfigurations,
  hasVote,
  inConfiguration,
  voters,
  quorumSize,
  formatConfiguration,
} from './configuration.js';
export { checkConfiguration, nextConfiguration } from './node/rules/configuration-change.js';
export { encodeConfiguration, decodeConfiguration, encodePeers, decodePeers } from './configuration-codec.js';

// Log entries and the state machine.
export type { Log } from './log.js';
export { LogType, logTypeName, makeLog, EMPTY_BYTES } from './log.js';
export type { FSM, BatchingFSM, FSMSnapshot, ConfigurationStore } from './fsm.js';
export { isBatchingFSM, isConfigurationStore } from './fsm.js';

// Storage.
export type { LogStore, StableStore } from './storage/stores.js';
export { KEY_CURRENT_TERM, KEY_LAST_VOTE_TERM, KEY_LAST_VOTE_CAND } from './storage/stores.js';
export type { SnapshotMeta, SnapshotSink, SnapshotSource, OpenedSnapshot, SnapshotStore } from './storage/snapshot.js';
export { bytesSource, chunksSource } from './storage/snapshot.js';
export { InmemStore } from './storage/inmem-store.js';
export { LogCache } from './storage/log-cache.js';
export { InmemSnapshotStore } from './storage/inmem-snapshot.js';
export { DiscardSnapshotStore, DiscardSnapshotSink } from './storage/discard-snapshot.js';
export { WalLogStore, FileStableStore, readStableFile } from './storage/wal/index.js';
export type { WalLogStoreOptions, WalStats } from './storage/wal/index.js';
export { FileSnapshotStore } from './storage/file-snapshot.js';
export type { FileSnapshotStoreOptions } from './storage/file-snapshot.js';

// Transports and the RPCs they carry.
export type { Transport, RpcHandler, AppendPipeline, AppendFuture } from './transport/transport.js';
export { InmemTransport, InmemNetwork } from './transport/inmem-transport.js';
export type { InmemTransportOptions } from './transport/inmem-transport.js';
export { OrderedPipeline } from './transport/ordered-pipeline.js';
export { NetworkTransport } from './transport/net/network-transport.js';
export type { NetworkTransportOptions } from './transport/net/network-transport.js';
export type { StreamLayer } from './transport/net/stream-layer.js';
export { splitHostPort, joinHostPort } from './transport/net/stream-layer.js';
export { TcpStreamLayer } from './transport/net/real-tcp-stream-layer.js';
export type { TcpListenOptions } from './transport/net/real-tcp-stream-layer.js';
export { TlsStreamLayer } from './transport/net/real-tls-stream-layer.js';
export type { TlsCredentials, TlsListenOptions } from './transport/net/real-tls-stream-layer.js';
export { RemoteRpcError, DialError, ConnectionLostError, PreVoteNotSupportedError, StreamLayerClosedError } from './transport/net/net-errors.js';
export type { WireGeneration } from './transport/wire/index.js';
export type {
  RpcHeader,
  AppendEntriesRequest,
  AppendEntriesResponse,
  RequestVoteRequest,
  RequestVoteResponse,
  RequestPreVoteRequest,
  RequestPreVoteResponse,
  InstallSnapshotRequest,
  InstallSnapshotResponse,
  TimeoutNowRequest,
  TimeoutNowResponse,
} from './commands.js';
export { emptyHeader, isHeartbeat } from './commands.js';

// Observation.
export { Observer } from './observer.js';
export type { Observation, ObservationData, ObserverOptions, FilterFn } from './observer.js';
export { InvariantChecker } from './invariants.js';
export type { InvariantViolation, InvariantKind, LogView } from './invariants.js';

// Errors: each has a stable `code`.
export {
  RaftError,
  NotLeaderError,
  LeaderError,
  NotVoterError,
  LeadershipLostError,
  AbortedByRestoreError,
  RaftShutdownError,
  EnqueueTimeoutError,
  ApplyTimeoutError,
  NothingNewToSnapshotError,
  UnsupportedProtocolError,
  CantBootstrapError,
  LeadershipTransferInProgressError,
  LogNotFoundError,
  PipelineReplicationNotSupportedError,
  TransportShutdownError,
  PipelineShutdownError,
  KeyNotFoundError,
  PeerUnreachableError,
  RpcTimeoutError,
  LeadershipTransferTimeoutError,
  ConfigurationError,
  InvalidConfigError,
  DecodeError,
  SnapshotError,
  RaftInvariantError,
  ReadTimeoutError,
  LogCorruptionError,
  LogStoreFailedError,
} from './errors.js';
