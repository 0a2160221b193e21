import { mkdir, readFile } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createLogger, NodeFileSystem, RealClock, type Logger } from '@shoal/kit';
import {
  bootstrapCluster,
  defaultConfig,
  FileSnapshotStore,
  FileStableStore,
  hasExistingState,
  NetworkTransport,
  Observer,
  Raft,
  ServerSuffrage,
  splitHostPort,
  TcpStreamLayer,
  TlsStreamLayer,
  WalLogStore,
  type Config,
  type Server,
  type StreamLayer,
  type WireGeneration,
} from '@shoal/raft';
import { intOption, parseOptions } from '../args.js';
import { type Command, type CommandIO, UsageError } from '../command.js';
import { stoppedExitCode } from '../interrupt.js';
import { CommandLogFSM } from './raft-fsm.js';
import { handleRequest, parseRequestLine, type RaftServer } from './raft-protocol.js';

const RAFT_DEFAULTS = defaultConfig();

const USAGE = `shoal raft --id ID --bind HOST:PORT --dir DIR [--advertise HOST:PORT]
           [--bootstrap ID=HOST:PORT,...] [--wire 1.1|1.7]
           [--snapshot-threshold N] [--trailing-logs N] [--snapshot-interval-ms N]
           [--apply-timeout-ms N] [--tls-ca F --tls-cert F --tls-key F] [--parallel-append]
           [--inline-log-writes]

Runs one raft server (NetworkTransport over TCP, or TLS with the --tls-*
flags, which go together) with durable stores in DIR (wal/, stable/,
snapshots/), speaking HashiCorp raft's wire: --wire 1.1 (Go raft 1.1.2, the
default, no pre-vote) or 1.7. Its state machine is a log of commands with a
sha256 digest; its snapshot is the JSON array of the commands. --bootstrap
bootstraps those voters only when DIR holds no state.

  --advertise HOST:PORT   the address peers reach this server at (default: --bind's)
  --bootstrap ID=HOST:PORT,...
                          the first configuration's voters (default: none; join later)
  --wire 1.1|1.7          the Go raft wire version (default 1.1)
  --snapshot-threshold N  log entries between snapshots (default ${RAFT_DEFAULTS.snapshotThreshold}; 0 keeps it)
  --trailing-logs N       entries kept after a snapshot (default ${RAFT_DEFAULTS.trailingLogs}; 0 keeps it)
  --snapshot-interval-ms N
                          how often to check the threshold (default ${RAFT_DEFAULTS.snapshotIntervalMs}; 0 keeps it)
  --apply-timeout-ms N    an apply not committed and applied by then is answered
                          with an error; it may still commit later (default 10000)
  --tls-ca F --tls-cert F --tls-key F
                          TLS with this CA, certificate and key (default: plain TCP)
  --parallel-append       the leader replicates entries while it writes them
                          (config.parallelAppend; default off)
  --inline-log-writes     small log writes are made on the main thread, not a
                          worker thread: faster on a loaded machine, but the
                          server answers nothing, heartbeats included, while
                          one runs, so a stalling disk stalls it (default off)

Standard output, JSON lines:
  {"event":"ready","id":ID,"addr":HOST:PORT}            once it listens
  {"event":"leader","leader":ID|null,"term":N,"addr":A}  on each leader change
  {"event":"restored","applied":N}   a snapshot of N commands was restored
Standard input, JSON lines with a "req" number, each answered by one line
with that "req": {"op":"apply","data":TEXT} -> {"ok":true,"index":I};
{"op":"state"}; {"op":"add_voter","id":ID,"addr":A}; {"op":"remove","id":ID};
{"op":"transfer"[,"id":ID,"addr":A]}; {"op":"snapshot"};
{"op":"configuration"} -> {"ok":true,"servers":[{"id","addr","suffrage"}]}; failures answer
{"ok":false,"error":TEXT}. This is interop/raft-node's protocol.

Exits 0 when standard input ends or on SIGTERM, 130 on SIGINT (raft shut down
and the stores closed either way), 1 when it cannot start, 2 on bad arguments.`;

const DEFAULT_APPLY_TIMEOUT_MS = 10_000;

/**
 * With --inline-log-writes, log writes up to this size (one client's entry,
 * or a round of 32 small ones) block the main thread for their flush
 * instead of costing two thread wake-ups around a worker's (docs/raft.md,
 * raft-cluster). Larger ones, from a full AppendEntries of 64 entries up,
 * stay on a worker: at many clients the server keeps reading and sending
 * while the disk works, and what arrives meanwhile joins the next write.
 */
export const INLINE_LOG_WRITE_BYTES = 8 * 1024;

export interface RaftOptions {
  id: string;
  bind: string;
  advertise?: string;
  dir: string;
  bootstrap: Server[];
  wire: WireGeneration;
  snapshotThreshold?: number;
  trailingLogs?: number;
  snapshotIntervalMs?: number;
  applyTimeoutMs: number;
  tls?: { ca: string; cert: string; key: string };
  parallelAppend?: boolean;
  /** Log writes up to INLINE_LOG_WRITE_BYTES on the main thread (NodeFileSystemOptions.inlineDurableWriteBytes). */
  inlineLogWrites?: boolean;
}

function checkAddr(what: string, addr: string): void {
  try {
    splitHostPort(addr);
  } catch {
    throw new UsageError(`bad ${what} address '${addr}': want HOST:PORT`);
  }
}

/** Reads the flags as interop/raft-node/main.go does; every problem is a UsageError (one line, exit 2). */
export function parseRaftArgs(args: string[]): RaftOptions {
  const values = parseOptions(args, {
    id: { type: 'string' },
    bind: { type: 'string' },
    advertise: { type: 'string' },
    dir: { type: 'string' },
    bootstrap: { type: 'string' },
    wire: { type: 'string' },
    'snapshot-threshold': { type: 'string' },
    'trailing-logs': { type: 'string' },
    'snapshot-interval-ms': { type: 'string' },
    'apply-timeout-ms': { type: 'string' },
    'tls-ca': { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    'parallel-append': { type: 'boolean', default: false },
    'inline-log-writes': { type: 'boolean', default: false },
  });
  for (const name of ['id', 'bind', 'dir'] as const) {
    if (!values[name]) throw new UsageError(`--${name} is required`);
  }
  checkAddr('--bind', values.bind!);
  if (values.advertise !== undefined) checkAddr('--advertise', values.advertise);
  const wire = values.wire ?? '1.1';
  if (wire !== '1.1' && wire !== '1.7') throw new UsageError(`--wire must be 1.1 or 1.7, got '${wire}'`);
  const bootstrap: Server[] = [];
  if (values.bootstrap) {
    for (const part of values.bootstrap.split(',')) {
      const eq = part.indexOf('=');
      if (eq <= 0 || eq === part.length - 1) throw new UsageError(`bad --bootstrap entry '${part}': want ID=HOST:PORT`);
      const address = part.slice(eq + 1);
      checkAddr('--bootstrap', address);
      bootstrap.push({ id: part.slice(0, eq), address, suffrage: ServerSuffrage.Voter });
    }
  }
  const tlsFlags = [values['tls-ca'], values['tls-cert'], values['tls-key']];
  const given = tlsFlags.filter((f) => f !== undefined).length;
  if (given !== 0 && given !== 3) throw new UsageError('--tls-ca, --tls-cert and --tls-key go together');
  const positive = (name: string, raw: string | undefined): number | undefined => {
    const n = intOption(name, raw, undefined, 0);
    return n === 0 ? undefined : n; // 0: raft's default, as in the Go program
  };
  return {
    id: values.id!,
    bind: values.bind!,
    advertise: values.advertise,
    dir: values.dir!,
    bootstrap,
    wire,
    snapshotThreshold: positive('snapshot-threshold', values['snapshot-threshold']),
    trailingLogs: positive('trailing-logs', values['trailing-logs']),
    snapshotIntervalMs: positive('snapshot-interval-ms', values['snapshot-interval-ms']),
    applyTimeoutMs: intOption('apply-timeout-ms', values['apply-timeout-ms'], DEFAULT_APPLY_TIMEOUT_MS, 1),
    tls: given === 3 ? { ca: values['tls-ca']!, cert: values['tls-cert']!, key: values['tls-key']! } : undefined,
    parallelAppend: values['parallel-append'] === true,
    inlineLogWrites: values['inline-log-writes'] === true,
  };
}

function stderrLogger(io: CommandIO, id: string): Logger {
  // One line per entry, errors by their message and code: a peer that stays
  // unreachable is reported every few hundred ms, and stacks would bury why.
  return createLogger((entry) => {
    const err = (entry as { err?: unknown }).err;
    io.err(`${JSON.stringify(err === undefined ? entry : { ...entry, err: errorText(err) })}\n`);
  }, 'info', { server: id });
}

function errorText(err: unknown): unknown {
  if (err instanceof Error) return err.message;
  if (typeof err === 'object' && err !== null && 'message' in err) {
    const { message, code } = err as { message: unknown; code?: unknown };
    return code === undefined ? message : `${String(message)} (${String(code)})`;
  }
  return err;
}

/**
 * Opens the stores, the transport and raft on options.dir (bootstrapping a
 * fresh directory); `emit` reports restored snapshots.
 */
export async function startRaftServer(options: RaftOptions, io: CommandIO, emit: (event: unknown) => void = () => {}): Promise<RaftServer> {
  const clock = new RealClock();
  const logger = stderrLogger(io, options.id);
  const dir = resolvePath(options.dir);
  await mkdir(dir, { recursive: true });
  const fs = new NodeFileSystem(dir, { inlineDurableWriteBytes: options.inlineLogWrites === true ? INLINE_LOG_WRITE_BYTES : 0 });
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  };
  try {
    const logs = await WalLogStore.open(fs, 'wal', { logger });
    closers.push(() => logs.close());
    const stable = await FileStableStore.open(fs, 'stable');
    closers.push(() => stable.close());
    const snapshots = await FileSnapshotStore.open(fs, '', { clock, logger });
    let layer: StreamLayer;
    if (options.tls) {
      const [ca, cert, key] = await Promise.all([options.tls.ca, options.tls.cert, options.tls.key].map((f) => readFile(f)));
      layer = await TlsStreamLayer.listen({
        bind: options.bind,
        advertise: options.advertise,
        ca: ca!,
        cert: cert!,
        key: key!,
        onHandshakeError: (error, remote) => logger.warn({ remote, err: error }, 'TLS handshake failed'),
      });
    } else {
      layer = await TcpStreamLayer.listen({ bind: options.bind, advertise: options.advertise });
    }
    // maxPool 3 and a 10 s RPC timeout, as the Go program (and Consul, Nomad) use.
    const transport = new NetworkTransport({ layer, clock, wire: options.wire, maxPool: 3, timeoutMs: 10_000, logger });
    closers.push(() => transport.close());
    const config: Config = {
      ...defaultConfig(),
      localId: options.id,
      logger,
      // Go raft 1.1.2 has no pre-vote; a 1.1 cluster runs without it.
      preVoteDisabled: options.wire === '1.1',
      parallelAppend: options.parallelAppend === true,
    };
    if (options.snapshotThreshold !== undefined) config.snapshotThreshold = options.snapshotThreshold;
    if (options.trailingLogs !== undefined) config.trailingLogs = options.trailingLogs;
    if (options.snapshotIntervalMs !== undefined) config.snapshotIntervalMs = options.snapshotIntervalMs;
    // Bootstrapping a directory that already holds a cluster's state would fork history.
    if (options.bootstrap.length > 0 && !(await hasExistingState(logs, stable, snapshots))) {
      await bootstrapCluster({ config, logs, stable, snapshots, transport, configuration: { servers: options.bootstrap } });
    }
    const fsm = new CommandLogFSM((applied) => emit({ event: 'restored', applied }));
    const raft = await Raft.create({ config, fsm, logs, stable, snapshots, transport, clock });
    return {
      raft,
      fsm,
      addr: transport.localAddr,
      applyTimeoutMs: options.applyTimeoutMs,
      async shutdown(): Promise<void> {
        try {
          await raft.shutdown();
        } finally {
          await closeAll();
        }
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** Reports every leader change as a `leader` event (the Go program's watchLeader). */
function watchLeader(server: RaftServer, emit: (v: unknown) => void): Observer {
  const observer = new Observer({
    filter: (o) => o.data.type === 'leader',
    onObservation: (o) => {
      if (o.data.type !== 'leader') return;
      const { leaderAddr, leaderId } = o.data;
      const term = server.raft.currentTerm();
      if (!leaderAddr) {
        emit({ event: 'leader', leader: null, term });
        return;
      }
      if (leaderId) {
        emit({ event: 'leader', leader: leaderId, term, addr: leaderAddr });
        return;
      }
      // Wire 1.1 carries no IDs: map the address through the configuration.
      void leaderIdOf(server.raft, leaderAddr).then((id) => emit({ event: 'leader', leader: id, term, addr: leaderAddr }));
    },
  });
  // Drain the iterator side so its buffer never fills.
  void (async () => {
    for await (const _ of observer) {
      /* reported by onObservation */
    }
  })().catch(() => undefined);
  server.raft.registerObserver(observer);
  return observer;
}

async function leaderIdOf(raft: Raft, addr: string): Promise<string> {
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      const { configuration } = await raft.getConfiguration();
      const found = configuration.servers.find((s) => s.address === addr);
      if (found) return found.id;
    } catch {
      break; // shut down
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return addr;
}

/** `shoal raft` reading requests from `input` (process.stdin in the bin). */
export function raftCommandOn(input: () => Readable): Command {
  return {
    name: 'raft',
    summary: 'run one raft server over TCP (Go raft wire) with durable stores, driven by JSON lines on stdin',
    usage: USAGE,
    async run(args: string[], io: CommandIO): Promise<number> {
      const options = parseRaftArgs(args);
      const emit = (v: unknown): void => io.out(`${JSON.stringify(v)}\n`);
      let server: RaftServer;
      try {
        server = await startRaftServer(options, io, emit);
      } catch (error) {
        io.err(`shoal raft: ${error instanceof Error ? error.message : String(error)}\n`);
        return 1;
      }
      watchLeader(server, emit);
      emit({ event: 'ready', id: options.id, addr: server.addr });

      const pending = new Set<Promise<void>>();
      const lines = createInterface({ input: input(), crlfDelay: Infinity });
      const stdinDone = new Promise<void>((resolve) => {
        lines.on('line', (line) => {
          if (line.trim() === '') return;
          const parsed = parseRequestLine(line);
          if ('error' in parsed) {
            emit({ req: null, ok: false, error: parsed.error });
            return;
          }
          const work = handleRequest(server, parsed.request).then((reply) => emit({ req: parsed.request.req, ...reply }));
          pending.add(work);
          void work.finally(() => pending.delete(work));
        });
        lines.on('close', () => resolve());
      });
      const signalled = new Promise<void>((resolve) => {
        if (io.signal.aborted) resolve();
        io.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      await Promise.race([stdinDone.then(() => Promise.all(pending)), signalled]);
      io.err(`shoal raft: ${io.signal.aborted ? String(io.signal.reason) : 'stdin closed'}: shutting down\n`);
      lines.close();
      try {
        await server.shutdown();
      } catch (error) {
        io.err(`shoal raft: shutdown: ${error instanceof Error ? error.message : String(error)}\n`);
      }
      return io.signal.aborted ? stoppedExitCode(io.signal) : 0;
    },
  };
}

export const raftCommand: Command = raftCommandOn(() => process.stdin);
