import { createInterface } from 'node:readline';
import { fromUtf8, RealClock, utf8 } from '@shoal/kit';
import {
  type Config,
  createNetMemberlist,
  defaultLANConfig,
  defaultLocalConfig,
  defaultWANConfig,
  ipPortString,
  Memberlist,
  type Node,
  splitHostPort,
  stateName,
} from '@shoal/memberlist';
import { loadTlsMaterial, QuicTransport, type TlsMaterial, TlsMaterialError } from '@shoal/memberlist-quic';
import { parseOptions } from '../args.js';
import { stoppedExitCode } from '../interrupt.js';
import { runStdinCommand } from './member-stdin.js';
import { type Command, type CommandIO, UsageError } from '../command.js';
import { LOG_LEVEL_CHOICES, logLevelOption, type LogLevelOption } from '../logging.js';
import { memberOperations } from './member-operations.js';

const USAGE = `shoal member --name NAME --bind HOST:PORT [--advertise HOST:PORT] [--join HOST:PORT,...]
       [--profile lan|wan|local] [--key BASE64] [--label LABEL] [--meta TEXT] [--state TEXT] [--commands]
       [--transport udp|quic] [--tls-ca FILE --tls-cert FILE --tls-key FILE] [--require-node-name]
       [--log-level LEVEL] [--http HOST:PORT]

Runs one memberlist node and prints one JSON object per line for each membership
event, starting with its own join:
  {"event":"join"|"leave"|"update","node":NAME,"addr":"HOST:PORT","meta":TEXT,"t":EPOCH_MS}
A leave says why the node went: "reason":"left" (it said goodbye) or "dead"
(it stopped answering and was declared dead).
SIGTERM leaves the cluster gracefully, then exits 0; SIGINT shuts down at once,
exit 130. Either signal during --join stops the join (exit 0 or 130).

  --advertise HOST:PORT  the address peers reach this node at (default: --bind's)
  --join HOST:PORT,...   members to join through (default: none, a cluster of one)
  --profile lan|wan|local  memberlist's timing defaults (default lan)
  --key BASE64   16, 24 or 32-byte AES key encrypting gossip (default: none)
  --label LABEL  packet label; peers with another label are refused (default none)
  --meta TEXT    this node's metadata (default empty)
  --log-level LEVEL
                 ${LOG_LEVEL_CHOICES.join('|')} (default warn): the library's
                 log lines, one JSON object each (pino), on standard error.
                 debug shows joins, refused packets, suspicions and more.
  --http HOST:PORT
                 serve GET /v1/agent/members (JSON: name, address, state,
                 incarnation, meta for each member) and GET /metrics
                 (Prometheus text); prints {"event":"http","addr":...} once
                 listening. Read it with \`shoal members --http HOST:PORT\`.
                 Default: no HTTP server.

  --state TEXT   delegate state exchanged in push/pull (remote state prints as
                 "remote-state"; default empty)
  --commands     read commands from standard input, one per line:
                   send-reliable NODE TEXT | send-best-effort NODE TEXT | update-meta TEXT |
                   set-state TEXT | members | leave [TIMEOUT_MS]
                 user messages print as {"event":"msg","data":TEXT}

  --transport udp|quic  udp (default): memberlist's UDP + TCP transport.
                 quic: one UDP socket carrying QUIC with mutual TLS (docs/memberlist-quic.md);
                 --bind, --advertise and --join addresses are then QUIC (UDP) ports.
  --tls-ca FILE, --tls-cert FILE, --tls-key FILE
                 required with quic (no default): the cluster's CA certificate and this node's
                 certificate and key (\`shoal tls ca\`, \`shoal tls cert\`). Peers whose
                 certificates the CA did not sign are refused (logged on stderr).
  --require-node-name
                 quic only: also refuse a peer whose certificate's CN is not the
                 memberlist name it is addressed by; --name must then equal the CN of
                 --tls-cert.

Exit status: 0 stopped by SIGTERM; 130 stopped by SIGINT; 1 the node could not
start, join or listen on --http; 2 bad arguments or TLS files that are missing,
unreadable or unusable.`;

const PROFILES = { lan: defaultLANConfig, wan: defaultWANConfig, local: defaultLocalConfig } as const;

interface MemberOptions {
  name: string;
  bind: { host: string; port: number };
  advertise?: { host: string; port: number };
  join: string[];
  profile: keyof typeof PROFILES;
  key?: Uint8Array;
  label: string;
  meta: string;
  state: string;
  commands: boolean;
  transport: 'udp' | 'quic';
  /** With quic: the files of this node's TLS material. */
  tls?: { caFile: string; certFile: string; keyFile: string };
  requireNodeName: boolean;
  logLevel: LogLevelOption;
  http?: { host: string; port: number };
}

function hostPort(flag: string, text: string): { host: string; port: number } {
  const hp = splitHostPort(text);
  if (!hp || hp.host === '') throw new UsageError(`--${flag} must be HOST:PORT, got '${text}'`);
  return hp;
}

export function parseMemberArgs(args: string[]): MemberOptions {
  const values = parseOptions(args, {
    name: { type: 'string' },
    bind: { type: 'string' },
    advertise: { type: 'string' },
    join: { type: 'string' },
    profile: { type: 'string', default: 'lan' },
    key: { type: 'string' },
    label: { type: 'string', default: '' },
    meta: { type: 'string', default: '' },
    state: { type: 'string', default: '' },
    commands: { type: 'boolean', default: false },
    transport: { type: 'string', default: 'udp' },
    'tls-ca': { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    'require-node-name': { type: 'boolean', default: false },
    'log-level': { type: 'string', default: 'warn' },
    http: { type: 'string' },
  });
  if (!values.name) throw new UsageError('--name is required');
  if (!values.bind) throw new UsageError('--bind is required');
  if (!(values.profile! in PROFILES)) throw new UsageError(`--profile must be lan, wan or local, got '${values.profile}'`);
  let key: Uint8Array | undefined;
  if (values.key !== undefined) {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(values.key)) throw new UsageError('--key must be base64');
    key = Uint8Array.from(Buffer.from(values.key, 'base64'));
    if (![16, 24, 32].includes(key.length)) throw new UsageError(`--key must decode to 16, 24 or 32 bytes, got ${key.length}`);
  }
  if (Buffer.byteLength(values.label!) > 255) throw new UsageError('--label must be at most 255 bytes');
  const transport = values.transport!;
  if (transport !== 'udp' && transport !== 'quic') throw new UsageError(`--transport must be udp or quic, got '${transport}'`);
  const tlsFlags = ['tls-ca', 'tls-cert', 'tls-key'] as const;
  let tls: MemberOptions['tls'];
  if (transport === 'quic') {
    const missing = tlsFlags.filter((flag) => values[flag] === undefined || values[flag] === '');
    if (missing.length > 0) throw new UsageError(`--transport quic requires ${missing.map((flag) => `--${flag} FILE`).join(', ')}`);
    tls = { caFile: values['tls-ca']!, certFile: values['tls-cert']!, keyFile: values['tls-key']! };
  } else {
    const given = [...tlsFlags, 'require-node-name' as const].filter((flag) => values[flag] !== undefined && values[flag] !== false);
    if (given.length > 0) throw new UsageError(`--${given[0]} needs --transport quic`);
  }
  return {
    name: values.name,
    bind: hostPort('bind', values.bind),
    ...(values.advertise !== undefined ? { advertise: hostPort('advertise', values.advertise) } : {}),
    join: values.join ? values.join.split(',').filter((s) => s !== '') : [],
    profile: values.profile as keyof typeof PROFILES,
    ...(key ? { key } : {}),
    label: values.label!,
    meta: values.meta!,
    state: values.state!,
    commands: values.commands!,
    transport,
    ...(tls ? { tls } : {}),
    requireNodeName: values['require-node-name']!,
    logLevel: logLevelOption(values['log-level']!),
    ...(values.http !== undefined ? { http: hostPort('http', values.http) } : {}),
  };
}

/** Reads and checks the TLS files; any problem with them is bad input: one line, exit 2. */
async function loadTls(opts: MemberOptions, files: NonNullable<MemberOptions['tls']>, now: number): Promise<TlsMaterial> {
  let material: TlsMaterial;
  try {
    material = await loadTlsMaterial(files, { now });
  } catch (error) {
    if (error instanceof TlsMaterialError) throw new UsageError(error.message);
    throw error;
  }
  if (opts.requireNodeName && material.commonName !== opts.name) {
    throw new UsageError(`--require-node-name: --name '${opts.name}' is not the CN '${material.commonName}' of ${files.certFile}; peers would refuse it`);
  }
  return material;
}

const text = (b: Uint8Array): string => fromUtf8(b);

export const memberCommand: Command = {
  name: 'member',
  summary: 'run one memberlist node on the network, printing membership events as JSON lines',
  usage: USAGE,
  async run(args: string[], io: CommandIO): Promise<number> {
    const opts = parseMemberArgs(args);
    const clock = new RealClock();
    const print = (obj: Record<string, unknown>): void => io.out(`${JSON.stringify({ ...obj, t: clock.wallTime() })}\n`);
    const nodeEvent = (event: string) => (node: Node): void =>
      print({ event, node: node.name, addr: ipPortString(node.addr, node.port), meta: text(node.meta), ...(event === 'leave' ? { reason: stateName(node.state) } : {}) });
    const operations = await memberOperations(opts, io);
    let meta: Uint8Array = utf8(opts.meta);
    let state: Uint8Array = utf8(opts.state);
    const config: Config = PROFILES[opts.profile]({
      name: opts.name,
      bindAddr: opts.bind.host,
      bindPort: opts.bind.port,
      advertiseAddr: opts.advertise?.host ?? '',
      advertisePort: opts.advertise?.port ?? opts.bind.port,
      label: opts.label,
      clock,
      logger: operations.logger,
      metrics: operations.metrics,
      events: { notifyJoin: nodeEvent('join'), notifyLeave: nodeEvent('leave'), notifyUpdate: nodeEvent('update') },
      delegate: {
        nodeMeta: () => meta,
        notifyMsg: (msg) => print({ event: 'msg', data: text(msg) }),
        getBroadcasts: () => [],
        localState: () => state,
        mergeRemoteState: (buf, join) => {
          if (buf.length > 0) print({ event: 'remote-state', data: text(buf), join });
        },
      },
      ...(opts.key ? { secretKey: opts.key } : {}),
    });
    const tls = opts.tls ? await loadTls(opts, opts.tls, clock.wallTime()) : undefined;
    let list: Memberlist;
    try {
      list = tls ? await createQuicMemberlist(config, tls, opts.requireNodeName) : await createNetMemberlist(config);
    } catch (error) {
      io.err(`shoal member: ${(error as Error).message}\n`);
      return 1;
    }
    try {
      const served = await operations.serve(list);
      if (served !== undefined) print({ event: 'http', addr: served });
    } catch (error) {
      await list.shutdown();
      io.err(`shoal member: --http: ${(error as Error).message}\n`);
      return 1;
    }
    if (opts.join.length > 0) {
      try {
        const contacted = await list.join(opts.join, { signal: io.signal });
        print({ event: 'joined', contacted });
      } catch (error) {
        await Promise.all([list.shutdown(), operations.close()]);
        // A signal while joining stops the join: that is the requested exit, not a failure.
        if (io.signal.aborted) return stoppedExitCode(io.signal);
        io.err(`shoal member: join failed: ${(error as Error).message}\n`);
        return 1;
      }
    }
    const lines = opts.commands ? createInterface({ input: process.stdin }) : undefined;
    lines?.on('line', (line) => {
      void runStdinCommand(list, line.trim(), print, {
        setMeta: (m) => (meta = m),
        setState: (s) => (state = s),
      }).catch((error: unknown) => print({ event: 'error', command: line, error: (error as Error).message }));
    });
    const stopped = await new Promise<string>((resolve) => {
      if (io.signal.aborted) resolve(String(io.signal.reason));
      io.signal.addEventListener('abort', () => resolve(String(io.signal.reason)), { once: true });
    });
    lines?.close();
    if (stopped === 'SIGTERM' && !list.isShutdown) {
      try {
        await list.leave(config.tcpTimeoutMs);
      } catch (error) {
        io.err(`shoal member: leave: ${(error as Error).message}\n`);
      }
    }
    await Promise.all([list.shutdown(), operations.close()]);
    return stoppedExitCode(io.signal);
  },
};

/** A memberlist over a QuicTransport, as createNetMemberlist does over the NetTransport. */
async function createQuicMemberlist(config: Config, tls: TlsMaterial, requireNodeName: boolean): Promise<Memberlist> {
  // Refused peers (another CA, an expired certificate, a wrong name) are warnings: on stderr at the default --log-level.
  const logger = config.logger;
  const transport = await QuicTransport.create({
    bindAddr: config.bindAddr,
    bindPort: config.bindPort,
    tls: { caPem: tls.caPem, certPem: tls.certPem, keyPem: tls.keyPem },
    requireNodeName,
    clock: config.clock,
    logger,
  });
  const autoPort = config.bindPort === 0;
  try {
    return await Memberlist.create({
      ...config,
      transport,
      bindPort: transport.port,
      advertisePort: autoPort && (config.advertisePort === 0 || config.advertisePort === config.bindPort) ? transport.port : config.advertisePort,
    });
  } catch (error) {
    await transport.shutdown();
    throw error;
  }
}
