// Test helpers (Go's testing.go): not a stable API.
export { ManualClock, settle } from './manual-clock.js';
export { MockFSM, encodeChunks, decodeChunks } from './mock-fsm.js';
export { TestCluster, text } from './cluster.js';
export type { TestNode, ClusterOptions } from './cluster.js';
