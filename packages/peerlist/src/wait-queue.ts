import type { Clock, Timer } from '@shoal/kit';

/** One blocked choose. `deadline` is on the queue's Clock; Infinity waits until served, aborted or stopped. */
export interface Waiter {
  readonly key: string | undefined;
  readonly deadline: number;
  /** Position in the deadline heap, -1 when not in it. */
  heapIndex: number;
  settled: boolean;
}

/**
 * Blocked chooses in arrival order, served first-come first-served, plus a
 * min-heap on deadline so that one Clock timer (armed for the earliest
 * deadline) covers every waiter, however many there are. Nothing polls: the
 * list calls `serve` when a peer may have become choosable.
 *
 * Its heap is not shared with PendingHeap or sim's EventQueue: waiters leave
 * from the middle (served in FIFO order, aborted) and carry their heap slot
 * for O(log n) removal, while PendingHeap re-keys in place and EventQueue
 * cancels lazily; a generic heap would give each of them the others' costs.
 */
export class WaitQueue<W extends Waiter> {
  readonly #clock: Clock;
  readonly #onExpire: (waiter: W) => void;
  #fifo: W[] = [];
  #head = 0;
  #count = 0;
  readonly #heap: W[] = [];
  #timer: Timer | undefined;
  #timerDeadline = Infinity;

  constructor(clock: Clock, onExpire: (waiter: W) => void) {
    this.#clock = clock;
    this.#onExpire = onExpire;
  }

  /** Waiters not yet served, expired or removed. */
  get size(): number {
    return this.#count;
  }

  enqueue(waiter: W): void {
    this.#fifo.push(waiter);
    this.#count++;
    if (waiter.deadline !== Infinity) {
      this.#heapPush(waiter);
      this.#arm();
    }
  }

  /** Takes a waiter out early (aborted). Marks it settled. */
  remove(waiter: W): void {
    if (waiter.settled) return;
    this.#settle(waiter);
    this.#compact();
    this.#arm();
  }

  /**
   * Offers waiters, oldest first, to `tryServe` until it returns false (no peer
   * for that waiter). A served waiter is settled before `tryServe` returns true.
   */
  serve(tryServe: (waiter: W) => boolean): void {
    while (this.#count > 0) {
      const waiter = this.#fifo[this.#head]!;
      if (waiter.settled) {
        this.#head++;
        continue;
      }
      if (!tryServe(waiter)) break;
      this.#settle(waiter);
      this.#head++;
    }
    this.#compact();
    this.#arm();
  }

  /** Settles and returns every waiter (stop), oldest first. */
  drain(): W[] {
    const out = this.#fifo.slice(this.#head).filter((w) => !w.settled);
    for (const w of out) this.#settle(w);
    this.#fifo = [];
    this.#head = 0;
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#timerDeadline = Infinity;
    return out;
  }

  #settle(waiter: W): void {
    waiter.settled = true;
    this.#count--;
    if (waiter.heapIndex >= 0) this.#heapRemove(waiter.heapIndex);
  }

  #compact(): void {
    if (this.#count === 0) {
      this.#fifo.length = 0;
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#fifo.length) {
      this.#fifo = this.#fifo.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Keeps exactly one timer, for the earliest deadline. */
  #arm(): void {
    const next = this.#heap[0]?.deadline ?? Infinity;
    if (next === this.#timerDeadline) return;
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#timerDeadline = next;
    if (next === Infinity) return;
    this.#timer = this.#clock.after(Math.max(0, next - this.#clock.now()), () => this.#fire());
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerDeadline = Infinity;
    const now = this.#clock.now();
    // A real timer may fire a hair early; anything not yet due is re-armed.
    for (let top = this.#heap[0]; top !== undefined && top.deadline <= now; top = this.#heap[0]) {
      this.#settle(top);
      this.#onExpire(top);
    }
    this.#compact();
    this.#arm();
  }

  #heapPush(w: W): void {
    w.heapIndex = this.#heap.length;
    this.#heap.push(w);
    this.#siftUp(w.heapIndex);
  }

  #heapRemove(i: number): void {
    const heap = this.#heap;
    const removed = heap[i]!;
    const last = heap.pop()!;
    removed.heapIndex = -1;
    if (i < heap.length) {
      heap[i] = last;
      last.heapIndex = i;
      this.#siftDown(i);
      this.#siftUp(last.heapIndex);
    }
  }

  #siftUp(i: number): void {
    const heap = this.#heap;
    const w = heap[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (p.deadline <= w.deadline) break;
      heap[i] = p;
      p.heapIndex = i;
      i = parent;
    }
    heap[i] = w;
    w.heapIndex = i;
  }

  #siftDown(i: number): void {
    const heap = this.#heap;
    const n = heap.length;
    const w = heap[i]!;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      const right = child + 1;
      if (right < n && heap[right]!.deadline < heap[child]!.deadline) child = right;
      const c = heap[child]!;
      if (c.deadline >= w.deadline) break;
      heap[i] = c;
      c.heapIndex = i;
      i = child;
    }
    heap[i] = w;
    w.heapIndex = i;
  }
}
