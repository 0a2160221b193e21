/**
 * The simulator's priority queue: a binary min-heap ordered by (time, seq),
 * where seq is the insertion order, so events at the same instant run in the
 * order they were scheduled. Heap keys live in typed arrays (no allocation per
 * event, no GC pressure); callbacks and their arguments live in slot tables.
 *
 * Cancellation is lazy: the slot's callback is cleared and the entry is skipped
 * when it reaches the top. When cancelled entries outnumber live ones the heap
 * is rebuilt, so a workload that keeps re-arming far-future timers stays bounded.
 *
 * Not a shared kit heap: this one is the simulator's hot path (millions of
 * events), so its keys live in typed arrays with lazy cancellation and no
 * per-entry object; peerlist's PendingHeap needs keys that change in place
 * (an index kept in each entry, sift up or down), which this layout cannot do
 * cheaply. kit's ManualClock keeps a short list, not a heap.
 */

/** An event's callback; `arg` is whatever was passed to `push`. */
export type EventCallback = (arg: never) => void;

const INITIAL_CAPACITY = 1024;
const COMPACT_MIN_CANCELLED = 4096;

export class EventQueue {
  // Heap arrays, parallel, indexed by heap position.
  #times = new Float64Array(INITIAL_CAPACITY);
  #seqs = new Float64Array(INITIAL_CAPACITY);
  #slots = new Int32Array(INITIAL_CAPACITY);
  #size = 0;

  // Slot tables, indexed by slot.
  #fns: (EventCallback | undefined)[] = [];
  #args: unknown[] = [];
  #slotSeqs = new Float64Array(INITIAL_CAPACITY);
  #free = new Int32Array(INITIAL_CAPACITY);
  #freeCount = 0;
  #slotCount = 0;

  #nextSeq = 0;
  #cancelled = 0;

  /** Fields of the entry most recently taken by `pop`. */
  poppedTime = 0;
  poppedSeq = 0;
  poppedFn: EventCallback | undefined = undefined;
  poppedArg: unknown = undefined;

  /** Live (not cancelled) entries. */
  get size(): number {
    return this.#size - this.#cancelled;
  }

  /** The seq the next `push` will be given. */
  get nextSeq(): number {
    return this.#nextSeq;
  }

  /**
   * Adds an event and returns its slot. The pair (slot, seq) identifies the
   * event for `cancel`; seq is `nextSeq` read before the call.
   */
  push(time: number, fn: EventCallback, arg: unknown): number {
    const slot = this.#allocSlot();
    const seq = this.#nextSeq++;
    this.#fns[slot] = fn;
    this.#args[slot] = arg;
    this.#slotSeqs[slot] = seq;
    if (this.#size === this.#times.length) this.#growHeap();
    this.#siftUp(this.#size++, time, seq, slot);
    return slot;
  }

  /** Cancels the event (slot, seq) if it is still pending; returns whether it was. */
  cancel(slot: number, seq: number): boolean {
    if (this.#slotSeqs[slot] !== seq || this.#fns[slot] === undefined) return false;
    this.#fns[slot] = undefined;
    this.#args[slot] = undefined;
    this.#cancelled++;
    if (this.#cancelled >= COMPACT_MIN_CANCELLED && this.#cancelled * 2 > this.#size) this.#compact();
    return true;
  }

  /** Time of the earliest live event, or Infinity when there is none. */
  peekTime(): number {
    while (this.#size > 0) {
      const slot = this.#slots[0]!;
      if (this.#fns[slot] !== undefined) return this.#times[0]!;
      this.#removeTop();
      this.#releaseSlot(slot);
      this.#cancelled--;
    }
    return Infinity;
  }

  /** Takes the earliest live event into the `popped*` fields; false when empty. */
  pop(): boolean {
    if (this.peekTime() === Infinity) return false;
    const slot = this.#slots[0]!;
    this.poppedTime = this.#times[0]!;
    this.poppedSeq = this.#seqs[0]!;
    this.poppedFn = this.#fns[slot];
    this.poppedArg = this.#args[slot];
    this.#removeTop();
    this.#fns[slot] = undefined;
    this.#args[slot] = undefined;
    this.#releaseSlot(slot);
    return true;
  }

  #removeTop(): void {
    const last = --this.#size;
    if (last > 0) this.#siftDown(0, this.#times[last]!, this.#seqs[last]!, this.#slots[last]!);
  }

  #siftUp(hole: number, time: number, seq: number, slot: number): void {
    const times = this.#times, seqs = this.#seqs, slots = this.#slots;
    while (hole > 0) {
      const parent = (hole - 1) >> 1;
      const pt = times[parent]!;
      if (pt < time || (pt === time && seqs[parent]! < seq)) break;
      times[hole] = pt;
      seqs[hole] = seqs[parent]!;
      slots[hole] = slots[parent]!;
      hole = parent;
    }
    times[hole] = time;
    seqs[hole] = seq;
    slots[hole] = slot;
  }

  #siftDown(hole: number, time: number, seq: number, slot: number): void {
    const times = this.#times, seqs = this.#seqs, slots = this.#slots;
    const size = this.#size;
    const half = size >> 1;
    while (hole < half) {
      let child = 2 * hole + 1;
      let ct = times[child]!;
      let cs = seqs[child]!;
      const right = child + 1;
      if (right < size) {
        const rt = times[right]!;
        const rs = seqs[right]!;
        if (rt < ct || (rt === ct && rs < cs)) {
          child = right;
          ct = rt;
          cs = rs;
        }
      }
      if (time < ct || (time === ct && seq < cs)) break;
      times[hole] = ct;
      seqs[hole] = cs;
      slots[hole] = slots[child]!;
      hole = child;
    }
    times[hole] = time;
    seqs[hole] = seq;
    slots[hole] = slot;
  }

  #allocSlot(): number {
    if (this.#freeCount > 0) return this.#free[--this.#freeCount]!;
    const slot = this.#slotCount++;
    if (slot === this.#slotSeqs.length) {
      const bigger = new Float64Array(slot * 2);
      bigger.set(this.#slotSeqs);
      this.#slotSeqs = bigger;
    }
    return slot;
  }

  #releaseSlot(slot: number): void {
    if (this.#freeCount === this.#free.length) {
      const bigger = new Int32Array(this.#free.length * 2);
      bigger.set(this.#free);
      this.#free = bigger;
    }
    this.#free[this.#freeCount++] = slot;
  }

  #growHeap(): void {
    const n = this.#times.length * 2;
    const times = new Float64Array(n), seqs = new Float64Array(n), slots = new Int32Array(n);
    times.set(this.#times);
    seqs.set(this.#seqs);
    slots.set(this.#slots);
    this.#times = times;
    this.#seqs = seqs;
    this.#slots = slots;
  }

  /** Drops cancelled entries and re-heapifies (Floyd's bottom-up build). */
  #compact(): void {
    const times = this.#times, seqs = this.#seqs, slots = this.#slots;
    let live = 0;
    for (let i = 0; i < this.#size; i++) {
      const slot = slots[i]!;
      if (this.#fns[slot] === undefined) {
        this.#releaseSlot(slot);
        continue;
      }
      times[live] = times[i]!;
      seqs[live] = seqs[i]!;
      slots[live] = slot;
      live++;
    }
    this.#size = live;
    this.#cancelled = 0;
    for (let i = (live >> 1) - 1; i >= 0; i--) this.#siftDown(i, times[i]!, seqs[i]!, slots[i]!);
  }
}
