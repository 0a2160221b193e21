// memberlist forgets a dead or left node once it stops gossiping about it
// (gossipToTheDeadTimeMs, 30 s on a LAN). The catalog must remember longer: a
// failed node stays registered with serfHealth critical until it comes back
// or `reconnectTimeoutMs` passes (Consul's reconnect_timeout, 72 h), and only
// then is it reaped. This tracker keeps each agent's last known state for
// that long. Time comes from the caller, so it is a pure structure.

import type { Member } from '../member-view.js';

interface Entry {
  member: Member;
  /** When it was last seen alive, or when it failed or left. */
  sinceMs: number;
}

export class MemberTracker {
  readonly #entries = new Map<string, Entry>();
  readonly #reconnectTimeoutMs: number;

  constructor(reconnectTimeoutMs: number) {
    this.#reconnectTimeoutMs = reconnectTimeoutMs;
  }

  /** The member last recorded under `name`. */
  get(name: string): Member | undefined {
    return this.#entries.get(name)?.member;
  }

  /** Records what memberlist says of a member now. */
  observe(member: Member, nowMs: number): void {
    const known = this.#entries.get(member.name);
    // A failure or leave is dated from when it was first seen, so repeated
    // sightings of the same dead entry do not keep it alive forever.
    if (known !== undefined && known.member.status === member.status && member.status !== 'alive') {
      known.member = member;
      return;
    }
    this.#entries.set(member.name, { member, sinceMs: nowMs });
  }

  /**
   * Every tracked member: alive ones, and failed or left ones for
   * reconnectTimeoutMs after they went. Older ones are forgotten here, which
   * is what lets the catalog reconcile reap them.
   */
  members(nowMs: number): Member[] {
    const out: Member[] = [];
    for (const [name, entry] of this.#entries) {
      if (entry.member.status !== 'alive' && nowMs - entry.sinceMs >= this.#reconnectTimeoutMs) {
        this.#entries.delete(name);
        continue;
      }
      out.push(entry.member);
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
