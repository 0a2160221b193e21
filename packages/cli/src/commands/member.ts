import { createInterface } from 'node:readline';
import { fromUtf8, RealClock, utf8 } from '@shoal/kit';
import {
  type Config,
  createNetMemberlist,
  defaultLANConfig,
  defaultLocalConfig,
  defaultWANConfig,
  ipPortString,
  type Memberlist,
  type Node,
  splitHostPort,
} from '@shoal/memberlist';
import { parseOptions } from '../args.js';
import { type Command, type CommandIO, UsageError } from '../command.js';

const USAGE = `shoal member --name NAME --bind HOST:PORT [--advertise HOST:PORT] [--join HOST:PORT,...]
       [--profile lan|wan|local] [--key BASE64] [--label LABEL] [--meta TEXT] [--state TEXT] [--commands]

Runs one memberlist node and prints one JSON object per line for each membership
event, starting with its own join:
  {"event":"join"|"leave"|"update","node":NAME,"addr":"HOST:PORT","meta":TEXT,"t":EPOCH_MS}
SIGTERM leaves the cluster gracefully, then exits 0; SIGINT shuts down at once, exit 0.
Either signal during --join stops the join and exits 0.

  --state TEXT   delegate state exchanged in push/pull (remote state prints as "remote-state")
  --commands     read commands from standard input, one per line:
                   send-reliable NODE TEXT | send-best-effort NODE TEXT | update-meta TEXT |
                   set-state TEXT | members | leave [TIMEOUT_MS]
                 user messages print as {"event":"msg","data":TEXT}`;

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
  };
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
      print({ event, node: node.name, addr: ipPortString(node.addr, node.port), meta: text(node.meta) });
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
    let list: Memberlist;
    try {
      list = await createNetMemberlist(config);
    } catch (error) {
      io.err(`shoal member: ${(error as Error).message}\n`);
      return 1;
    }
    if (opts.join.length > 0) {
      try {
        const contacted = await list.join(opts.join, { signal: io.signal });
        print({ event: 'joined', contacted });
      } catch (error) {
        await list.shutdown();
        // A signal while joining stops the join: that is the requested exit, not a failure.
        if (io.signal.aborted) return 0;
        io.err(`shoal member: join failed: ${(error as Error).message}\n`);
        return 1;
      }
    }
    const lines = opts.commands ? createInterface({ input: process.stdin }) : undefined;
    lines?.on('line', (line) => {
      void runCommand(list, line.trim(), print, {
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
    await list.shutdown();
    return 0;
  },
};

async function runCommand(
  list: Memberlist,
  line: string,
  print: (obj: Record<string, unknown>) => void,
  set: { setMeta(m: Uint8Array): void; setState(s: Uint8Array): void },
): Promise<void> {
  if (line === '') return;
  const [verb, ...rest] = line.split(' ');
  const find = (name: string | undefined): Node => {
    const node = list.members().find((m) => m.name === name);
    if (!node) throw new Error(`no member '${name}'`);
    return node;
  };
  switch (verb) {
    case 'send-reliable':
      await list.sendReliable(find(rest[0]), utf8(rest.slice(1).join(' ')));
      print({ event: 'sent', to: rest[0] });
      return;
    case 'send-best-effort':
      list.sendBestEffort(find(rest[0]), utf8(rest.slice(1).join(' ')));
      print({ event: 'sent', to: rest[0] });
      return;
    case 'update-meta':
      set.setMeta(utf8(rest.join(' ')));
      await list.updateNode(5000);
      print({ event: 'updated' });
      return;
    case 'set-state':
      set.setState(utf8(rest.join(' ')));
      print({ event: 'state-set' });
      return;
    case 'members':
      print({ event: 'members', members: list.members().map((m) => ({ name: m.name, addr: ipPortString(m.addr, m.port), meta: text(m.meta) })) });
      return;
    case 'leave':
      await list.leave(Number(rest[0] ?? 5000));
      print({ event: 'left' });
      return;
    default:
      throw new Error(`unknown command '${verb}'`);
  }
}
