import type { Random } from '@shoal/kit';
import { NameRegistry } from './names.js';
import { Node, type NodeInfo } from './node.js';
import { NodeStateType } from './wire/types.js';

const INITIAL_CAPACITY = 16;

/** Rows to preload into tables that share a NameRegistry (see NodeTable.preload). */
export interface PreloadSet {
  readonly length: number;
  readonly ids: Int32Array;
  readonly infoIds: Int32Array;
  readonly incarnations: Uint32Array;
}

export function preloadSet(length: number): PreloadSet {
  return { length, ids: new Int32Array(length), infoIds: new Int32Array(length), incarnations: new Uint32Array(length) };
}

/**
 * The members a list knows, in probe order (Go's nodes slice and nodeMap).
 * Rows live in parallel typed arrays indexed by position; names and
 * identities are integers into a NameRegistry. A row is ~25 bytes with no
 * pointer, so a simulation of thousands of lists each knowing thousands of
 * members stays within memory and out of the garbage collector's way.
 * Positions change on swaps (random insertion, shuffles, reaping); names are
 * stable.
 */
export class NodeTable {
  readonly names: NameRegistry;
  /** Row + 1 of each name id (0: absent), so lookups need no per-table map. */
  #rowOf = new Int32Array(INITIAL_CAPACITY);
  /** Name id of each row. */
  #id = new Int32Array(INITIAL_CAPACITY);
  /** Info id (identity record) of each row. */
  #infoId = new Int32Array(INITIAL_CAPACITY);
  #incarnation = new Uint32Array(INITIAL_CAPACITY);
  #state = new Uint8Array(INITIAL_CAPACITY);
  #stateChangeMs = new Float64Array(INITIAL_CAPACITY);
  #length = 0;
  /** Rows not dead or left, kept up to date on every state change. */
  #live = 0;

  constructor(names: NameRegistry = new NameRegistry()) {
    this.names = names;
  }

  /** Rows, including dead and left ones not yet reaped (Go's numNodes estimate). */
  get length(): number {
    return this.#length;
  }

  /** Rows that are alive or suspect (Go's NumMembers). */
  get liveCount(): number {
    return this.#live;
  }

  /** The row of `name`, or -1. */
  indexOf(name: string): number {
    const id = this.names.lookup(name);
    return id < 0 || id >= this.#rowOf.length ? -1 : this.#rowOf[id]! - 1;
  }

  info(i: number): NodeInfo {
    return this.names.info(this.#infoId[i]!);
  }

  name(i: number): string {
    return this.names.info(this.#infoId[i]!).name;
  }

  /** Name id of a row (see NameRegistry). */
  nameId(i: number): number {
    return this.#id[i]!;
  }

  incarnation(i: number): number {
    return this.#incarnation[i]!;
  }

  state(i: number): NodeStateType {
    return this.#state[i]! as NodeStateType;
  }

  stateChangeMs(i: number): number {
    return this.#stateChangeMs[i]!;
  }

  deadOrLeft(i: number): boolean {
    return this.#state[i]! >= NodeStateType.Dead;
  }

  /** A snapshot for callers outside the table. */
  node(i: number): Node {
    return new Node(this.info(i), this.state(i));
  }

  setInfo(i: number, info: NodeInfo): void {
    const old = this.#infoId[i]!;
    this.#infoId[i] = this.names.internInfo(this.#id[i]!, info);
    this.names.releaseInfo(old);
  }

  setIncarnation(i: number, incarnation: number): void {
    this.#incarnation[i] = incarnation;
  }

  setState(i: number, state: NodeStateType, nowMs: number): void {
    const wasLive = this.#state[i]! < NodeStateType.Dead;
    const isLive = state < NodeStateType.Dead;
    if (wasLive !== isLive) this.#live += isLive ? 1 : -1;
    this.#state[i] = state;
    this.#stateChangeMs[i] = nowMs;
  }

  /**
   * Adds a row at a random position, as Go does (append, then swap with a
   * random index) so new members are not all probed last. Returns its index.
   */
  insertRandom(info: NodeInfo, state: NodeStateType, incarnation: number, nowMs: number, random: Random): number {
    if (this.indexOf(info.name) >= 0) throw new Error(`node table: ${info.name} already present`);
    const n = this.#length;
    if (n === this.#incarnation.length) this.#grow(n + 1);
    const id = this.names.acquire(info.name);
    this.#ensureIds(id);
    this.#rowOf[id] = n + 1;
    this.#id[n] = id;
    this.#infoId[n] = this.names.internInfo(id, info);
    this.#incarnation[n] = incarnation;
    this.#state[n] = state;
    this.#stateChangeMs[n] = nowMs;
    this.#length = n + 1;
    if (state < NodeStateType.Dead) this.#live++;
    const offset = n === 0 ? 0 : random.int(n);
    this.swap(offset, n);
    return offset;
  }

  /**
   * Appends rows for names not present, all alive, in a random order: a bulk
   * form of insertRandom for warm starts. The set holds ids already held in
   * this table's registry, in typed arrays so that filling thousands of
   * tables allocates nothing per row.
   */
  preload(set: PreloadSet, nowMs: number, random: Random): void {
    const n = set.length;
    let maxId = -1;
    for (let k = 0; k < n; k++) if (set.ids[k]! > maxId) maxId = set.ids[k]!;
    this.#ensureIds(maxId);
    const rowOf = this.#rowOf;
    let fresh = 0;
    for (let k = 0; k < n; k++) if (rowOf[set.ids[k]!] === 0) fresh++;
    const base = this.#length;
    if (base + fresh > this.#incarnation.length) this.#grow(base + fresh);
    const ids = this.#id;
    const infoIds = this.#infoId;
    const incs = this.#incarnation;
    // "Inside-out" Fisher–Yates: each new row lands at a random position among
    // the new rows, moving the one there to the end. One multiply per step;
    // the bias of 32-bit scaling is negligible here.
    let placed = 0;
    for (let k = 0; k < n; k++) {
      const id = set.ids[k]!;
      if (rowOf[id] !== 0) continue;
      const j = base + Math.floor((random.uint32() / 4294967296) * (placed + 1));
      const end = base + placed;
      if (j !== end) {
        ids[end] = ids[j]!;
        infoIds[end] = infoIds[j]!;
        incs[end] = incs[j]!;
      }
      ids[j] = id;
      infoIds[j] = set.infoIds[k]!;
      incs[j] = set.incarnations[k]!;
      placed++;
    }
    const top = base + placed;
    this.#state.fill(NodeStateType.Alive, base, top);
    this.#stateChangeMs.fill(nowMs, base, top);
    for (let row = base; row < top; row++) rowOf[ids[row]!] = row + 1;
    this.names.retainRows(ids, infoIds, base, top);
    this.#length = top;
    this.#live += placed;
  }

  /** Copies a row's ids into slot `k` of a preload set, for other tables sharing the registry. */
  exportRow(i: number, set: PreloadSet, k: number): void {
    set.ids[k] = this.#id[i]!;
    set.infoIds[k] = this.#infoId[i]!;
    set.incarnations[k] = this.#incarnation[i]!;
  }

  swap(i: number, j: number): void {
    if (i === j) return;
    const ids = this.#id;
    const idI = ids[i]!;
    const idJ = ids[j]!;
    ids[i] = idJ;
    ids[j] = idI;
    this.#rowOf[idJ] = i + 1;
    this.#rowOf[idI] = j + 1;
    swapIn(this.#infoId, i, j);
    swapIn(this.#incarnation, i, j);
    swapIn(this.#state, i, j);
    swapIn(this.#stateChangeMs, i, j);
  }

  /** Fisher–Yates over the rows (Go's shuffleNodes). */
  shuffle(random: Random): void {
    for (let i = this.#length - 1; i > 0; i--) this.swap(i, random.int(i + 1));
  }

  /**
   * Removes dead and left rows whose state changed more than `keepMs` ago
   * (Go's moveDeadNodes plus the truncation in resetNodes; v0.3.1+ reaps left
   * nodes too). Returns the names removed.
   */
  reap(nowMs: number, keepMs: number): string[] {
    let n = this.#length;
    for (let i = 0; i < n; i++) {
      if (this.#state[i]! < NodeStateType.Dead) continue;
      if (nowMs - this.#stateChangeMs[i]! <= keepMs) continue;
      this.swap(i, n - 1);
      n--;
      i--;
    }
    const removed: string[] = [];
    for (let i = n; i < this.#length; i++) {
      removed.push(this.name(i));
      this.#drop(i);
    }
    this.#length = n;
    return removed;
  }

  /** Releases every row's ids (the list is being discarded), so a shared registry can reuse them. */
  clear(): void {
    for (let i = 0; i < this.#length; i++) this.#drop(i);
    this.#length = 0;
    this.#live = 0;
  }

  #drop(i: number): void {
    const id = this.#id[i]!;
    this.#rowOf[id] = 0;
    this.names.releaseInfo(this.#infoId[i]!);
    this.names.release(id);
  }

  #ensureIds(maxId: number): void {
    if (maxId < this.#rowOf.length) return;
    let cap = this.#rowOf.length * 2;
    while (cap <= maxId) cap *= 2;
    this.#rowOf = grown(this.#rowOf, new Int32Array(cap));
  }

  #grow(atLeast: number): void {
    const cap = Math.max(this.#incarnation.length * 2, atLeast);
    this.#id = grown(this.#id, new Int32Array(cap));
    this.#infoId = grown(this.#infoId, new Int32Array(cap));
    this.#incarnation = grown(this.#incarnation, new Uint32Array(cap));
    this.#state = grown(this.#state, new Uint8Array(cap));
    this.#stateChangeMs = grown(this.#stateChangeMs, new Float64Array(cap));
  }
}

function swapIn(a: { [i: number]: number }, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}

function grown<T extends Uint8Array | Uint32Array | Int32Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
