// Wakes blocking queries when a table they read changes. A waiter is woken at
// most once and may be woken spuriously; the query re-runs and compares indexes.
import type { TableName } from './tables.js';

export interface TableWaiter {
  /** Resolves when one of the watched tables changes. */
  readonly changed: Promise<void>;
  /** Stops watching (the promise then never resolves). */
  cancel(): void;
}

export class TableWatch {
  readonly #waiters = new Map<TableName, Set<() => void>>();

  /** Starts watching `tables`; call before running the query, so no change slips between the read and the wait. */
  watch(tables: readonly TableName[]): TableWaiter {
    let wake!: () => void;
    const changed = new Promise<void>((resolve) => (wake = resolve));
    const cancel = (): void => {
      for (const t of tables) this.#waiters.get(t)?.delete(fire);
    };
    const fire = (): void => {
      cancel();
      wake();
    };
    for (const t of tables) {
      let set = this.#waiters.get(t);
      if (!set) this.#waiters.set(t, (set = new Set()));
      set.add(fire);
    }
    return { changed, cancel };
  }

  notify(tables: Iterable<TableName>): void {
    for (const t of tables) {
      const set = this.#waiters.get(t);
      if (!set) continue;
      for (const fire of [...set]) fire();
    }
  }

  /** Number of waiters on `table` (for tests and leak checks). */
  waiting(table: TableName): number {
    return this.#waiters.get(table)?.size ?? 0;
  }
}
