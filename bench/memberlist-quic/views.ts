// Each node's view of the membership in the per-process cluster rows, built
// from the membership events its host process prints.
import type { MembershipEvent } from '../memberlist-cluster/host.js';

export class Views {
  readonly #members = new Map<string, Set<string>>();
  readonly #completeAt = new Map<string, number>();
  readonly #leftAt = new Map<string, number>();
  /** When each (node, member) pair was first known, self pairs included. */
  readonly #firstKnownAt: number[] = [];
  readonly #known = new Set<string>();

  constructor(readonly size: number) {}

  onEvent(e: MembershipEvent): void {
    let view = this.#members.get(e.self);
    if (!view) this.#members.set(e.self, (view = new Set()));
    const pair = `${e.self} ${e.node}`;
    if (e.event === 'leave') {
      view.delete(e.node);
      this.#leftAt.set(pair, e.t);
      return;
    }
    view.add(e.node);
    if (view.size === this.size) this.#completeAt.set(e.self, e.t);
    if (!this.#known.has(pair)) {
      this.#known.add(pair);
      this.#firstKnownAt.push(e.t);
    }
  }

  /** Latest time at which a survivor saw a victim leave; undefined until every survivor has dropped every victim. */
  allDropped(survivors: readonly string[], victims: readonly string[]): number | undefined {
    let latest = 0;
    for (const s of survivors) {
      for (const v of victims) {
        const t = this.#leftAt.get(`${s} ${v}`);
        if (t === undefined || this.#members.get(s)?.has(v)) return undefined;
        latest = Math.max(latest, t);
      }
    }
    return latest;
  }

  /** Latest time at which a node's view became complete; undefined until all are. */
  allComplete(names: readonly string[]): number | undefined {
    let latest = 0;
    for (const n of names) {
      if (this.#members.get(n)?.size !== this.size) return undefined;
      latest = Math.max(latest, this.#completeAt.get(n) ?? 0);
    }
    return latest;
  }

  /** When `share` of the size² (node, member) pairs had first been known; undefined until then. */
  pairsKnownAt(share: number): number | undefined {
    const k = Math.ceil(share * this.size * this.size);
    if (k < 1 || this.#firstKnownAt.length < k) return undefined;
    return [...this.#firstKnownAt].sort((a, b) => a - b)[k - 1];
  }
}
