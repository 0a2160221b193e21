// Public surface of @shoal/memberlist. Codec internals are at
// @shoal/memberlist/wire; the simulator harness and the mock transport at
// @shoal/memberlist/sim; hostile-traffic helpers at @shoal/memberlist/testing.
// Everything else is internal. scripts/api-report.test.ts snapshots this list.

// The member: create, join, leave, events (Go's memberlist.go).
export { Memberlist, create, type JoinOptions } from './memberlist.js';
export type { MemberlistEvents, EventStreamOptions } from './events.js';
export { parseJoinAddress } from './join.js';
export { Node, NodeInfo, stateName, type NodeStateName } from './node.js';
/** A node's state as gossiped: alive, suspect, dead, left. */
export { NodeStateType } from './wire/types.js';
export { TransmitLimitedQueue, type Broadcast } from './queue.js';
export { pushPullScale, retransmitLimit, suspicionTimeout } from './util.js';

// Configuration and delegates.
export * from './config.js';
export type { NameRegistry } from './names.js';
export type * from './delegates.js';

// Encryption keys (Go's keyring.go) and the error its checks throw.
export { Keyring, validateKey } from './wire/keyring.js';
export { WireError, WireErrorCode } from './wire/errors.js';

// Addresses, errors, and the transport interface for custom transports.
export * from './address.js';
export * from './errors.js';
export * from './transport.js';
/** Messages a transport carries, decoded (the types of `Packet` and `Frame`). */
export type { PacketMessage } from './wire/messages.js';
export type { StreamMessage } from './wire/stream.js';

// The UDP/TCP transport (Go's net_transport.go) and a one-call constructor.
export * from './net/index.js';
