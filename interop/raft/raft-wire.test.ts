// shoal's '1.1' encoder against live Go raft 1.1.2: interop/raft-wire prints the bytes raft's
// own NetworkTransport codec writes for a set of requests and replies (wide integers, str16,
// empty vs nil slices, error strings, nil responses); each must match ours byte for byte and
// decode back to the value it was made from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { EMPTY_BYTES, LogType, encodeConfiguration } from '@shoal/raft';
import { decodeReply, decodeRequest, NIL_ENTRIES, RpcType, WireEncoder, type RequestFrame, type ResponseOf } from '@shoal/raft/wire';
import { buildGoProgram, goMissingReason } from '../harness/go-build.js';

const run = promisify(execFile);
const missing = goMissingReason();
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const header = { protocolVersion: 3, id: EMPTY_BYTES, addr: EMPTY_BYTES };
const configuration = encodeConfiguration({
  servers: [
    { suffrage: 0, id: 'n1', address: '127.0.0.1:7000' },
    { suffrage: 1, id: 'n2', address: '127.0.0.1:7001' },
  ],
});
const longAddr = ascii('a'.repeat(40));
const peers = Uint8Array.of(0x91, 0xae, ...ascii('127.0.0.1:7000'));

const REQUESTS: Record<string, RequestFrame> = {
  heartbeat: { type: RpcType.AppendEntries, request: { ...header, term: 5, leader: ascii('127.0.0.1:7000'), prevLogEntry: 0, prevLogTerm: 0, entries: NIL_ENTRIES, leaderCommitIndex: 0 } },
  appendEntries: {
    type: RpcType.AppendEntries,
    request: {
      ...header,
      term: 5,
      leader: ascii('L'),
      prevLogEntry: 9,
      prevLogTerm: 5,
      entries: [{ index: 10, term: 5, type: LogType.Command, data: Uint8Array.of(0xff, 0, 1), extensions: EMPTY_BYTES, appendedAt: 0 }],
      leaderCommitIndex: 9,
    },
  },
  appendEntriesWide: {
    type: RpcType.AppendEntries,
    request: {
      ...header,
      term: 2 ** 40 + 1,
      leader: longAddr,
      prevLogEntry: 70000,
      prevLogTerm: 300,
      entries: [
        { index: Number.MAX_SAFE_INTEGER, term: 255, type: LogType.Configuration, data: configuration, extensions: new Uint8Array(0), appendedAt: 0 },
        { index: 65536, term: 1, type: LogType.Noop, data: new Uint8Array(300).fill(0xfe), extensions: ascii('x'), appendedAt: 0 },
      ],
      leaderCommitIndex: 2 ** 32,
    },
  },
  appendEntriesNoEntries: { type: RpcType.AppendEntries, request: { ...header, term: 7, leader: ascii('L'), prevLogEntry: 3, prevLogTerm: 2, entries: [], leaderCommitIndex: 3 } },
  requestVote: { type: RpcType.RequestVote, request: { ...header, term: 6, candidate: ascii('C'), lastLogIndex: 10, lastLogTerm: 5, leadershipTransfer: false } },
  requestVoteTransfer: { type: RpcType.RequestVote, request: { ...header, term: 300, candidate: longAddr, lastLogIndex: 65535, lastLogTerm: 299, leadershipTransfer: true } },
  installSnapshot: {
    type: RpcType.InstallSnapshot,
    request: { ...header, snapshotVersion: 1, term: 8, leader: ascii('127.0.0.1:7000'), lastLogIndex: 1000, lastLogTerm: 7, peers, configuration, configurationIndex: 900, size: 123456789 },
  },
  installSnapshotHuge: {
    type: RpcType.InstallSnapshot,
    request: { ...header, snapshotVersion: 1, term: 9, leader: EMPTY_BYTES, lastLogIndex: 0, lastLogTerm: 0, peers: EMPTY_BYTES, configuration: EMPTY_BYTES, configurationIndex: 0, size: 2 ** 40 },
  },
  timeoutNow: { type: RpcType.TimeoutNow, request: header },
};

type AnyReply = { [K in RpcType]: { type: K; error: string; response: ResponseOf[K] | undefined } }[RpcType];
const REPLIES: Record<string, AnyReply> = {
  appendEntriesReply: { type: RpcType.AppendEntries, error: '', response: { ...header, term: 5, lastLog: 10, success: true, noRetryBackoff: false } },
  appendEntriesReject: { type: RpcType.AppendEntries, error: '', response: { ...header, term: 5, lastLog: 4, success: false, noRetryBackoff: true } },
  requestVoteReply: { type: RpcType.RequestVote, error: '', response: { ...header, term: 6, peers: EMPTY_BYTES, granted: true } },
  installSnapshotReply: { type: RpcType.InstallSnapshot, error: '', response: { ...header, term: 8, success: true } },
  timeoutNowReply: { type: RpcType.TimeoutNow, error: '', response: header },
  errorReply: { type: RpcType.RequestVote, error: 'unexpected command', response: undefined },
  longErrorReply: { type: RpcType.AppendEntries, error: 'operation not supported with current protocol version', response: undefined },
};

test(missing ? `raft wire vs Go 1.1.2 (skipped: ${missing})` : 'raft wire: our 1.1 encoding is byte for byte what Go raft 1.1.2 writes', { skip: missing !== undefined, timeout: 300_000 }, async () => {
  const binary = await buildGoProgram('raft-wire', 'raft-wire');
  const { stdout } = await run(binary, [], { timeout: 30_000 });
  const printed = new Map(stdout.trim().split('\n').map((line) => {
    const { name, hex } = JSON.parse(line) as { name: string; hex: string };
    return [name, hex] as const;
  }));
  const encoder = new WireEncoder({ generation: '1.1' });
  const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
  let compared = 0;
  for (const [name, frame] of Object.entries(REQUESTS)) {
    const goHex = printed.get(name);
    assert.ok(goHex !== undefined, `Go printed no ${name}`);
    assert.equal(hex(encoder.request(frame)), goHex, name);
    assert.deepStrictEqual(decodeRequest(Buffer.from(goHex, 'hex'), '1.1'), frame, name);
    compared++;
  }
  for (const [name, reply] of Object.entries(REPLIES)) {
    const goHex = printed.get(name);
    assert.ok(goHex !== undefined, `Go printed no ${name}`);
    assert.equal(hex(encoder.reply(reply.type, reply.error, reply.response as never)), goHex, name);
    assert.deepStrictEqual(decodeReply(reply.type, Buffer.from(goHex, 'hex')), { error: reply.error, response: reply.response }, name);
    compared++;
  }
  assert.equal(printed.get('configuration'), hex(configuration));
  assert.equal(compared + 1, printed.size);
});
