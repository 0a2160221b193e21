// Golden bytes from Go raft 1.1.2 (spec §2.9, captured from a live NetworkTransport) decode to
// the expected values and re-encode byte for byte with the '1.1' generation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeConfiguration, decodeConfiguration } from '../../configuration-codec.js';
import { EMPTY_BYTES, LogType } from '../../log.js';
import { decodeRequest, isNilBytes, NIL_ENTRIES, RpcType, WireEncoder, type RequestFrame } from './index.js';

const fromHex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
/** `a6"Leader"` style: a msgpack fixstr header byte then the text. */
const str = (s: string): string => (0xa0 | s.length).toString(16) + Buffer.from(s).toString('hex');
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const header = { protocolVersion: 3, id: EMPTY_BYTES, addr: EMPTY_BYTES };

const HEARTBEAT = fromHex(
  `00 87 ${str('Entries')} c0 ${str('Leader')} ${str('127.0.0.1:7000')} ${str('LeaderCommitIndex')} 00
   ${str('PrevLogEntry')} 00 ${str('PrevLogTerm')} 00 ${str('ProtocolVersion')} 03 ${str('Term')} 05`,
);
const REQUEST_VOTE = fromHex(
  `01 86 ${str('Candidate')} ${str('C')} ${str('LastLogIndex')} 0a ${str('LastLogTerm')} 05
   ${str('LeadershipTransfer')} c2 ${str('ProtocolVersion')} 03 ${str('Term')} 06`,
);
/** The spec shows this one up to LeaderCommitIndex ("..."); the tail is interop/raft-wire's output for the same request. */
const APPEND_ENTRIES_SHOWN = fromHex(
  `00 87 ${str('Entries')} 91 85 ${str('Data')} a3 ff0001 ${str('Extensions')} c0 ${str('Index')} 0a
   ${str('Term')} 05 ${str('Type')} 00 ${str('Leader')} ${str('L')} ${str('LeaderCommitIndex')} 09`,
);
const APPEND_ENTRIES = fromHex(
  '0087a7456e74726965739185a444617461a3ff0001aa457874656e73696f6e73c0a5496e6465780aa45465726d05a45479706500a64c6561646572a14cb14c6561646572436f6d6d6974496e64657809ac507265764c6f67456e74727909ab507265764c6f675465726d05af50726f746f636f6c56657273696f6e03a45465726d05',
);
const CONFIGURATION = fromHex(
  `81 ${str('Servers')} 92 83 ${str('Address')} ${str('127.0.0.1:7000')} ${str('ID')} ${str('n1')} ${str('Suffrage')} 00
                         83 ${str('Address')} ${str('127.0.0.1:7001')} ${str('ID')} ${str('n2')} ${str('Suffrage')} 01`,
);

function roundTrip(bytes: Uint8Array, expected: RequestFrame): void {
  const frame = decodeRequest(bytes, '1.1');
  assert.deepStrictEqual(frame, expected);
  assert.equal(toHex(new WireEncoder({ generation: '1.1' }).request(frame)), toHex(bytes));
  // Decoding is the same for both generations: 1.1 input just lacks ID/Addr/AppendedAt.
  assert.deepStrictEqual(decodeRequest(bytes, '1.7'), expected);
}

test('captured 1.1.2 heartbeat: nil Entries stays nil, Leader is the address', () => {
  roundTrip(HEARTBEAT, {
    type: RpcType.AppendEntries,
    request: { ...header, term: 5, leader: ascii('127.0.0.1:7000'), prevLogEntry: 0, prevLogTerm: 0, entries: NIL_ENTRIES, leaderCommitIndex: 0 },
  });
  const frame = decodeRequest(HEARTBEAT, '1.1');
  assert.ok(frame.type === RpcType.AppendEntries && frame.request.entries === NIL_ENTRIES);
  assert.ok(isNilBytes(frame.request.id) && isNilBytes(frame.request.addr));
});

test('captured 1.1.2 appendEntries: the spec prefix, then the full request', () => {
  assert.equal(toHex(APPEND_ENTRIES.subarray(0, APPEND_ENTRIES_SHOWN.length)), toHex(APPEND_ENTRIES_SHOWN));
  roundTrip(APPEND_ENTRIES, {
    type: RpcType.AppendEntries,
    request: {
      ...header,
      term: 5,
      leader: ascii('L'),
      prevLogEntry: 9,
      prevLogTerm: 5,
      entries: [{ index: 10, term: 5, type: LogType.Command, data: Uint8Array.of(0xff, 0x00, 0x01), extensions: EMPTY_BYTES, appendedAt: 0 }],
      leaderCommitIndex: 9,
    },
  });
});

test('captured 1.1.2 requestVote', () => {
  roundTrip(REQUEST_VOTE, {
    type: RpcType.RequestVote,
    request: { ...header, term: 6, candidate: ascii('C'), lastLogIndex: 10, lastLogTerm: 5, leadershipTransfer: false },
  });
});

test('captured 1.1.2 configuration', () => {
  const configuration = decodeConfiguration(CONFIGURATION);
  assert.deepStrictEqual(configuration, {
    servers: [
      { suffrage: 0, id: 'n1', address: '127.0.0.1:7000' },
      { suffrage: 1, id: 'n2', address: '127.0.0.1:7001' },
    ],
  });
  assert.equal(toHex(encodeConfiguration(configuration)), toHex(CONFIGURATION));
});

test('the same request in the 1.7 generation gains ID and Addr keys, sorted as Go sorts them', () => {
  const frame = decodeRequest(HEARTBEAT, '1.1');
  assert.equal(frame.type, RpcType.AppendEntries);
  const withIdentity = { ...frame.request, id: ascii('n1'), addr: ascii('127.0.0.1:7000') };
  const bytes = new WireEncoder({ generation: '1.7' }).request({ type: RpcType.AppendEntries, request: withIdentity });
  assert.equal(toHex(bytes.subarray(0, 2)), '0089');
  assert.equal(toHex(bytes.subarray(2, 2 + 5 + 1)), str('Addr') + 'ae');
  assert.deepStrictEqual(decodeRequest(bytes, '1.7').request, withIdentity);
});
