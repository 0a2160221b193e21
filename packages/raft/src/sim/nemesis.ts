/**
 * The nemesis: random faults injected while clients run (Jepsen's term).
 * Partitions (splits, isolation, one-way blocks), crashes with restarts,
 * lossy, slow, reordering and duplicating links, leadership transfers,
 * membership changes and user snapshots. Every fault is undone later, and
 * `calm()` undoes everything at once so the cluster can be checked healed.
 */
import type { Random } from '@shoal/kit';
import type { Simulation, SimNetwork } from '@shoal/sim';
import { uniformLatency } from '@shoal/sim';
import type { KvFsm } from './kv-fsm.js';
import type { ClusterServer } from '../testing/cluster-server.js';

type SimServer = ClusterServer<KvFsm>;

export interface NemesisStats {
  partitions: number;
  crashes: number;
  linkFaults: number;
  transfers: number;
  membershipChanges: number;
  snapshots: number;
}

export class Nemesis {
  readonly stats: NemesisStats = { partitions: 0, crashes: 0, linkFaults: 0, transfers: 0, membershipChanges: 0, snapshots: 0 };
  readonly #sim: Simulation;
  readonly #network: SimNetwork;
  readonly #servers: readonly SimServer[];
  readonly #random: Random;
  /** Servers removed from the configuration by the nemesis, to add back. */
  readonly #removed = new Set<string>();
  #stopped = false;
  readonly #pending = new Set<Promise<unknown>>();
  /** Errors that would mean a bug in the harness rather than in raft. */
  readonly errors: unknown[] = [];

  constructor(sim: Simulation, network: SimNetwork, servers: readonly SimServer[], random: Random) {
    this.#sim = sim;
    this.#network = network;
    this.#servers = servers;
    this.#random = random;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.#sim.after(ms, resolve));
  }

  #track(p: Promise<unknown>): void {
    const q = p.catch(() => undefined).finally(() => this.#pending.delete(q));
    this.#pending.add(q);
  }

  #leader(): SimServer | undefined {
    return this.#servers.find((s) => s.up && s.raft.state === 'Leader');
  }

  /** Injects faults until virtual time `endMs`. */
  async run(endMs: number): Promise<void> {
    while (!this.#stopped && this.#sim.now() < endMs) {
      await this.#sleep(this.#random.intBetween(100, 600));
      if (this.#stopped || this.#sim.now() >= endMs) break;
      this.#strike();
    }
  }

  #later(minMs: number, maxMs: number, fn: () => void | Promise<void>): void {
    this.#track(this.#sleep(this.#random.intBetween(minMs, maxMs)).then(() => (this.#stopped ? undefined : fn())));
  }

  #strike(): void {
    const r = this.#random;
    const servers = this.#servers;
    const hosts = servers.map((s) => s.node.host);
    const roll = r.int(100);
    if (roll < 25) {
      this.stats.partitions++;
      const side = r.sample(hosts, r.intBetween(1, Math.ceil(hosts.length / 2) + 1));
      this.#network.split(side);
      this.#later(200, 2000, () => this.#network.heal());
    } else if (roll < 35) {
      this.stats.partitions++;
      const [a, b] = r.sample(hosts, 2);
      this.#network.block(a!, b!);
      this.#later(200, 1500, () => this.#network.unblock(a!, b!));
    } else if (roll < 55) {
      const victim = r.pick(servers.filter((s) => s.up));
      if (victim === undefined) return;
      this.stats.crashes++;
      victim.crash();
      this.#later(50, 1500, () => victim.restart().catch((e: unknown) => void this.errors.push(e)));
    } else if (roll < 70) {
      this.stats.linkFaults++;
      // Sometimes mild, sometimes beyond the election timeout: late answers are what tempt stale reads.
      const max = r.chance(0.3) ? r.intBetween(100, 250) : r.intBetween(2, 40);
      this.#network.setDefaultLink({
        loss: r.float() * 0.15,
        latency: uniformLatency(1, max),
        reorder: r.float() * 0.3,
        reorderDelay: uniformLatency(0, r.intBetween(10, 300)),
        duplicate: r.float() * 0.05,
      });
      this.#later(300, 2000, () => this.#normalLinks());
    } else if (roll < 80) {
      const leader = this.#leader();
      if (leader === undefined) return;
      this.stats.transfers++;
      this.#track(leader.raft.leadershipTransfer());
    } else if (roll < 90) {
      this.#changeMembership();
    } else {
      const s = r.pick(servers.filter((x) => x.up));
      if (s === undefined) return;
      this.stats.snapshots++;
      this.#track(s.raft.snapshot());
    }
  }

  #changeMembership(): void {
    const leader = this.#leader();
    if (leader === undefined) return;
    const raft = leader.raft;
    this.stats.membershipChanges++;
    const back = [...this.#removed];
    if (back.length > 0) {
      const id = back[0]!;
      const server = this.#servers.find((s) => s.id === id)!;
      const add = this.#random.chance(0.5) ? raft.addVoter(id, server.address, { timeoutMs: 1000 }) : raft.addNonvoter(id, server.address, { timeoutMs: 1000 });
      this.#track(add.then(() => this.#removed.delete(id)));
      return;
    }
    // Remove (or demote) one follower, keeping at least two voters.
    const voters = raft.internals.configurations.latest.servers.filter((s) => s.suffrage === 0);
    if (voters.length <= 2) return;
    const victim = this.#random.pick(voters.filter((s) => s.id !== leader.id));
    if (victim === undefined) return;
    this.#removed.add(victim.id);
    this.#track(this.#random.chance(0.5) ? raft.removeServer(victim.id, { timeoutMs: 1000 }) : raft.demoteVoter(victim.id, { timeoutMs: 1000 }));
  }

  #normalLinks(): void {
    this.#network.setDefaultLink({ loss: 0, latency: uniformLatency(1, 5), reorder: 0, duplicate: 0 });
  }

  /** Ends all faults: heals the network, normal links, restarts crashed servers, re-adds removed ones. */
  async calm(): Promise<void> {
    this.#stopped = true;
    this.#network.heal();
    this.#normalLinks();
    for (const s of this.#servers) if (!s.up) await s.restart();
    for (let attempt = 0; attempt < 20 && this.#removed.size > 0; attempt++) {
      const leader = this.#leader();
      if (leader !== undefined) {
        const id = [...this.#removed][0]!;
        const server = this.#servers.find((s) => s.id === id)!;
        try {
          await leader.raft.addVoter(id, server.address, { timeoutMs: 1000 });
          this.#removed.delete(id);
        } catch {
          // retry after the cluster settles
        }
      }
      await this.#sleep(200);
    }
  }
}
