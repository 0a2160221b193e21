// IpcTransport and the parent's Router in one process: messages cross a v8
// serialize/deserialize (what 'advanced' IPC does), answers find their
// caller, snapshots arrive whole, and a request to a dead server times out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deserialize, serialize } from 'node:v8';
import { ManualClock, utf8 } from '@shoal/kit';
import type { AppendEntriesRequest, AppendEntriesResponse, InstallSnapshotRequest } from '../../commands.js';
import { emptyHeader } from '../../commands.js';
import { makeLog } from '../../log.js';
import type { RpcHandler } from '../../transport/transport.js';
import { IpcTransport } from './ipc-transport.js';
import type { FromServer, ToServer } from './messages.js';
import { Router } from './router.js';
import type { ServerProcess } from './server-process.js';

interface FakeServer {
  id: string;
  alive: boolean;
  incarnation: number;
  transport: IpcTransport;
  send(message: ToServer): boolean;
}

/** Two servers whose messages go through a Router, as in the parent. */
function wire(clock: ManualClock): { a: FakeServer; b: FakeServer } {
  const servers = new Map<string, ServerProcess>();
  const router = new Router(servers);
  const make = (id: string): FakeServer => {
    const server: FakeServer = {
      id,
      alive: true,
      incarnation: 1,
      transport: new IpcTransport(id, {
        clock,
        timeoutMs: 100,
        send: (message: FromServer) => {
          const copy = deserialize(serialize(message)) as FromServer;
          if (copy.type === 'rpc') router.request(server as unknown as ServerProcess, copy);
          else if (copy.type === 'rpc-reply') router.reply(copy);
        },
      }),
      send(message) {
        if (!server.alive) return false;
        const copy = deserialize(serialize(message)) as ToServer;
        if (copy.type !== 'client') queueMicrotask(() => server.transport.receive(copy));
        return true;
      },
    };
    servers.set(id, server as unknown as ServerProcess);
    return server;
  };
  return { a: make('a'), b: make('b') };
}

function handler(overrides: Partial<RpcHandler>): RpcHandler {
  const refuse = (): Promise<never> => Promise.reject(new Error('unexpected'));
  return { appendEntries: refuse, requestVote: refuse, requestPreVote: refuse, installSnapshot: refuse, timeoutNow: refuse, ...overrides };
}

function appendRequest(index: number): AppendEntriesRequest {
  return { ...emptyHeader(), term: 1, leader: utf8('a'), prevLogEntry: index - 1, prevLogTerm: 1, entries: [makeLog({ index, term: 1, data: utf8(`x${index}`) })], leaderCommitIndex: 0 };
}

test('appendEntries crosses the router both ways, pipelined answers in order, entries intact', async () => {
  const clock = new ManualClock();
  const { a, b } = wire(clock);
  const seen: string[] = [];
  b.transport.setHandler(
    handler({
      appendEntries: (req) => {
        seen.push(new TextDecoder().decode(req.entries[0]!.data));
        return Promise.resolve({ ...emptyHeader(), term: 1, lastLog: req.entries[0]!.index, success: true, noRetryBackoff: false } satisfies AppendEntriesResponse);
      },
    }),
  );
  const pipeline = a.transport.appendEntriesPipeline('b', 'b');
  const futures = [await pipeline.appendEntries(appendRequest(1)), await pipeline.appendEntries(appendRequest(2))];
  const answers = await Promise.all(futures.map((f) => f.response));
  assert.deepEqual(answers.map((r) => r.lastLog), [1, 2]);
  assert.deepEqual(seen, ['x1', 'x2']);
  await pipeline.close();
});

test('installSnapshot delivers the whole snapshot to the handler', async () => {
  const clock = new ManualClock();
  const { a, b } = wire(clock);
  let received = new Uint8Array(0);
  b.transport.setHandler(
    handler({
      installSnapshot: async (_req, data) => {
        for await (const chunk of data) received = Uint8Array.from([...received, ...chunk]);
        return { ...emptyHeader(), term: 1, success: true };
      },
    }),
  );
  const snapshot = utf8('state of the machine');
  const req = { ...emptyHeader(), snapshotVersion: 1, term: 1, leader: utf8('a'), lastLogIndex: 9, lastLogTerm: 1, peers: new Uint8Array(0), configuration: new Uint8Array(0), configurationIndex: 1, size: snapshot.length } satisfies InstallSnapshotRequest;
  async function* chunks(): AsyncIterable<Uint8Array> {
    yield snapshot.subarray(0, 5);
    yield snapshot.subarray(5);
  }
  const resp = await a.transport.installSnapshot('b', 'b', req, chunks());
  assert.equal(resp.success, true);
  assert.deepEqual(received, snapshot);
});

test('a request to a dead server fails after the timeout; an error the handler throws comes back to the caller', async () => {
  const clock = new ManualClock();
  const { a, b } = wire(clock);
  b.alive = false;
  const dead = a.transport.requestVote('b', 'b', { ...emptyHeader(), term: 2, candidate: utf8('a'), lastLogIndex: 0, lastLogTerm: 0, leadershipTransfer: false });
  const outcome = dead.then(
    () => 'answered',
    (err: { code?: string }) => err.code,
  );
  clock.advance(99);
  await Promise.resolve();
  clock.advance(1);
  assert.equal(await outcome, 'ERR_RPC_TIMEOUT');

  b.alive = true;
  b.transport.setHandler(handler({}));
  await assert.rejects(a.transport.timeoutNow('b', 'b', { ...emptyHeader() }), /unexpected/);
});
