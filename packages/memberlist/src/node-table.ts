import type { Random } from '@shoal/kit';
import { Node, type NodeInfo } from './node.js';
import { NodeStateType } from './wire/types.js';

const INITIAL_CAPACITY = 16;

/**
 * The members a list knows, in probe order (Go's nodes slice and nodeMap).
 * Rows live in parallel typed arrays, indexed by position: a row is a few
 * bytes plus one shared NodeInfo reference, so a simulation of thousands of
 * lists each knowing thousands of members stays within memory. Positions
 * change on swaps (random insertion, shuffles, reaping); names are stable.
 */
export class NodeTable {
  #index = new Map<string, number>();
  #info: NodeInfo[] = [];
  #incarnation = new Uint32Array(INITIAL_CAPACITY);
  #state = new Uint8Array(INITIAL_CAPACITY);
  #stateChangeMs = new Float64Array(INITIAL_CAPACITY);
  #length = 0;
  /** Rows not dead or left, kept up to date on every state change. */
  #live = 0;

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
    return this.#index.get(name) ?? -1;
  }

  info(i: number): NodeInfo {
    return this.#info[i]!;
  }

  name(i: number): string {
    return this.#info[i]!.name;
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
    return new Node(this.#info[i]!, this.state(i));
  }

  setInfo(i: number, info: NodeInfo): void {
    this.#info[i] = info;
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
    if (this.#index.has(info.name)) throw new Error(`node table: ${info.name} already present`);
    const n = this.#length;
    if (n === this.#incarnation.length) this.#grow();
    this.#info[n] = info;
    this.#incarnation[n] = incarnation;
    this.#state[n] = state;
    this.#stateChangeMs[n] = nowMs;
    this.#index.set(info.name, n);
    this.#length = n + 1;
    if (state < NodeStateType.Dead) this.#live++;
    const offset = n === 0 ? 0 : random.int(n);
    this.swap(offset, n);
    return offset;
  }

  swap(i: number, j: number): void {
    if (i === j) return;
    const info = this.#info;
    const a = info[i]!;
    const b = info[j]!;
    info[i] = b;
    info[j] = a;
    this.#index.set(b.name, i);
    this.#index.set(a.name, j);
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
      const name = this.#info[i]!.name;
      removed.push(name);
      this.#index.delete(name);
      this.#info[i] = undefined as unknown as NodeInfo;
    }
    this.#info.length = n;
    this.#length = n;
    return removed;
  }

  #grow(): void {
    const cap = this.#incarnation.length * 2;
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

function grown<T extends Uint8Array | Uint32Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
