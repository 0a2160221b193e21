import { splitHostPort } from '@shoal/memberlist';
import { intOption, parseOptions } from '../args.js';
import { UsageError } from '../command.js';
import { type LogLevelOption, LOG_LEVEL_CHOICES, logLevelOption } from '../logging.js';

export const DEFAULT_GOSSIP_BIND = '0.0.0.0:8301';
export const DEFAULT_RAFT_BIND = '0.0.0.0:8300';
export const DEFAULT_HTTP = '127.0.0.1:8500';
export const DEFAULT_DATACENTER = 'dc1';
const PROFILES = ['lan', 'wan', 'local'] as const;

export const AGENT_USAGE = `shoal agent --name NAME --data-dir DIR [--server [--bootstrap-expect N]]
            [--bind HOST:PORT] [--advertise HOST:PORT] [--raft-bind HOST:PORT]
            [--http HOST:PORT] [--join HOST:PORT,...] [--datacenter DC] [--key BASE64]
            [--raft-tls-ca FILE --raft-tls-cert FILE --raft-tls-key FILE]
            [--profile lan|wan|local] [--log-level LEVEL]
       shoal agent --dev [--name NAME] [--http HOST:PORT] [--datacenter DC] [--log-level LEVEL]

Runs one agent of a cluster, as Consul does: every agent gossips (memberlist)
and serves Consul's HTTP API (KV, sessions, the catalog, health, its own
services and TTL checks); servers (--server) also run raft, find each other
through gossip and replicate the store; client agents send writes to the
leader and reads to the servers. With --bootstrap-expect N, servers
bootstrap raft by themselves once N of them see each other; servers that
come later are added by the leader. See docs/agent-cluster.md. With --dev,
one server alone, in memory: nothing is kept on disk (docs/agent.md).

  --dev            one server in one process, in memory (default: a cluster agent)
  --name NAME      the node name, unique in the cluster (a server's raft ID);
                   required, except with --dev (default: the host name)
  --data-dir DIR   the node ID and, on servers, raft's stores (created if
                   missing); required, except with --dev, which keeps nothing
  --server         run raft and keep a copy of the store (default: a client agent)
  --bootstrap-expect N
                   servers only: bootstrap raft once N servers with no raft state
                   see each other (default: never bootstrap; wait to be added)
  --bind HOST:PORT gossip, UDP and TCP (default ${DEFAULT_GOSSIP_BIND})
  --advertise HOST:PORT
                   the gossip address others reach this agent at (default: the
                   --bind address, or a private IP of this machine for 0.0.0.0);
                   its host also stands in for a 0.0.0.0 raft or HTTP address
  --raft-bind HOST:PORT
                   servers only: raft over TCP (default ${DEFAULT_RAFT_BIND})
  --http HOST:PORT the HTTP API, also how servers forward to the leader (default
                   ${DEFAULT_HTTP}; other agents must reach it for that)
  --join HOST:PORT,...
                   gossip addresses of agents to join through (default: none, a
                   cluster of one until others join this one)
  --datacenter DC  the datacenter (default ${DEFAULT_DATACENTER})
  --key BASE64     16, 24 or 32-byte AES key encrypting gossip, as Consul's
                   -encrypt (default: no encryption)
  --raft-tls-ca FILE --raft-tls-cert FILE --raft-tls-key FILE
                   servers only: mutual TLS between servers with this CA,
                   certificate and key (default: plain TCP); \`shoal tls\` makes them
  --profile lan|wan|local
                   memberlist's timing defaults (default lan)
  --log-level LEVEL
                   ${LOG_LEVEL_CHOICES.join('|')} (default info): log lines, one
                   JSON object each (pino), on standard error

Standard output, JSON lines:
  {"event":"ready","name","role","datacenter","gossip","http","raft"?}  once running
  {"event":"member","node","status":"alive"|"failed"|"left","role"}     gossip changes
  {"event":"bootstrapped","servers":[NAME,...]}   this server bootstrapped raft
  {"event":"leader","leader":NAME|null,"term":N,"addr":HOST:PORT}  servers: leader changes

  {"event":"ready","name","role":"server","mode":"dev","datacenter","http"}  --dev, once running

SIGTERM and SIGINT leave the cluster gracefully (a leading server first
removes itself from raft), then exit: 0 for SIGTERM, 130 for SIGINT. Exit
status 1 when it cannot start or join, 2 on bad arguments.`;

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** `shoal agent --dev`: one server, in memory. */
export interface DevAgentArgs {
  readonly mode: 'dev';
  /** Default: the host name. */
  readonly name?: string;
  /** Given, but unused: dev mode keeps nothing on disk (the command says so). */
  readonly dataDir?: string;
  readonly http: HostPort;
  readonly datacenter: string;
  readonly logLevel: LogLevelOption;
}

/** One agent of a cluster. */
export interface ClusterAgentArgs {
  readonly mode: 'cluster';
  readonly name: string;
  readonly dataDir: string;
  readonly server: boolean;
  readonly bootstrapExpect?: number;
  readonly bind: HostPort;
  readonly advertise?: HostPort;
  readonly raftBind: string;
  readonly http: HostPort;
  readonly join: readonly string[];
  readonly datacenter: string;
  readonly key?: Uint8Array;
  readonly raftTls?: { readonly ca: string; readonly cert: string; readonly key: string };
  readonly profile: (typeof PROFILES)[number];
  readonly logLevel: LogLevelOption;
}

function hostPort(flag: string, text: string): HostPort {
  const hp = splitHostPort(text);
  if (hp === undefined || hp.host === '') throw new UsageError(`--${flag} must be HOST:PORT, got '${text}'`);
  return hp;
}

function gossipKey(text: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) throw new UsageError('--key must be base64');
  const key = Uint8Array.from(Buffer.from(text, 'base64'));
  if (![16, 24, 32].includes(key.length)) throw new UsageError(`--key must decode to 16, 24 or 32 bytes, got ${key.length}`);
  return key;
}

export type AgentArgs = ClusterAgentArgs | DevAgentArgs;

/** Flags that mean something only to an agent of a cluster. */
const CLUSTER_ONLY = ['server', 'bootstrap-expect', 'bind', 'advertise', 'raft-bind', 'join', 'key', 'raft-tls-ca', 'raft-tls-cert', 'raft-tls-key', 'profile'] as const;

/** Every flag `shoal agent` takes; defaults that depend on the mode are applied after parsing. */
export const AGENT_OPTIONS = {
  dev: { type: 'boolean', default: false },
  name: { type: 'string' },
  'data-dir': { type: 'string' },
  server: { type: 'boolean' },
  'bootstrap-expect': { type: 'string' },
  bind: { type: 'string' },
  advertise: { type: 'string' },
  'raft-bind': { type: 'string' },
  http: { type: 'string', default: DEFAULT_HTTP },
  join: { type: 'string' },
  datacenter: { type: 'string', default: DEFAULT_DATACENTER },
  key: { type: 'string' },
  'raft-tls-ca': { type: 'string' },
  'raft-tls-cert': { type: 'string' },
  'raft-tls-key': { type: 'string' },
  profile: { type: 'string' },
  'log-level': { type: 'string', default: 'info' },
} as const;

/** Reads `shoal agent`'s flags; every problem is a UsageError (one line, exit 2). */
export function parseAgentArgs(args: string[]): AgentArgs {
  const values = parseOptions(args, AGENT_OPTIONS);
  if (!/^[A-Za-z0-9_-]+$/.test(values.datacenter!)) throw new UsageError(`--datacenter must be letters, digits, '-' and '_', got '${values.datacenter}'`);
  if (values.name === '') throw new UsageError('--name must not be empty');
  if (values.dev === true) {
    const misplaced = CLUSTER_ONLY.find((flag) => values[flag] !== undefined);
    if (misplaced !== undefined) throw new UsageError(`--${misplaced} does not apply to --dev`);
    return {
      mode: 'dev',
      ...(values.name !== undefined ? { name: values.name } : {}),
      ...(values['data-dir'] !== undefined ? { dataDir: values['data-dir'] } : {}),
      http: hostPort('http', values.http!),
      datacenter: values.datacenter!,
      logLevel: logLevelOption(values['log-level']!),
    };
  }
  if (!values.name) throw new UsageError('--name is required (or --dev)');
  if (!values['data-dir']) throw new UsageError('--data-dir is required (or --dev)');
  const server = values.server === true;
  const serverOnly = ['bootstrap-expect', 'raft-bind', 'raft-tls-ca', 'raft-tls-cert', 'raft-tls-key'] as const;
  const misplaced = serverOnly.find((flag) => values[flag] !== undefined);
  if (!server && misplaced !== undefined) throw new UsageError(`--${misplaced} needs --server`);
  const tlsGiven = [values['raft-tls-ca'], values['raft-tls-cert'], values['raft-tls-key']].filter((v) => v !== undefined).length;
  if (tlsGiven !== 0 && tlsGiven !== 3) throw new UsageError('--raft-tls-ca, --raft-tls-cert and --raft-tls-key go together');
  const profile = values.profile ?? 'lan';
  if (!(PROFILES as readonly string[]).includes(profile)) throw new UsageError(`--profile must be lan, wan or local, got '${profile}'`);
  const raftBind = values['raft-bind'] ?? DEFAULT_RAFT_BIND;
  hostPort('raft-bind', raftBind);
  const expect = intOption('bootstrap-expect', values['bootstrap-expect'], undefined, 1, 99);
  return {
    mode: 'cluster',
    name: values.name,
    dataDir: values['data-dir'],
    server,
    ...(expect !== undefined ? { bootstrapExpect: expect } : {}),
    bind: hostPort('bind', values.bind ?? DEFAULT_GOSSIP_BIND),
    ...(values.advertise !== undefined ? { advertise: hostPort('advertise', values.advertise) } : {}),
    raftBind,
    http: hostPort('http', values.http!),
    join: (values.join ?? '').split(',').filter((s) => s !== ''),
    datacenter: values.datacenter!,
    ...(values.key !== undefined ? { key: gossipKey(values.key) } : {}),
    ...(tlsGiven === 3 ? { raftTls: { ca: values['raft-tls-ca']!, cert: values['raft-tls-cert']!, key: values['raft-tls-key']! } } : {}),
    profile: profile as ClusterAgentArgs['profile'],
    logLevel: logLevelOption(values['log-level']!),
  };
}
