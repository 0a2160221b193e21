// Test-only schemas for the Go structs in the spec's golden vectors. The memberlist and raft
// packages define their own real schemas; these exist so the codec is checked against real
// Go bytes independently of them.
import { field, struct, t } from '../index.js';

// memberlist 0.2.2 (net.go)
export const Ping = struct({
  seqNo: field('SeqNo', t.uint32),
  node: field('Node', t.str),
  sourceAddr: field('SourceAddr', t.bytes, { omitEmpty: true }),
  sourcePort: field('SourcePort', t.uint16, { omitEmpty: true }),
  sourceNode: field('SourceNode', t.str, { omitEmpty: true }),
});
export const AckResp = struct({ seqNo: field('SeqNo', t.uint32), payload: field('Payload', t.bytes) });
export const NackResp = struct({ seqNo: field('SeqNo', t.uint32) });
export const ErrResp = struct({ error: field('Error', t.str) });
export const Suspect = struct({
  incarnation: field('Incarnation', t.uint32),
  node: field('Node', t.str),
  from: field('From', t.str),
});
export const Alive = struct({
  incarnation: field('Incarnation', t.uint32),
  node: field('Node', t.str),
  addr: field('Addr', t.bytes),
  port: field('Port', t.uint16),
  meta: field('Meta', t.bytes),
  vsn: field('Vsn', t.bytes),
});
export const PushPullHeader = struct({
  nodes: field('Nodes', t.int),
  userStateLen: field('UserStateLen', t.int),
  join: field('Join', t.bool),
});
export const PushNodeState = struct({
  name: field('Name', t.str),
  addr: field('Addr', t.bytes),
  port: field('Port', t.uint16),
  meta: field('Meta', t.bytes),
  incarnation: field('Incarnation', t.uint32),
  state: field('State', t.int),
  vsn: field('Vsn', t.bytes),
});
export const UserMsgHeader = struct({ userMsgLen: field('UserMsgLen', t.int) });
export const Compress = struct({ algo: field('Algo', t.uint8), buf: field('Buf', t.bytes) });

// raft 1.1.2 (commands.go, log.go, configuration.go)
export const Log112 = struct({
  index: field('Index', t.uint64),
  term: field('Term', t.uint64),
  type: field('Type', t.uint8),
  data: field('Data', t.bytes),
  extensions: field('Extensions', t.bytes),
});
export const AppendEntriesRequest112 = struct({
  protocolVersion: field('ProtocolVersion', t.int),
  term: field('Term', t.uint64),
  leader: field('Leader', t.bytes),
  prevLogEntry: field('PrevLogEntry', t.uint64),
  prevLogTerm: field('PrevLogTerm', t.uint64),
  entries: field('Entries', t.array(t.nullable(Log112))),
  leaderCommitIndex: field('LeaderCommitIndex', t.uint64),
});
export const RequestVoteRequest112 = struct({
  protocolVersion: field('ProtocolVersion', t.int),
  term: field('Term', t.uint64),
  candidate: field('Candidate', t.bytes),
  lastLogIndex: field('LastLogIndex', t.uint64),
  lastLogTerm: field('LastLogTerm', t.uint64),
  leadershipTransfer: field('LeadershipTransfer', t.bool),
});
export const Server = struct({
  suffrage: field('Suffrage', t.int),
  id: field('ID', t.str),
  address: field('Address', t.str),
});
export const Configuration = struct({ servers: field('Servers', t.array(Server)) });
export const LegacyPeers = t.array(t.bytes);

// upstream raft (RPCHeader with ID/Addr, Log.AppendedAt) as in go-msgpack's testdata
const header = {
  protocolVersion: field('ProtocolVersion', t.int),
  id: field('ID', t.bytes),
  addr: field('Addr', t.bytes),
};
export const Log = struct({
  index: field('Index', t.uint64),
  term: field('Term', t.uint64),
  type: field('Type', t.uint8),
  data: field('Data', t.bytes),
  extensions: field('Extensions', t.bytes),
  appendedAt: field('AppendedAt', t.goTime),
});
export const AppendEntriesRequest = struct({
  ...header,
  term: field('Term', t.uint64),
  leader: field('Leader', t.bytes),
  prevLogEntry: field('PrevLogEntry', t.uint64),
  prevLogTerm: field('PrevLogTerm', t.uint64),
  entries: field('Entries', t.array(t.nullable(Log))),
  leaderCommitIndex: field('LeaderCommitIndex', t.uint64),
});
export const AppendEntriesResponse = struct({
  ...header,
  term: field('Term', t.uint64),
  lastLog: field('LastLog', t.uint64),
  success: field('Success', t.bool),
  noRetryBackoff: field('NoRetryBackoff', t.bool),
});
export const InstallSnapshotRequest = struct({
  ...header,
  snapshotVersion: field('SnapshotVersion', t.int),
  term: field('Term', t.uint64),
  leader: field('Leader', t.bytes),
  lastLogIndex: field('LastLogIndex', t.uint64),
  lastLogTerm: field('LastLogTerm', t.uint64),
  peers: field('Peers', t.bytes),
  configuration: field('Configuration', t.bytes),
  configurationIndex: field('ConfigurationIndex', t.uint64),
  size: field('Size', t.int64),
});
export const InstallSnapshotResponse = struct({
  ...header,
  term: field('Term', t.uint64),
  success: field('Success', t.bool),
});
export const RequestVoteRequest = struct({
  ...header,
  term: field('Term', t.uint64),
  candidate: field('Candidate', t.bytes),
  lastLogIndex: field('LastLogIndex', t.uint64),
  lastLogTerm: field('LastLogTerm', t.uint64),
  leadershipTransfer: field('LeadershipTransfer', t.bool),
});
export const RequestVoteResponse = struct({
  ...header,
  term: field('Term', t.uint64),
  peers: field('Peers', t.bytes),
  granted: field('Granted', t.bool),
});
