// go-msgpack's raft vectors (testdata/go-msgpack-raft-vectors.ts): upstream raft structs as
// raft wrote them with go-msgpack v0.5.5, v1.1.5 and v1.1.6. Every one decodes to the Go value
// it was made from and re-encodes byte for byte with the '1.7' generation: v0.5.5 and v1.1.6
// with the default MarshalBinary time, v1.1.5 with the builtin one (its zero time is nil).
// Their integers are all below 128, where go-msgpack's int styles agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encode, type TimeFormat } from '@shoal/kit';
import { decodeConfiguration, decodePeers, encodeConfiguration, encodePeers } from '../../configuration-codec.js';
import { EMPTY_BYTES, LogType } from '../../log.js';
import { decodeRequestBody, decodeResponseBody } from './decode-message.js';
import { encodeOptionsFor, isNilBytes, messageSchemas, NIL_ENTRIES, RpcType, type RequestOf, type ResponseOf } from './index.js';
import { RAFT_V055, RAFT_V115, RAFT_V116, type GoVector } from './testdata/go-msgpack-raft-vectors.js';

const fromHex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const nilHeader = { protocolVersion: 0, id: EMPTY_BYTES, addr: EMPTY_BYTES };

type Expected =
  | { kind: 'request'; type: RpcType; value: RequestOf[RpcType] }
  | { kind: 'response'; type: RpcType; value: ResponseOf[RpcType] };

/** The Go values in raft_v*.go, in file order (the same seven in every file). */
const RPC_VALUES: Record<string, Expected[]> = {
  AppendEntriesRequest: [
    {
      kind: 'request',
      type: RpcType.AppendEntries,
      value: {
        ...nilHeader,
        addr: ascii('cartman'),
        term: 10,
        leader: EMPTY_BYTES,
        prevLogEntry: 100,
        prevLogTerm: 4,
        entries: [{ index: 101, term: 4, type: LogType.Noop, data: EMPTY_BYTES, extensions: EMPTY_BYTES, appendedAt: 0 }],
        leaderCommitIndex: 90,
      },
    },
    {
      kind: 'request',
      type: RpcType.AppendEntries,
      value: { ...nilHeader, protocolVersion: 3, addr: ascii('cartman'), term: 10, leader: ascii('cartman'), prevLogEntry: 0, prevLogTerm: 0, entries: NIL_ENTRIES, leaderCommitIndex: 0 },
    },
  ],
  AppendEntriesResponse: [{ kind: 'response', type: RpcType.AppendEntries, value: { ...nilHeader, term: 4, lastLog: 90, success: true, noRetryBackoff: false } }],
  InstallSnapshotRequest: [
    {
      kind: 'request',
      type: RpcType.InstallSnapshot,
      value: {
        ...nilHeader,
        addr: ascii('kyle'),
        snapshotVersion: 0,
        term: 10,
        leader: EMPTY_BYTES,
        lastLogIndex: 100,
        lastLogTerm: 9,
        peers: ascii('blah blah'),
        configuration: EMPTY_BYTES,
        configurationIndex: 0,
        size: 10,
      },
    },
  ],
  InstallSnapshotResponse: [{ kind: 'response', type: RpcType.InstallSnapshot, value: { ...nilHeader, term: 10, success: true } }],
  RequestVoteRequest: [
    {
      kind: 'request',
      type: RpcType.RequestVote,
      value: { ...nilHeader, addr: ascii('butters'), term: 20, candidate: EMPTY_BYTES, lastLogIndex: 100, lastLogTerm: 19, leadershipTransfer: false },
    },
  ],
  RequestVoteResponse: [{ kind: 'response', type: RpcType.RequestVote, value: { ...nilHeader, term: 100, peers: EMPTY_BYTES, granted: false } }],
};

/** Go nil must come back as the nil markers, not just as something empty. */
function assertNilsKept(decoded: unknown, expected: unknown, path: string): void {
  if (expected === EMPTY_BYTES) assert.ok(isNilBytes(decoded as Uint8Array), `${path} should be Go nil`);
  else if (expected === NIL_ENTRIES) assert.equal(decoded, NIL_ENTRIES, `${path} should be Go nil`);
  else if (Array.isArray(expected)) expected.forEach((e, i) => assertNilsKept((decoded as unknown[])[i], e, `${path}[${i}]`));
  else if (expected !== null && typeof expected === 'object' && !(expected instanceof Uint8Array)) {
    for (const [k, e] of Object.entries(expected)) assertNilsKept((decoded as Record<string, unknown>)[k], e, `${path}.${k}`);
  }
}

function checkFile(file: string, vectors: readonly GoVector[], timeFormat: TimeFormat): void {
  const options = encodeOptionsFor({ generation: '1.7', timeFormat });
  const schemas = messageSchemas('1.7');

  test(`${file}: the RPC vectors decode to Go's values and re-encode exactly`, () => {
    const seen = new Map<string, number>();
    let checked = 0;
    for (const vector of vectors) {
      const candidates = RPC_VALUES[vector.name];
      if (candidates === undefined) continue;
      const nth = seen.get(vector.name) ?? 0;
      seen.set(vector.name, nth + 1);
      const expected = candidates[nth]!;
      const bytes = fromHex(vector.hex);
      const decoded = expected.kind === 'request' ? decodeRequestBody(expected.type, bytes) : decodeResponseBody(expected.type, bytes);
      assert.deepStrictEqual(decoded, expected.value, `${vector.name} #${nth}`);
      assertNilsKept(decoded, expected.value, vector.name);
      const schema = expected.kind === 'request' ? schemas.requests[expected.type]! : schemas.responses[expected.type]!;
      assert.equal(toHex(encode(schema as never, decoded as never, options)), vector.hex, `${vector.name} #${nth} re-encoded`);
      checked++;
    }
    assert.equal(checked, 7);
  });

  test(`${file}: the configuration and legacy peers vectors decode and re-encode exactly`, () => {
    const configurations = vectors.filter((v) => v.name === 'Configuration');
    const peers = vectors.filter((v) => v.name === '[][]uint8');
    assert.equal(configurations.length, 80);
    assert.equal(peers.length, 23);
    for (const vector of configurations) {
      const configuration = decodeConfiguration(fromHex(vector.hex));
      const servers = vector.servers!.map(([suffrage, id, address]) => ({ suffrage, id, address }));
      assert.deepStrictEqual(configuration, { servers });
      assert.equal(toHex(encodeConfiguration(configuration)), vector.hex);
    }
    const text = new TextDecoder();
    for (const vector of peers) {
      const configuration = decodePeers(fromHex(vector.hex), (b) => text.decode(b));
      assert.deepStrictEqual(
        configuration.servers.map((s) => s.address),
        vector.peers,
      );
      assert.equal(toHex(encodePeers(configuration, (_id, address) => ascii(address))), vector.hex);
    }
  });
}

checkFile('raft_v055 (go-msgpack 0.5.5)', RAFT_V055, 'binary');
checkFile('raft_v115 (go-msgpack 1.1.5)', RAFT_V115, 'builtin');
checkFile('raft_v116 (go-msgpack 1.1.6)', RAFT_V116, 'binary');

test('the two AppendedAt forms of the zero time differ only in those bytes and decode alike', () => {
  const binary = RAFT_V116[0]!.hex;
  const builtin = RAFT_V115[0]!.hex;
  const zeroBinary = 'af01000000000000000000000000ffff';
  assert.equal(binary.replace(zeroBinary, 'c0'), builtin);
  assert.deepStrictEqual(decodeRequestBody(RpcType.AppendEntries, fromHex(binary)), decodeRequestBody(RpcType.AppendEntries, fromHex(builtin)));
});
