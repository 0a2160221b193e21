// The raft simulation harness (issue 7, item 5), on the cluster harness of ../testing.
export { runRaftSimulation, simConfig } from './harness.js';
export type { RaftSimOptions, RaftSimResult, LinearizabilityVerdict } from './harness.js';
export type { HistoryOp } from './sim-clients.js';
export { KvFsm, encodeKvCommand, decodeKvCommand } from './kv-fsm.js';
export type { KvCommand } from './kv-fsm.js';
export { SimRaftNetwork, SimTransport } from '../transport/sim-transport.js';
export type { SimRaftNetworkOptions } from '../transport/sim-transport.js';
export { ClusterServer } from '../testing/cluster-server.js';
export { Nemesis } from './nemesis.js';
export { findKvChecker } from './lincheck-adapter.js';
export type { HistoryChecker } from './lincheck-adapter.js';
