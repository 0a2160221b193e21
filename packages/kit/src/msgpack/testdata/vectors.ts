// Golden msgpack vectors: real Go output quoted from the spec files (see `source`) plus the
// hashicorp/go-msgpack repository's raft testdata. Each decodes to `value` and re-encodes to
// exactly the same bytes.
import { GO_ZERO_TIME, t, type EncodeOptions, type MsgType } from '../index.js';
import * as s from './schemas.js';

/** Parses the spec's notation: hex digits, `"ascii"` literals, spaces and `|` separators. */
export function spec(notation: string): Uint8Array {
  const out: number[] = [];
  for (const m of notation.matchAll(/"([^"]*)"|([0-9a-fA-F]+)|[\s|]+|(.)/g)) {
    if (m[1] !== undefined) for (const c of m[1]) out.push(c.charCodeAt(0));
    else if (m[2] !== undefined) {
      if (m[2].length % 2 !== 0) throw new Error(`odd hex run ${m[2]}`);
      for (let i = 0; i < m[2].length; i += 2) out.push(parseInt(m[2].slice(i, i + 2), 16));
    } else if (m[3] !== undefined) throw new Error(`unexpected ${m[3]} in ${notation}`);
  }
  return Uint8Array.from(out);
}

export const ascii = (x: string): Uint8Array => Uint8Array.from(x, (c) => c.charCodeAt(0));

export interface GoldenVector {
  name: string;
  /** Where the bytes come from, and whether they were reconstructed from a layout. */
  source: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type: MsgType<any>;
  /** Bytes before the msgpack value (a message type byte); checked, not decoded. */
  prefix?: Uint8Array;
  bytes: Uint8Array;
  value: unknown;
  options?: EncodeOptions;
}

const ML = 'memberlist spec §3.2';
const RAFT = 'raft spec §2.9';
const GOMP = 'hashicorp/go-msgpack codec/internal/testdata/raft_v055.go';
const GOMP115 = 'hashicorp/go-msgpack codec/internal/testdata/raft_v115.go';
const localhost = Uint8Array.of(127, 0, 0, 1);
const vsn = Uint8Array.of(1, 5, 2, 0, 0, 0);
const noHeader = { protocolVersion: 0, id: undefined, addr: undefined };
const forty = 'x'.repeat(40);

export const GOLDEN: GoldenVector[] = [
  {
    name: 'memberlist ping',
    source: ML,
    type: s.Ping,
    prefix: spec('00'),
    bytes: spec('85a44e6f6465a66e6f64652d62a55365714e6f01aa536f7572636541646472a47f000001aa536f757263654e6f6465a66e6f64652d61aa536f75726365506f7274cd1f0a'),
    value: { seqNo: 1, node: 'node-b', sourceAddr: localhost, sourcePort: 7946, sourceNode: 'node-a' },
  },
  {
    name: 'memberlist ping without source fields',
    source: ML,
    type: s.Ping,
    prefix: spec('00'),
    bytes: spec('82a44e6f6465a66e6f64652d62a55365714e6f01'),
    value: { seqNo: 1, node: 'node-b', sourceAddr: undefined, sourcePort: 0, sourceNode: '' },
  },
  {
    name: 'memberlist ack with nil payload',
    source: ML,
    type: s.AckResp,
    prefix: spec('02'),
    bytes: spec('82a75061796c6f6164c0a55365714e6f01'),
    value: { seqNo: 1, payload: undefined },
  },
  {
    name: 'memberlist nack 70000',
    source: ML,
    type: s.NackResp,
    prefix: spec('0b'),
    bytes: spec('81a55365714e6fce00011170'),
    value: { seqNo: 70000 },
  },
  {
    name: 'memberlist suspect',
    source: ML,
    type: s.Suspect,
    prefix: spec('03'),
    bytes: spec('83a446726f6da66e6f64652d61ab496e6361726e6174696f6e02a44e6f6465a66e6f64652d62'),
    value: { incarnation: 2, node: 'node-b', from: 'node-a' },
  },
  {
    name: 'memberlist alive',
    source: ML,
    type: s.Alive,
    prefix: spec('04'),
    bytes: spec('86a441646472a47f000001ab496e6361726e6174696f6e01a44d657461c0a44e6f6465a66e6f64652d61a4506f7274cd1f0aa356736ea6010502000000'),
    value: { incarnation: 1, node: 'node-a', addr: localhost, port: 7946, meta: undefined, vsn },
  },
  {
    name: 'memberlist errResp with a 40-character string (str16)',
    source: `${ML} "da 0028 …"; reconstructed: errResp layout + 40 ASCII bytes`,
    type: s.ErrResp,
    prefix: spec('0d'),
    bytes: spec(`81 a5"Error" da0028 "${forty}"`),
    value: { error: forty },
  },
  {
    name: 'memberlist pushPull header, go-msgpack 0.5.5 ints',
    source: ML,
    type: s.PushPullHeader,
    prefix: spec('06'),
    bytes: spec('83 a4"Join" c3 a5"Nodes" 01 ac"UserStateLen" ccc8'),
    value: { nodes: 1, userStateLen: 200, join: true },
  },
  {
    name: 'memberlist pushPull header, go-msgpack v2 ints',
    source: ML,
    type: s.PushPullHeader,
    prefix: spec('06'),
    bytes: spec('83 a4"Join" c3 a5"Nodes" 01 ac"UserStateLen" d100c8'),
    value: { nodes: 1, userStateLen: 200, join: true },
    options: { intStyle: 'v2' },
  },
  {
    name: 'memberlist pushNodeState',
    source: ML,
    type: s.PushNodeState,
    bytes: spec('87 a4"Addr" a47f000001 ab"Incarnation" 01 a4"Meta" c0 a4"Name" a6"node-a" a4"Port" cd1f0a a5"State" 00 a3"Vsn" a6010502000000'),
    value: { name: 'node-a', addr: localhost, port: 7946, meta: undefined, incarnation: 1, state: 0, vsn },
  },
  {
    name: 'memberlist userMsgHeader',
    source: `${ML} (5 user bytes follow the header)`,
    type: s.UserMsgHeader,
    prefix: spec('08'),
    bytes: spec('81 aa"UserMsgLen" 05'),
    value: { userMsgLen: 5 },
  },
  {
    name: 'memberlist compress',
    source: ML,
    type: s.Compress,
    prefix: spec('09'),
    bytes: spec('82a4416c676f00a3427566b800010822e5e40d9932a6dc182cd3424ca92965e2140c1010'),
    value: { algo: 0, buf: spec('00010822e5e40d9932a6dc182cd3424ca92965e2140c1010') },
  },
  {
    name: 'raft 1.1.2 heartbeat',
    source: RAFT,
    type: s.AppendEntriesRequest112,
    prefix: spec('00'),
    bytes: spec('87 a7"Entries" c0  a6"Leader" ae"127.0.0.1:7000"  b1"LeaderCommitIndex" 00 ac"PrevLogEntry" 00  ab"PrevLogTerm" 00  af"ProtocolVersion" 03  a4"Term" 05'),
    value: { protocolVersion: 3, term: 5, leader: ascii('127.0.0.1:7000'), prevLogEntry: 0, prevLogTerm: 0, entries: undefined, leaderCommitIndex: 0 },
  },
  {
    name: 'raft 1.1.2 requestVote',
    source: RAFT,
    type: s.RequestVoteRequest112,
    prefix: spec('01'),
    bytes: spec('86 a9"Candidate" a1"C"  ac"LastLogIndex" 0a  ab"LastLogTerm" 05 b2"LeadershipTransfer" c2  af"ProtocolVersion" 03  a4"Term" 06'),
    value: { protocolVersion: 3, term: 6, candidate: ascii('C'), lastLogIndex: 10, lastLogTerm: 5, leadershipTransfer: false },
  },
  {
    name: 'raft configuration',
    source: RAFT,
    type: s.Configuration,
    bytes: spec(`81 a7"Servers" 92 83 a7"Address" ae"127.0.0.1:7000" a2"ID" a2"n1" a8"Suffrage" 00
                                 83 a7"Address" ae"127.0.0.1:7001" a2"ID" a2"n2" a8"Suffrage" 01`),
    value: {
      servers: [
        { suffrage: 0, id: 'n1', address: '127.0.0.1:7000' },
        { suffrage: 1, id: 'n2', address: '127.0.0.1:7001' },
      ],
    },
  },
  {
    name: 'raft legacy peers',
    source: 'raft spec §3.2',
    type: s.LegacyPeers,
    bytes: spec('91 ae "127.0.0.1:7000"'),
    value: [ascii('127.0.0.1:7000')],
  },
  {
    name: 'raft time.Time zero (binary form)',
    source: 'raft spec §2.3',
    type: t.goTime,
    bytes: spec('af 01 0000000000000000 00000000 ffff'),
    value: GO_ZERO_TIME,
  },
  {
    name: 'raft time.Time 2022-07-08T22:47:48.235162Z (binary form)',
    source: 'raft spec §2.3',
    type: t.goTime,
    bytes: spec('af 01 0000000eda5aab14 0e044990 ffff'),
    value: { unixSec: 1657320468, nsec: 235162000 },
  },
  {
    name: 'raft time.Time 2006-01-02T15:04:05Z (binary form)',
    source: 'raft spec §2.3 (util_test.go)',
    type: t.goTime,
    bytes: spec('af 01 0000000ebb4b37e5 00000000 ffff'),
    value: { unixSec: 1136214245, nsec: 0 },
  },
  {
    name: 'raft time.Time zero (builtin form)',
    source: 'raft spec §2.3',
    type: t.goTime,
    bytes: spec('c0'),
    value: GO_ZERO_TIME,
    options: { timeFormat: 'builtin' },
  },
  {
    name: 'raft time.Time 2022-07-08T22:47:48.235162Z (builtin form)',
    source: 'raft spec §2.3',
    type: t.goTime,
    bytes: spec('a8 3811264062c8b414'),
    value: { unixSec: 1657320468, nsec: 235162000 },
    options: { timeFormat: 'builtin' },
  },
  {
    name: 'upstream raft AppendEntriesRequest with one Log (0.5.5 time)',
    source: GOMP,
    type: s.AppendEntriesRequest,
    bytes: spec('89a441646472a7636172746d616ea7456e74726965739186aa417070656e6465644174af01000000000000000000000000ffffa444617461c0aa457874656e73696f6e73c0a5496e64657865a45465726d04a45479706501a24944c0a64c6561646572c0b14c6561646572436f6d6d6974496e6465785aac507265764c6f67456e74727964ab507265764c6f675465726d04af50726f746f636f6c56657273696f6e00a45465726d0a'),
    value: {
      protocolVersion: 0, id: undefined, addr: ascii('cartman'), term: 10, leader: undefined, prevLogEntry: 100, prevLogTerm: 4,
      entries: [{ index: 101, term: 4, type: 1, data: undefined, extensions: undefined, appendedAt: GO_ZERO_TIME }],
      leaderCommitIndex: 90,
    },
  },
  {
    name: 'upstream raft AppendEntriesRequest with one Log (1.1.5 time)',
    source: GOMP115,
    type: s.AppendEntriesRequest,
    bytes: spec('89a441646472a7636172746d616ea7456e74726965739186aa417070656e6465644174c0a444617461c0aa457874656e73696f6e73c0a5496e64657865a45465726d04a45479706501a24944c0a64c6561646572c0b14c6561646572436f6d6d6974496e6465785aac507265764c6f67456e74727964ab507265764c6f675465726d04af50726f746f636f6c56657273696f6e00a45465726d0a'),
    value: {
      protocolVersion: 0, id: undefined, addr: ascii('cartman'), term: 10, leader: undefined, prevLogEntry: 100, prevLogTerm: 4,
      entries: [{ index: 101, term: 4, type: 1, data: undefined, extensions: undefined, appendedAt: GO_ZERO_TIME }],
      leaderCommitIndex: 90,
    },
    options: { timeFormat: 'builtin' },
  },
  {
    name: 'upstream raft heartbeat',
    source: GOMP,
    type: s.AppendEntriesRequest,
    bytes: spec('89a441646472a7636172746d616ea7456e7472696573c0a24944c0a64c6561646572a7636172746d616eb14c6561646572436f6d6d6974496e64657800ac507265764c6f67456e74727900ab507265764c6f675465726d00af50726f746f636f6c56657273696f6e03a45465726d0a'),
    value: {
      protocolVersion: 3, id: undefined, addr: ascii('cartman'), term: 10, leader: ascii('cartman'), prevLogEntry: 0, prevLogTerm: 0,
      entries: undefined, leaderCommitIndex: 0,
    },
  },
  {
    name: 'upstream raft AppendEntriesResponse',
    source: GOMP,
    type: s.AppendEntriesResponse,
    bytes: spec('87a441646472c0a24944c0a74c6173744c6f675aae4e6f52657472794261636b6f6666c2af50726f746f636f6c56657273696f6e00a753756363657373c3a45465726d04'),
    value: { ...noHeader, term: 4, lastLog: 90, success: true, noRetryBackoff: false },
  },
  {
    name: 'upstream raft InstallSnapshotRequest',
    source: GOMP,
    type: s.InstallSnapshotRequest,
    bytes: spec('8ca441646472a46b796c65ad436f6e66696775726174696f6ec0b2436f6e66696775726174696f6e496e64657800a24944c0ac4c6173744c6f67496e64657864ab4c6173744c6f675465726d09a64c6561646572c0a55065657273a9626c616820626c6168af50726f746f636f6c56657273696f6e00a453697a650aaf536e617073686f7456657273696f6e00a45465726d0a'),
    value: {
      protocolVersion: 0, id: undefined, addr: ascii('kyle'), snapshotVersion: 0, term: 10, leader: undefined, lastLogIndex: 100,
      lastLogTerm: 9, peers: ascii('blah blah'), configuration: undefined, configurationIndex: 0, size: 10,
    },
  },
  {
    name: 'upstream raft InstallSnapshotResponse',
    source: GOMP,
    type: s.InstallSnapshotResponse,
    bytes: spec('85a441646472c0a24944c0af50726f746f636f6c56657273696f6e00a753756363657373c3a45465726d0a'),
    value: { ...noHeader, term: 10, success: true },
  },
  {
    name: 'upstream raft RequestVoteRequest',
    source: GOMP,
    type: s.RequestVoteRequest,
    bytes: spec('88a441646472a762757474657273a943616e646964617465c0a24944c0ac4c6173744c6f67496e64657864ab4c6173744c6f675465726d13b24c6561646572736869705472616e73666572c2af50726f746f636f6c56657273696f6e00a45465726d14'),
    value: { protocolVersion: 0, id: undefined, addr: ascii('butters'), term: 20, candidate: undefined, lastLogIndex: 100, lastLogTerm: 19, leadershipTransfer: false },
  },
  {
    name: 'upstream raft RequestVoteResponse',
    source: GOMP,
    type: s.RequestVoteResponse,
    bytes: spec('86a441646472c0a74772616e746564c2a24944c0a55065657273c0af50726f746f636f6c56657273696f6e00a45465726d64'),
    value: { ...noHeader, term: 100, peers: undefined, granted: false },
  },
  {
    name: 'upstream raft [][]uint8 with a str16 element',
    source: GOMP,
    type: s.LegacyPeers,
    bytes: spec('91da002430383530383039372d366262642d643738652d323636362d353238363631336630623963'),
    value: [ascii('08508097-6bbd-d78e-2666-5286613f0b9c')],
  },
];
