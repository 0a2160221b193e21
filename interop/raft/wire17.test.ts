// The 1.7 wire generation, which no live Go server here speaks: shoal servers
// on --wire 1.7 form a cluster, elect (with pre-vote), replicate, survive a
// SIGKILLed leader; and a live `shoal raft --wire 1.7` answers requests made of
// go-msgpack's captured upstream raft bytes with 1.7 replies (its ID and
// address in the header), while a --wire 1.1 server answers the same bytes in
// 1.1's form and drops the connection on pre-vote (RPC 4), as Go 1.1.2 does.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { NEED_MORE } from '@shoal/kit';
import { EMPTY_BYTES } from '@shoal/raft';
import { ReplyReader, RpcType, WireEncoder, type Reply } from '@shoal/raft/wire';
import { RAFT_V116 } from '../../packages/raft/src/transport/wire/testdata/go-msgpack-raft-vectors.js';
import { applyAll, clusterRoot, commands, startCluster } from '../harness/raft-cluster.js';
import { freeLoopbackPorts, startRaftNode, type RaftNodeProcess } from '../harness/raft-node-process.js';
import { agreedLeader, converged, digestOf } from '../harness/raft-node-waits.js';

const ELECTION_MS = 30_000;
const CONVERGE_MS = 30_000;
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined): string => (b === undefined ? '(none)' : new TextDecoder().decode(b));

test('three shoal servers on --wire 1.7 elect, replicate, and re-elect after a SIGKILLed leader', { timeout: 120_000 }, async (t: TestContext) => {
  const began = Date.now();
  const { root, cleanup } = clusterRoot('raft-wire17');
  let nodes: RaftNodeProcess[] = [];
  try {
    nodes = await startCluster([['s1', 'shoal'], ['s2', 'shoal'], ['s3', 'shoal']], root, { wire: '1.7' });
    const first = await agreedLeader(nodes, ELECTION_MS);
    const applied = await applyAll(first, commands('wire17', 30));
    await converged(nodes, applied.length, digestOf(applied), CONVERGE_MS);
    await first.kill('SIGKILL');
    const second = await agreedLeader(nodes.filter((n) => n !== first), ELECTION_MS);
    applied.push(...await applyAll(second, commands('wire17-after-crash', 30)));
    await first.restart();
    await converged(nodes, applied.length, digestOf(applied), CONVERGE_MS);
    t.diagnostic(`${first.id} → ${second.id}; ${applied.length} commands everywhere after ${Date.now() - began} ms`);
  } finally {
    await cleanup(nodes);
  }
});

/** One captured upstream (go-msgpack v1.1.6) request body by struct name and position. */
function captured(name: string, nth = 0): Uint8Array {
  const vector = RAFT_V116.filter((v) => v.name === name)[nth];
  assert.ok(vector, `vector ${name} #${nth}`);
  return Uint8Array.from(Buffer.from(vector.hex, 'hex'));
}

/** A client connection that sends raw request bytes and reads replies in order. */
class RawClient {
  readonly #reader = new ReplyReader();
  readonly #socket: Socket;
  #closed = false;
  /** Every byte received so far. */
  received = Buffer.alloc(0);
  #wake: (() => void) | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#reader.push(chunk);
      this.received = Buffer.concat([this.received, chunk]);
      this.#wake?.();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#wake?.();
    });
    socket.on('error', () => {});
  }

  static open(addr: string): Promise<RawClient> {
    const [host, port] = [addr.slice(0, addr.lastIndexOf(':')), Number(addr.slice(addr.lastIndexOf(':') + 1))];
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port }, () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  send(type: RpcType, body: Uint8Array): void {
    this.#socket.write(Uint8Array.of(type, ...body));
  }

  /** The next reply, or 'closed' if the server hung up first. */
  async reply<K extends RpcType>(type: K, timeoutMs = 10_000): Promise<Reply<K> | 'closed'> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const reply = this.#reader.next(type);
      if (reply !== NEED_MORE && !('needMore' in reply)) return reply;
      if (this.#closed) return 'closed';
      if (Date.now() > deadline) throw new Error(`no reply within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        setTimeout(resolve, 100);
      });
    }
  }

  close(): void {
    this.#socket.destroy();
  }
}

test('captured 1.7 request bytes: a --wire 1.7 server answers in 1.7, a --wire 1.1 server in 1.1, and only 1.7 takes pre-vote', { timeout: 60_000 }, async (t: TestContext) => {
  const { root, cleanup } = clusterRoot('raft-wire17-bytes');
  const ports = await freeLoopbackPorts(2);
  const nodes: RaftNodeProcess[] = [];
  try {
    // Lone servers with no configuration: they answer RPCs but never campaign.
    for (const [id, wire, port] of [['w17', '1.7', ports[0]], ['w11', '1.1', ports[1]]] as const) {
      nodes.push(await startRaftNode({ impl: 'shoal', id, bind: `127.0.0.1:${port}`, dir: join(root, id), extraArgs: ['--wire', wire] }));
    }
    const [w17, w11] = nodes as [RaftNodeProcess, RaftNodeProcess];
    const heartbeat = captured('AppendEntriesRequest', 1); // Term 10 from "cartman", ID nil, Addr "cartman"
    const vote = captured('RequestVoteRequest'); // Term 20, Addr "butters", ProtocolVersion 0
    // The same bytes with ProtocolVersion 3: Go refuses version 0 from a
    // version-3 server with "operation not supported with current protocol version".
    const versionKey = Buffer.from('af50726f746f636f6c56657273696f6e', 'hex');
    const at = Buffer.from(vote).indexOf(versionKey) + versionKey.length;
    assert.equal(vote[at], 0);
    const voteV3 = Uint8Array.from(vote);
    voteV3[at] = 3;

    for (const server of [w17, w11]) {
      const client = await RawClient.open(server.addr);
      try {
        client.send(RpcType.AppendEntries, heartbeat);
        client.send(RpcType.RequestVote, vote);
        client.send(RpcType.RequestVote, voteV3);
        const ae = await client.reply(RpcType.AppendEntries);
        const v0 = await client.reply(RpcType.RequestVote);
        const rv = await client.reply(RpcType.RequestVote);
        assert.ok(ae !== 'closed' && v0 !== 'closed' && rv !== 'closed', `${server.id} answered all three`);
        assert.equal(v0.error, 'operation not supported with current protocol version');
        assert.equal(v0.response, undefined, 'a refused request gets a nil response, as from Go');
        t.diagnostic(`${server.id}: AppendEntries → ${JSON.stringify({ ...ae.response, id: text(ae.response?.id), addr: text(ae.response?.addr) })}; RequestVote → error '${rv.error}', ${JSON.stringify({ ...rv.response, id: text(rv.response?.id), addr: text(rv.response?.addr) })}`);
        assert.equal(ae.error, '');
        assert.equal(ae.response?.term, 10, `${server.id} adopted the captured heartbeat's term`);
        assert.equal(ae.response?.success, true);
        assert.equal(rv.error, '');
        // It knows a leader (cartman, from the heartbeat), so as in Go it
        // refuses the vote before looking at the candidate's newer term.
        assert.equal(rv.response?.term, 10);
        assert.equal(rv.response?.granted, false);
        // 1.7 replies carry the responder's identity; 1.1 replies have no such keys.
        const identity = server === w17 ? { id: ascii(server.id), addr: ascii(server.addr) } : { id: EMPTY_BYTES, addr: EMPTY_BYTES };
        for (const reply of [ae.response, rv.response]) {
          assert.deepEqual({ id: Uint8Array.from(reply?.id ?? []), addr: Uint8Array.from(reply?.addr ?? []) }, identity, `${server.id} reply header`);
        }
        const addrKey = Buffer.from([0xa4, ...ascii('Addr')]);
        assert.equal(client.received.includes(addrKey), server === w17, `${server.id}: an Addr key in the reply bytes only on 1.7`);
      } finally {
        client.close();
      }
    }

    const preVote = new WireEncoder({ generation: '1.7' }).request({
      type: RpcType.RequestPreVote,
      request: { protocolVersion: 3, id: ascii('butters'), addr: ascii('127.0.0.1:1'), term: 21, lastLogIndex: 100, lastLogTerm: 19 },
    });
    const to17 = await RawClient.open(w17.addr);
    const to11 = await RawClient.open(w11.addr);
    try {
      to17.send(RpcType.RequestPreVote, preVote.subarray(1));
      const answered = await to17.reply(RpcType.RequestPreVote);
      assert.ok(answered !== 'closed', 'the 1.7 server answers pre-vote');
      assert.equal(answered.error, '');
      assert.equal(text(answered.response?.id), w17.id);
      to11.send(RpcType.RequestPreVote, preVote.subarray(1));
      assert.equal(await to11.reply(RpcType.RequestPreVote), 'closed', 'the 1.1 server drops the connection on RPC 4, as Go 1.1.2 does');
    } finally {
      to17.close();
      to11.close();
    }
  } finally {
    await cleanup(nodes);
  }
});
