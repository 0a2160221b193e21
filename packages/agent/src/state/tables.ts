// The store's tables and their indexes: the raft index of the last change to
// each table. Blocking queries name the tables they read and wake when one of
// those indexes moves.

export type TableName = 'kv' | 'sessions' | 'nodes' | 'services' | 'checks';

export const TABLES: readonly TableName[] = ['kv', 'sessions', 'nodes', 'services', 'checks'];

/** The tables a catalog or health read depends on. */
export const CATALOG_TABLES: readonly TableName[] = ['nodes', 'services', 'checks'];

export class TableIndexes {
  readonly #indexes = new Map<TableName, number>(TABLES.map((t) => [t, 0]));

  get(table: TableName): number {
    return this.#indexes.get(table)!;
  }

  /** The highest index among `tables`. */
  max(tables: readonly TableName[]): number {
    let max = 0;
    for (const t of tables) max = Math.max(max, this.get(t));
    return max;
  }

  set(table: TableName, index: number): void {
    this.#indexes.set(table, index);
  }

  entries(): [TableName, number][] {
    return [...this.#indexes.entries()];
  }
}
