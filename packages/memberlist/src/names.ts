import type { NodeInfo } from './node.js';

/**
 * Interns what node tables store per member: names as small integer ids,
 * and identity records (NodeInfo) as info ids. A table then keeps only
 * integers in typed arrays — no per-table map, no pointer per row for the
 * garbage collector to trace — which is what lets a simulation hold
 * thousands of lists that each know thousands of members. Lists in one
 * process may share a registry (the simulator does); each name and each
 * distinct identity is then stored once. Ids are reference-counted and reused
 * once nothing holds them.
 */
export class NameRegistry {
  readonly #ids = new Map<string, number>();
  #names: (string | undefined)[] = [];
  #refs = new Int32Array(64);
  readonly #free: number[] = [];
  /** Per name id: 1 + the info id of its most recent identity (0: none). */
  #latest = new Int32Array(64);
  #infos: (NodeInfo | undefined)[] = [];
  #infoRefs = new Int32Array(64);
  readonly #infoFree: number[] = [];

  /** Every name id handed out is below this. */
  get capacity(): number {
    return this.#names.length;
  }

  /** Names currently held. */
  get size(): number {
    return this.#ids.size;
  }

  /** Identity records currently held. */
  get infoCount(): number {
    return this.#infos.length - this.#infoFree.length;
  }

  /** The id of `name`, or -1 when nothing holds it. */
  lookup(name: string): number {
    return this.#ids.get(name) ?? -1;
  }

  name(id: number): string | undefined {
    return this.#names[id];
  }

  /** The id of `name`, taking one reference to it. */
  acquire(name: string): number {
    let id = this.#ids.get(name);
    if (id === undefined) {
      id = this.#free.pop() ?? this.#names.length;
      if (id === this.#names.length) this.#names.push(name);
      else this.#names[id] = name;
      if (id >= this.#refs.length) {
        this.#refs = grow(this.#refs, id);
        this.#latest = grow(this.#latest, id);
      }
      this.#latest[id] = 0;
      this.#ids.set(name, id);
    }
    this.#refs[id]!++;
    return id;
  }

  /** Takes one more reference to a name id already held. */
  retain(id: number): void {
    if (this.#names[id] === undefined) throw new Error(`name registry: name id ${id} is not held`);
    this.#refs[id]!++;
  }

  /** retain and retainInfo for rows [from, to) of a table's id arrays. */
  retainRows(ids: Int32Array, infoIds: Int32Array, from: number, to: number): void {
    const refs = this.#refs;
    const infoRefs = this.#infoRefs;
    const names = this.#names;
    const infos = this.#infos;
    for (let i = from; i < to; i++) {
      const id = ids[i]!;
      const infoId = infoIds[i]!;
      if (names[id] === undefined || infos[infoId] === undefined) throw new Error(`name registry: row ${i} holds a freed id`);
      refs[id]!++;
      infoRefs[infoId]!++;
    }
  }

  /** Drops one reference; the id is freed for reuse when none is left. */
  release(id: number): void {
    const left = --this.#refs[id]!;
    if (left > 0) return;
    if (left < 0) throw new Error(`name registry: name id ${id} released more often than acquired`);
    this.#ids.delete(this.#names[id]!);
    this.#names[id] = undefined;
    this.#latest[id] = 0;
    this.#free.push(id);
  }

  /**
   * The info id for `info` (whose name has id `nameId`), taking a reference:
   * the one already held when the latest identity of that name is equal.
   */
  internInfo(nameId: number, info: NodeInfo): number {
    const cur = this.#latest[nameId]! - 1;
    if (cur >= 0) {
      const held = this.#infos[cur]!;
      if (held === info || held.sameIdentity(info)) {
        this.#infoRefs[cur]!++;
        return cur;
      }
    }
    const id = this.#infoFree.pop() ?? this.#infos.length;
    if (id === this.#infos.length) this.#infos.push(info);
    else this.#infos[id] = info;
    if (id >= this.#infoRefs.length) this.#infoRefs = grow(this.#infoRefs, id);
    this.#infoRefs[id] = 1;
    this.#latest[nameId] = id + 1;
    return id;
  }

  info(infoId: number): NodeInfo {
    return this.#infos[infoId]!;
  }

  /** Takes one more reference to an info id already held. */
  retainInfo(infoId: number): void {
    if (this.#infos[infoId] === undefined) throw new Error(`name registry: info id ${infoId} is not held`);
    this.#infoRefs[infoId]!++;
  }

  /** Drops one reference to an identity record; frees it when none is left. */
  releaseInfo(infoId: number): void {
    const left = --this.#infoRefs[infoId]!;
    if (left > 0) return;
    if (left < 0) throw new Error(`name registry: info id ${infoId} released more often than acquired`);
    const nameId = this.#ids.get(this.#infos[infoId]!.name);
    if (nameId !== undefined && this.#latest[nameId] === infoId + 1) this.#latest[nameId] = 0;
    this.#infos[infoId] = undefined;
    this.#infoFree.push(infoId);
  }
}

function grow(a: Int32Array<ArrayBuffer>, index: number): Int32Array<ArrayBuffer> {
  let cap = a.length * 2;
  while (cap <= index) cap *= 2;
  const b = new Int32Array(cap);
  b.set(a);
  return b;
}
