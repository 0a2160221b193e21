/**
 * The nemesis of the process crash tests: every few seconds it SIGKILLs one
 * server (the leader half the time, else any server), leaves it down a
 * moment, and starts it again on the same directory. One server is down at a
 * time, so a quorum can always form. Its choices come from a seeded Random;
 * the timing of real processes does not replay, the choices do.
 */
import type { Clock, Random } from '@shoal/kit';
import type { ProcessCluster } from './process-cluster.js';

export interface KillNemesisOptions {
  /** Pause between one server's restart and the next kill, drawn in [min, max). */
  intervalMs: [number, number];
  /** How long a killed server stays down, drawn in [min, max). */
  downMs: [number, number];
}

export interface KillNemesisStats {
  kills: number;
  leaderKills: number;
  restarts: number;
}

export class KillNemesis {
  readonly stats: KillNemesisStats = { kills: 0, leaderKills: 0, restarts: 0 };
  /** What it did, for failure messages: "+1234ms kill s1 (leader)". */
  readonly log: string[] = [];
  readonly #cluster: ProcessCluster;
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #options: KillNemesisOptions;
  readonly #startMs: number;

  constructor(cluster: ProcessCluster, clock: Clock, random: Random, options: KillNemesisOptions) {
    this.#cluster = cluster;
    this.#clock = clock;
    this.#random = random;
    this.#options = options;
    this.#startMs = clock.now();
  }

  /** Kills and restarts servers until `endMs`; every server is running when it resolves. */
  async run(endMs: number): Promise<void> {
    for (;;) {
      // Never sleep past the end: the run's length is the caller's, not the last draw's.
      await this.#sleep(Math.min(this.#draw(this.#options.intervalMs), Math.max(0, endMs - this.#clock.now())));
      // No kill whose server could still be down at the end: the run would overrun by a restart.
      if (this.#clock.now() + this.#options.downMs[1] >= endMs) break;
      await this.#killOne();
    }
    for (const server of this.#cluster.servers.values()) {
      if (!server.alive) await this.#restart(server.id);
    }
  }

  async #killOne(): Promise<void> {
    const leader = this.#cluster.leader();
    const aimAtLeader = this.#random.chance(0.5);
    const victim = aimAtLeader && leader !== undefined ? leader : this.#random.pick([...this.#cluster.servers.values()].filter((s) => s.alive));
    if (victim === undefined) return;
    const wasLeader = victim === leader;
    this.#note(`kill ${victim.id}${wasLeader ? ' (leader)' : ''}`);
    await this.#cluster.kill(victim.id);
    this.stats.kills++;
    if (wasLeader) this.stats.leaderKills++;
    await this.#sleep(this.#draw(this.#options.downMs));
    await this.#restart(victim.id);
  }

  async #restart(id: string): Promise<void> {
    this.#note(`start ${id}`);
    await this.#cluster.start(id);
    this.stats.restarts++;
  }

  #draw([min, max]: [number, number]): number {
    return this.#random.intBetween(min, max);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.#clock.after(ms, resolve));
  }

  #note(what: string): void {
    this.log.push(`+${Math.round(this.#clock.now() - this.#startMs)}ms ${what}`);
  }
}
