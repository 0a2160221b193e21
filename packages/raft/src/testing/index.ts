// Test helpers (Go's testing.go): not a stable API.
export { MockFSM, encodeChunks, decodeChunks } from './mock-fsm.js';
export { TestCluster, text } from './cluster.js';
export type { TestNode, ClusterOptions, ClusterEnvironment } from './cluster.js';
export { ClusterServer } from './cluster-server.js';
export type { ServerEnvironment, InspectableStore } from './cluster-server.js';
export { FaultyFileSystem, FaultRule } from './faulty-fs.js';
export type { FileOp, FaultMatch, FaultEffect } from './faulty-fs.js';
export { InspectableDiskStore } from './disk-store.js';
/** In-memory StreamLayer for NetworkTransport tests (no sockets). */
export { MemoryNetwork, MemoryStreamLayer, duplexPair } from '../transport/net/memory-stream-layer.js';
