import { RealClock, sleep } from '@shoal/kit';
import { defaultLocalConfig, ipPortString, Memberlist, stateName } from '@shoal/memberlist';
import { intOption, parseOptions } from '../args.js';
import { type Command, type CommandIO, UsageError } from '../command.js';
import { interruptedExitCode } from '../interrupt.js';
import { DeafenableTransport } from './demo-network.js';

/** The demo takes about this long; it gives up (exit 1) rather than run past DEMO_LIMIT_MS. */
const DEMO_TYPICAL_S = 20;
export const DEMO_LIMIT_MS = 60_000;

const USAGE = `shoal demo [--nodes N] [--host IP]

A live cluster on this machine: N memberlist nodes (default 5) on loopback,
shown as a table of what the first node sees (state, incarnation) beside each
node's own Lifeguard health score (0 is healthy). One node crashes: watch it
turn suspect, then dead; then it restarts and rejoins. Then another node goes
deaf for a moment: its own probes fail, so its health score rises, and it
recovers. Piped, it prints each change as a line instead of the table.
The demo ends by itself in about ${DEMO_TYPICAL_S} s (never more than ${DEMO_LIMIT_MS / 1000} s);
Ctrl-C stops it early (exit 130).

  --nodes N   cluster size, 3 to 9 (default 5)
  --host IP   the loopback address the nodes bind (default 127.0.0.1)`;

const NAMES = ['ash', 'birch', 'cedar', 'dogwood', 'elm', 'fir', 'ginkgo', 'hazel', 'ivy'];

interface Slot {
  name: string;
  port: number;
  list: Memberlist | undefined;
  transport: DeafenableTransport | undefined;
}

type Seen = { state: string; incarnation: number };

export const demoCommand: Command = {
  name: 'demo',
  summary: 'run a five-node cluster on loopback and watch failure detection live',
  usage: USAGE,
  async run(args: string[], io: CommandIO): Promise<number> {
    const values = parseOptions(args, { nodes: { type: 'string' }, host: { type: 'string', default: '127.0.0.1' } });
    const count = intOption('nodes', values.nodes, 5, 3, NAMES.length);
    const host = values.host!;
    if (!/^127\.\d+\.\d+\.\d+$|^::1$/.test(host)) throw new UsageError('--host must be a loopback address (127.x.x.x or ::1)');
    const live = io.interactive === true;
    const clock = new RealClock();
    const start = clock.now();
    const giveUpAt = start + DEMO_LIMIT_MS;
    const elapsed = (): string => `${((clock.now() - start) / 1000).toFixed(1).padStart(5)}s`;
    const slots: Slot[] = NAMES.slice(0, count).map((name) => ({ name, port: 0, list: undefined, transport: undefined }));
    const observer = slots[0]!;
    const victim = slots[Math.min(3, count - 1)]!;
    const deafened = slots[1]!;
    let phase = 'starting';
    const lastSeen = new Map<string, Seen>();
    const lastHealth = new Map<string, number>();
    const up = (s: Slot): boolean => s.list !== undefined && !s.list.isShutdown;

    const view = (): Map<string, Seen> => {
      const seen = new Map<string, Seen>();
      for (const entry of observer.list?.allNodes() ?? []) seen.set(entry.node.name, { state: stateName(entry.node.state), incarnation: entry.incarnation });
      return seen;
    };
    const say = (line: string): void => io.out(`[${elapsed()}] ${line}\n`);
    const setPhase = (text: string): void => {
      phase = text;
      if (!live) say(text);
    };
    const render = (): void => {
      const seen = view();
      if (live) {
        const rows = slots.map((s) => {
          const v = seen.get(s.name);
          const health = up(s) ? String(s.list!.healthScore()) : 'down';
          const sees = up(s) ? String(s.list!.numMembers()) : '-';
          return `  ${s.name.padEnd(9)} ${`${host}:${s.port}`.padEnd(22)} ${(v?.state ?? '?').padEnd(8)} ${String(v?.incarnation ?? '-').padStart(4)}   ${health.padStart(6)}   ${sees.padStart(5)}`;
        });
        io.out(
          `\x1b[H\x1b[2J shoal demo: ${count} memberlist nodes on ${host} (local profile)\n\n` +
            `  ${'node'.padEnd(9)} ${'address'.padEnd(22)} ${'state'.padEnd(8)} ${'inc'.padStart(4)}   ${'health'.padStart(6)}   ${'sees'.padStart(5)}\n` +
            `${rows.join('\n')}\n\n  state and inc as ${observer.name} sees them; health and sees from each node itself\n\n [${elapsed()}] ${phase}\n  Ctrl-C to stop\n`,
        );
      } else {
        for (const [name, v] of seen) {
          const before = lastSeen.get(name);
          if (!before || before.state !== v.state || before.incarnation !== v.incarnation) {
            say(`${observer.name} sees ${name} ${before ? `${before.state}/${before.incarnation} -> ` : ''}${v.state}/${v.incarnation}`);
          }
        }
        for (const s of slots.filter(up)) {
          const score = s.list!.healthScore();
          const before = lastHealth.get(s.name) ?? 0;
          if (score !== before) say(`${s.name}'s health score ${before} -> ${score}`);
          lastHealth.set(s.name, score);
        }
      }
      lastSeen.clear();
      for (const [k, v] of seen) lastSeen.set(k, v);
    };

    const startNode = async (slot: Slot, join: boolean): Promise<void> => {
      const transport = await DeafenableTransport.create(host, slot.port);
      slot.transport = transport;
      slot.port = transport.port;
      lastHealth.delete(slot.name);
      slot.list = await Memberlist.create(defaultLocalConfig({ name: slot.name, bindAddr: host, bindPort: slot.port, advertisePort: slot.port, clock, transport }));
      if (join) await slot.list.join([ipPortString(observer.list!.localNode().addr, observer.port)]);
    };
    const waitUntil = async (what: string, cond: () => boolean, timeoutMs: number): Promise<void> => {
      const deadline = Math.min(clock.now() + timeoutMs, giveUpAt);
      while (!cond()) {
        if (io.signal.aborted) throw new Interrupted();
        if (clock.now() > deadline) throw new Error(`gave up waiting until ${what} (${elapsed().trim()} into the demo)`);
        render();
        await sleep(clock, 200, io.signal).catch(() => undefined);
      }
      render();
    };

    const ticker = live ? clock.every(250, render) : undefined;
    try {
      setPhase(`starting ${count} nodes; each joins through ${observer.name}`);
      for (const [i, slot] of slots.entries()) await startNode(slot, i > 0);
      await waitUntil('everyone sees everyone', () => slots.every((s) => s.list!.numMembers() === count), 20_000);
      setPhase(`converged: every node sees ${count} members`);
      await sleep(clock, 1000, io.signal);
      setPhase(`crashing ${victim.name} (no leave message)`);
      await victim.list!.shutdown();
      await waitUntil(`${observer.name} suspects ${victim.name}`, () => view().get(victim.name)?.state !== 'alive', 30_000);
      setPhase(`${victim.name} is suspect; Lifeguard waits for confirmations before declaring it dead`);
      await waitUntil(`${observer.name} declares ${victim.name} dead`, () => view().get(victim.name)?.state === 'dead', 60_000);
      setPhase(`${victim.name} is dead; restarting it on the same port`);
      await sleep(clock, 1500, io.signal);
      await startNode(victim, true);
      await waitUntil(`everyone sees ${victim.name} alive again`, () => slots.every((s) => s.list!.numMembers() === count) && view().get(victim.name)?.state === 'alive', 30_000);
      setPhase(`${victim.name} rejoined (it refuted its death with a higher incarnation); the cluster is whole again`);
      await sleep(clock, 1500, io.signal);
      setPhase(`${deafened.name} goes deaf (hears nothing): its own probes fail, so its health score rises and it slows down`);
      deafened.transport!.deaf = true;
      await waitUntil(`${deafened.name}'s health score rises`, () => deafened.list!.healthScore() >= 2, 15_000);
      deafened.transport!.deaf = false;
      setPhase(`${deafened.name} hears again: it refutes any suspicion, and each answered probe lowers its score`);
      await waitUntil(`everyone sees ${deafened.name} alive`, () => slots.every((s) => s.list!.numMembers() === count) && view().get(deafened.name)?.state === 'alive', 20_000);
      await sleep(clock, 1500, io.signal);
      render();
      ticker?.cancel();
      io.out(`\n[${elapsed()}] demo finished: crash detected and healed; a struggling node noticed it was the problem.\n`);
      return 0;
    } catch (error) {
      ticker?.cancel();
      if (error instanceof Interrupted || io.signal.aborted) {
        io.out(`\n[${elapsed()}] interrupted (Ctrl-C): shutting the nodes down.\n`);
        return interruptedExitCode(io.signal);
      }
      io.err(`shoal demo: ${(error as Error).message}\n`);
      return 1;
    } finally {
      await Promise.all(slots.map((s) => (s.list ? s.list.shutdown() : s.transport?.shutdown())));
    }
  },
};

class Interrupted extends Error {}
