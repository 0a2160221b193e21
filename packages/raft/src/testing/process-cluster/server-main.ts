/**
 * One raft server in its own process, started by the parent's supervisor
 * with a ServerSpec (JSON) as its one argument. Its stores live on its own
 * real directory, so SIGKILL and a restart on the same directory is a real
 * crash; its peers are reached through the parent (IpcTransport). It serves
 * KV commands from the parent's clients: writes through the log, gets after
 * readIndex. Exits when the parent goes away, so no server outlives a run.
 */
import { NodeFileSystem, realClock, seededRandom } from '@shoal/kit';
import { bootstrapCluster, hasExistingState } from '../../bootstrap.js';
import type { Config } from '../../config.js';
import { defaultConfig } from '../../config.js';
import { ServerSuffrage } from '../../configuration.js';
import { NotLeaderError } from '../../errors.js';
import { Raft } from '../../raft.js';
import { encodeKvCommand, KvFsm } from '../../sim/kv-fsm.js';
import { IpcTransport } from './ipc-transport.js';
import type { ClientReplyMessage, ClientRequestMessage, FromServer, ServerSpec, ToServer } from './messages.js';
import { toWireError } from './messages.js';
import { openServerStores } from './server-stores.js';

function send(message: FromServer): void {
  // A send after the parent hung up fails: the disconnect handler ends the process.
  if (process.connected) process.send?.(message);
}

function configFor(spec: ServerSpec): Config {
  return {
    ...defaultConfig(),
    localId: spec.id,
    heartbeatTimeoutMs: spec.heartbeatTimeoutMs,
    electionTimeoutMs: spec.heartbeatTimeoutMs,
    leaderLeaseTimeoutMs: Math.floor(spec.heartbeatTimeoutMs / 2),
    commitTimeoutMs: 20,
    snapshotIntervalMs: 200,
    snapshotThreshold: spec.snapshotThreshold,
    trailingLogs: spec.trailingLogs,
  };
}

async function serveClient(raft: Raft | undefined, fsm: KvFsm, message: ClientRequestMessage): Promise<void> {
  const reply: ClientReplyMessage = { type: 'client-reply', opId: message.opId };
  try {
    if (raft === undefined) throw new NotLeaderError();
    const cmd = message.cmd;
    if (cmd.op === 'get') {
      await raft.readIndex({ timeoutMs: message.timeoutMs });
      // The FSM has applied at least the read index: a local read is linearizable.
      reply.output = fsm.get(cmd.key);
    } else {
      const result = await raft.apply(encodeKvCommand(cmd), { timeoutMs: message.timeoutMs });
      reply.output = result.response as string | null | boolean;
    }
  } catch (err) {
    reply.error = { ...toWireError(err), ...(err instanceof NotLeaderError ? { leaderId: err.leaderId } : {}) };
  }
  send(reply);
}

async function main(spec: ServerSpec): Promise<void> {
  const config = configFor(spec);
  const transport = new IpcTransport(spec.id, { clock: realClock, send, timeoutMs: spec.rpcTimeoutMs });
  const fsm = new KvFsm();
  const running: { raft?: Raft } = {};
  // Listen before raft starts: RPCs that arrive early are refused by the transport, client commands with NotLeader.
  process.on('message', (message: ToServer) => {
    if (message.type === 'client') void serveClient(running.raft, fsm, message);
    else transport.receive(message);
  });
  process.on('disconnect', () => process.exit(0));

  const { logs, stable, snapshots } = await openServerStores(new NodeFileSystem(spec.dir), realClock);
  if (!(await hasExistingState(logs, stable, snapshots))) {
    const configuration = { servers: spec.servers.map((id) => ({ id, address: id, suffrage: ServerSuffrage.Voter })) };
    await bootstrapCluster({ config, logs, stable, snapshots, transport, configuration });
  }
  const raft = await Raft.create({ config, fsm, logs, stable, snapshots, transport, clock: realClock, random: seededRandom(spec.seed) });
  running.raft = raft;
  raft.internals.onStateChange((state, term) => send({ type: 'state', state, term }));
  send({ type: 'ready' });
}

const spec = JSON.parse(process.argv[2] ?? '{}') as ServerSpec;
main(spec).catch((err: unknown) => {
  process.stderr.write(`server ${spec.id}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
