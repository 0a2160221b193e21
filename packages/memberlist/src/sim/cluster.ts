import type { Random } from '@shoal/kit';
import { constantLatency, SimNetwork, Simulation, type LinkOptions, type SimNode } from '@shoal/sim';
import { CONFIG_PROFILES, type Config, type ConfigProfile } from '../config.js';
import { Memberlist } from '../memberlist.js';
import { MockNetwork, type MockTransport } from '../mock-transport.js';
import { NameRegistry } from '../names.js';
import { preloadSet } from '../node-table.js';
import { NodeStateType } from '../wire/types.js';

export interface SimClusterOptions {
  seed: number;
  /** Config profile of every member (default 'lan'). */
  profile?: ConfigProfile;
  /** Applied to every member's config. */
  config?: Partial<Config>;
  /** Default link behaviour (default: constant 1 ms, no loss). */
  link?: LinkOptions;
  /** Async drain mode of the simulation (see @shoal/sim). */
  asyncDetection?: 'promise-hooks' | 'always';
  /** Frame mode: messages travel as objects, skipping the codec (see MockNetwork). Default false. */
  frames?: boolean;
}

/** One member of a simulated cluster. */
export interface SimMember {
  readonly name: string;
  readonly host: SimNode;
  readonly transport: MockTransport;
  readonly list: Memberlist;
  /** Crashed by kill(). */
  killed: boolean;
}

/**
 * A cluster of memberlists on the simulator, for tests, benchmarks and
 * `shoal sim memberlist`: every member gets the host's clock and random, so
 * a seed replays a whole run.
 */
export class SimCluster {
  readonly sim: Simulation;
  readonly network: SimNetwork;
  readonly mock: MockNetwork;
  readonly members: SimMember[] = [];
  /** Shared by every member: each name is stored once. */
  readonly names = new NameRegistry();
  readonly #byName = new Map<string, SimMember>();
  readonly #options: SimClusterOptions;

  constructor(options: SimClusterOptions) {
    this.#options = options;
    this.sim = new Simulation({ seed: options.seed, asyncDetection: options.asyncDetection });
    this.network = new SimNetwork(this.sim, { link: options.link ?? { latency: constantLatency(1) } });
    this.mock = new MockNetwork(this.network, { frames: options.frames ?? false });
  }

  get random(): Random {
    return this.sim.random;
  }

  /** Starts a member on a new host. Names default to "node-<index>". */
  async add(name = `node-${this.members.length}`, overrides: Partial<Config> = {}): Promise<SimMember> {
    return this.#start(name, this.mock.newTransport(overrides.name ?? name), overrides);
  }

  /** Restarts a killed member on the same host and address, as a fresh process (incarnation 1). */
  async restart(name: string, overrides: Partial<Config> = {}): Promise<SimMember> {
    const old = this.member(name);
    if (!old.killed) throw new Error(`${name} is running`);
    old.host.restart();
    const i = this.members.indexOf(old);
    this.members.splice(i, 1);
    return this.#start(name, this.mock.newTransport(overrides.name ?? name, old.host), overrides);
  }

  async #start(name: string, transport: MockTransport, overrides: Partial<Config>): Promise<SimMember> {
    const host = transport.node;
    const profile = CONFIG_PROFILES[this.#options.profile ?? 'lan'];
    const config = profile({
      name,
      transport,
      clock: host.clock,
      random: host.random,
      names: this.names,
      ...this.#options.config,
      ...overrides,
    });
    const list = await Memberlist.create(config);
    const member: SimMember = { name, host, transport, list, killed: false };
    this.members.push(member);
    this.#byName.set(name, member);
    return member;
  }

  member(name: string): SimMember {
    const m = this.#byName.get(name);
    if (!m) throw new Error(`no member ${name}`);
    return m;
  }

  /** Crashes a member: its host stops, its timers are cancelled, nothing is said to the others. */
  kill(name: string): void {
    const m = this.member(name);
    m.killed = true;
    void m.list.shutdown();
    m.host.clock.cancelAll();
    m.host.crash();
  }

  /** Members still running. */
  get live(): SimMember[] {
    return this.members.filter((m) => !m.killed);
  }

  /**
   * Makes every member know every other as alive, as if the cluster had
   * converged before time 0 (no join storm). Members share the identity
   * records, so a large cluster costs a few bytes per (member, member) pair.
   */
  warmStart(): void {
    const live = this.live;
    const set = preloadSet(live.length);
    live.forEach((m, k) => m.list.internals.exportLocal(set, k));
    for (const m of live) m.list.internals.preload(set);
  }

  /** True when every running member sees exactly the running members as alive, and nobody else as live. */
  converged(): boolean {
    const live = this.live;
    // Cheap count check first: full comparison only when every count is right.
    for (const m of live) if (m.list.numMembers() !== live.length) return false;
    // Then every live row of every table must be a running member, alive (name ids are shared).
    const running = new Uint8Array(this.names.capacity);
    for (const m of live) {
      const id = this.names.lookup(m.name);
      if (id < 0) return false;
      running[id] = 1;
    }
    for (const m of live) {
      const t = m.list.internals.context.state.table;
      for (let i = 0; i < t.length; i++) {
        if (t.deadOrLeft(i)) continue;
        if (t.state(i) !== NodeStateType.Alive || running[t.nameId(i)] !== 1) return false;
      }
    }
    return true;
  }
}
