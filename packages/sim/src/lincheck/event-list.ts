/**
 * The call and return events of a history in time order, as a doubly linked
 * list that operations can be lifted out of and put back (dancing links).
 * Operations with an unknown outcome have a call and no return.
 */
export class EventList {
  /** Index of the sentinel that heads the list; -1 ends it. */
  readonly head: number;
  readonly #op: Int32Array;
  readonly #isCall: Uint8Array;
  readonly #callEntry: Int32Array;
  readonly #returnEntry: Int32Array;
  readonly next: Int32Array;
  readonly #prev: Int32Array;

  /** `returns[i]` null: operation i never returned. */
  constructor(calls: readonly number[], returns: readonly (number | null)[]) {
    const n = calls.length;
    const events: { time: number; op: number; isCall: boolean }[] = [];
    for (let i = 0; i < n; i++) {
      events.push({ time: calls[i]!, op: i, isCall: true });
      const ret = returns[i];
      if (ret !== null && ret !== undefined) events.push({ time: ret, op: i, isCall: false });
    }
    // Calls sort before returns at equal times, so touching intervals count as concurrent.
    events.sort((a, b) => a.time - b.time || Number(b.isCall) - Number(a.isCall) || a.op - b.op);
    const size = events.length;
    this.head = size;
    this.#op = new Int32Array(size);
    this.#isCall = new Uint8Array(size);
    this.#callEntry = new Int32Array(n);
    this.#returnEntry = new Int32Array(n).fill(-1);
    this.next = new Int32Array(size + 1);
    this.#prev = new Int32Array(size + 1);
    events.forEach((event, e) => {
      this.#op[e] = event.op;
      this.#isCall[e] = event.isCall ? 1 : 0;
      if (event.isCall) this.#callEntry[event.op] = e;
      else this.#returnEntry[event.op] = e;
      this.next[e] = e + 1 < size ? e + 1 : -1;
      this.#prev[e] = e === 0 ? this.head : e - 1;
    });
    this.next[this.head] = size > 0 ? 0 : -1;
    this.#prev[this.head] = -1;
  }

  /** The operation of event `entry`. */
  op(entry: number): number {
    return this.#op[entry]!;
  }

  isCall(entry: number): boolean {
    return this.#isCall[entry] === 1;
  }

  /** Removes operation `op`'s events. */
  lift(op: number): void {
    this.#unlink(this.#callEntry[op]!);
    const ret = this.#returnEntry[op]!;
    if (ret !== -1) this.#unlink(ret);
  }

  /** Puts back the events of the operation lifted last. */
  unlift(op: number): void {
    const ret = this.#returnEntry[op]!;
    if (ret !== -1) this.#relink(ret);
    this.#relink(this.#callEntry[op]!);
  }

  #unlink(entry: number): void {
    const before = this.#prev[entry]!;
    const after = this.next[entry]!;
    this.next[before] = after;
    if (after !== -1) this.#prev[after] = before;
  }

  #relink(entry: number): void {
    const before = this.#prev[entry]!;
    const after = this.next[entry]!;
    this.next[before] = entry;
    if (after !== -1) this.#prev[after] = entry;
  }
}
