// What every node of the benchmark cluster believes, rebuilt from the join and
// leave events the hosts print (each stamped with the time the node saw it).
// A node's events come from one host in order, so per-node state is exact even
// though hosts' streams interleave arbitrarily.
import type { MembershipEvent } from './host.js';

interface NodeView {
  members: Set<string>;
  /** When this node last reached a full view (undefined while it lacks someone). */
  fullSince: number | undefined;
  /** When this node last became free of every killed node (undefined while it still lists one). */
  clearSince: number | undefined;
}

export class ClusterView {
  readonly #all: readonly string[];
  readonly #views = new Map<string, NodeView>();
  #killed = new Set<string>();
  #listeners = new Set<() => void>();
  /** Leave events about nodes that were never killed: false failure detections. */
  falseLeaves = 0;
  /** Per killed node, when each survivor dropped it (latest leave event). */
  readonly #drops = new Map<string, Map<string, number>>();
  /** Per node, when some other node first listed it. */
  readonly #firstKnown = new Map<string, number>();
  /** Per node, the member whose join event completed its latest full view. */
  readonly #completedBy = new Map<string, string>();

  constructor(names: readonly string[]) {
    this.#all = names;
    for (const name of names) this.#views.set(name, { members: new Set([name]), fullSince: undefined, clearSince: undefined });
  }

  apply(e: MembershipEvent): void {
    const view = this.#views.get(e.self);
    if (!view || this.#killed.has(e.self)) return;
    if (e.event === 'join') {
      view.members.add(e.node);
      const known = this.#firstKnown.get(e.node);
      if (e.node !== e.self && (known === undefined || e.t < known)) this.#firstKnown.set(e.node, e.t);
    }
    else {
      view.members.delete(e.node);
      if (!this.#killed.has(e.node)) this.falseLeaves++;
      else this.#drops.get(e.node)?.set(e.self, e.t);
    }
    const full = view.members.size === this.#all.length;
    if (!full) view.fullSince = undefined;
    else if (view.fullSince === undefined) {
      view.fullSince = e.t;
      this.#completedBy.set(e.self, e.node);
    }
    const clear = [...this.#killed].every((k) => !view.members.has(k));
    if (!clear) view.clearSince = undefined;
    else view.clearSince ??= e.t;
    for (const l of this.#listeners) l();
  }

  /** Stops tracking these nodes' own views; survivors must now drop them. */
  markKilled(names: Iterable<string>, atMs: number): void {
    this.#killed = new Set(names);
    for (const k of this.#killed) this.#drops.set(k, new Map());
    for (const [name, view] of this.#views) {
      if (this.#killed.has(name)) continue;
      const clear = [...this.#killed].every((k) => !view.members.has(k));
      view.clearSince = clear ? atMs : undefined;
    }
  }

  /** The time every live node first held a full view at once, or undefined. */
  convergedAt(): number | undefined {
    return this.#latest((v) => v.fullSince);
  }

  /** The time every survivor had dropped every killed node, or undefined. */
  clearedAt(): number | undefined {
    return this.#latest((v) => v.clearSince);
  }

  /**
   * The node that completed its view last, the member that completed it, and
   * how long after some node first listed that member: the convergence tail.
   */
  lastCompletion(): { node: string; member: string; afterFirstKnownMs: number } | undefined {
    let last: { node: string; at: number } | undefined;
    for (const [name, v] of this.#views) {
      if (this.#killed.has(name) || v.fullSince === undefined) continue;
      if (!last || v.fullSince > last.at) last = { node: name, at: v.fullSince };
    }
    const member = last && this.#completedBy.get(last.node);
    const known = member === undefined ? undefined : this.#firstKnown.get(member);
    if (!last || member === undefined || known === undefined) return undefined;
    return { node: last.node, member, afterFirstKnownMs: last.at - known };
  }

  /** How many live nodes still lack a full view / still list a killed node. */
  lagging(): { notFull: number; notClear: number } {
    let notFull = 0;
    let notClear = 0;
    for (const [name, v] of this.#views) {
      if (this.#killed.has(name)) continue;
      if (v.fullSince === undefined) notFull++;
      if (v.clearSince === undefined) notClear++;
    }
    return { notFull, notClear };
  }

  /** Per killed node: when the first and the last survivor dropped it (undefined: not all have). */
  dropTimes(): { node: string; first: number | undefined; last: number | undefined }[] {
    const survivors = [...this.#views.keys()].filter((n) => !this.#killed.has(n)).length;
    return [...this.#drops].map(([node, by]) => {
      const times = [...by.values()];
      return { node, first: times.length > 0 ? Math.min(...times) : undefined, last: times.length === survivors ? Math.max(...times) : undefined };
    });
  }

  /** Resolves when `done()` holds after some event, or with undefined after `timeoutMs`. */
  waitUntil<T>(done: () => T | undefined, timeoutMs: number): Promise<T | undefined> {
    return new Promise((resolve) => {
      const check = (): void => {
        const value = done();
        if (value === undefined) return;
        finish(value);
      };
      const finish = (value: T | undefined): void => {
        clearTimeout(timer);
        this.#listeners.delete(check);
        resolve(value);
      };
      const timer = setTimeout(() => finish(undefined), timeoutMs);
      this.#listeners.add(check);
      check();
    });
  }

  #latest(pick: (v: NodeView) => number | undefined): number | undefined {
    let latest = -Infinity;
    for (const [name, v] of this.#views) {
      if (this.#killed.has(name)) continue;
      const t = pick(v);
      if (t === undefined) return undefined;
      latest = Math.max(latest, t);
    }
    return latest;
  }
}
