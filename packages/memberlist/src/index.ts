export * from './wire/index.js';
export {};
// memberlist engine
export * from './address.js';
export * from './config.js';
export type * from './delegates.js';
export * from './errors.js';
export type { MemberlistEvents, EventStreamOptions } from './events.js';
export { Memberlist, create, type JoinOptions } from './memberlist.js';
export { parseJoinAddress } from './join.js';
export { MockNetwork, MockTransport, MOCK_PORT } from './mock-transport.js';
export { Node, NodeInfo, stateName, type NodeStateName } from './node.js';
export { TransmitLimitedQueue, type Broadcast } from './queue.js';
export * from './transport.js';
export { pushPullScale, retransmitLimit, suspicionTimeout } from './util.js';
export * from './sim/cluster.js';
export * from './sim/scenario.js';
export * from './net/index.js';
