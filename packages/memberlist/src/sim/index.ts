// @shoal/memberlist/sim: memberlist on @shoal/sim's deterministic network,
// for tests and simulations. Needs @shoal/sim installed (an optional peer
// dependency); the main entry point never loads it.

/** Clusters of members on a simulated network, and scripted failure scenarios. */
export { SimCluster, type SimClusterOptions, type SimMember } from './cluster.js';
export { runScenario, detectionBoundMs, type ScenarioOptions, type ScenarioResult } from './scenario.js';
/** A hand-driven peer that sends crafted packets and records replies. */
export { RawPeer, type RawReceived } from './raw-peer.js';
/** Go's MockNetwork/MockTransport: an in-process transport over the simulated network. */
export { MockNetwork, MockTransport, MOCK_PORT, type MockNetworkOptions } from '../mock-transport.js';
