import type { Random } from '@shoal/kit';
import { constantLatency, SimNetwork, Simulation, type LinkOptions, type SimNode } from '@shoal/sim';
import { CONFIG_PROFILES, type Config, type ConfigProfile } from '../config.js';
import { Memberlist } from '../memberlist.js';
import { MockNetwork, type MockTransport } from '../mock-transport.js';
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
  readonly #byName = new Map<string, SimMember>();
  readonly #options: SimClusterOptions;

  constructor(options: SimClusterOptions) {
    this.#options = options;
    this.sim = new Simulation({ seed: options.seed, asyncDetection: options.asyncDetection });
    this.network = new SimNetwork(this.sim, { link: options.link ?? { latency: constantLatency(1) } });
    this.mock = new MockNetwork(this.network);
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

  /** True when every running member sees exactly the running members as alive, and nobody else as live. */
  converged(): boolean {
    const live = this.live;
    // Cheap count check first: full comparison only when every count is right.
    for (const m of live) if (m.list.numMembers() !== live.length) return false;
    const names = new Set(live.map((m) => m.name));
    for (const m of live) {
      const members = m.list.members();
      if (members.length !== names.size) return false;
      for (const n of members) if (!names.has(n.name) || n.state !== NodeStateType.Alive) return false;
    }
    return true;
  }
}
