// Reads of the store, each with the tables it depends on (what a blocking
// query watches) and the X-Consul-Index Consul gives for it. Indexes are never
// 0: Consul's clients treat 0 as "no blocking support".
import { keysUpTo } from './kv-table.js';
import type { CatalogNode, CatalogService, HealthCheck, KVEntry, Session } from './records.js';
import type { StateStore } from './store.js';
import type { TableName } from './tables.js';

export interface QueryResult<T> {
  readonly index: number;
  readonly value: T;
}

export interface Query<T> {
  readonly tables: readonly TableName[];
  run(store: StateStore): QueryResult<T>;
}

const atLeastOne = (index: number): number => Math.max(1, index);

/** One key; a missing key's index is that of its deletion, or the table's when it never existed. */
export function kvGet(key: string): Query<KVEntry | undefined> {
  return {
    tables: ['kv'],
    run(store) {
      const entry = store.kv.get(key);
      const index = entry?.modifyIndex ?? (store.kv.tombstone(key) || store.indexes.get('kv'));
      return { index: atLeastOne(index), value: entry };
    },
  };
}

/** The index of a prefix: its newest entry or deletion; the whole table's for the empty prefix. */
function prefixIndex(store: StateStore, prefix: string, entries: readonly KVEntry[]): number {
  if (prefix === '') return atLeastOne(store.indexes.get('kv'));
  let index = store.kv.maxTombstone(prefix);
  for (const e of entries) index = Math.max(index, e.modifyIndex);
  return atLeastOne(index || store.indexes.get('kv'));
}

export function kvList(prefix: string): Query<KVEntry[]> {
  return {
    tables: ['kv'],
    run(store) {
      const entries = store.kv.list(prefix);
      return { index: prefixIndex(store, prefix, entries), value: entries };
    },
  };
}

export function kvKeys(prefix: string, separator: string): Query<string[]> {
  return {
    tables: ['kv'],
    run(store) {
      const entries = store.kv.list(prefix);
      return { index: prefixIndex(store, prefix, entries), value: keysUpTo(entries, prefix, separator) };
    },
  };
}

function sessionQuery(select: (sessions: Session[]) => Session[]): Query<Session[]> {
  return {
    tables: ['sessions'],
    run(store) {
      const all = [...store.sessions.values()].sort((a, b) => a.createIndex - b.createIndex || (a.id < b.id ? -1 : 1));
      return { index: atLeastOne(store.indexes.get('sessions')), value: select(all) };
    },
  };
}

export const sessionInfo = (id: string): Query<Session[]> => sessionQuery((all) => all.filter((s) => s.id === id));
export const sessionList = (): Query<Session[]> => sessionQuery((all) => all);
export const sessionsOfNode = (node: string): Query<Session[]> => sessionQuery((all) => all.filter((s) => s.node === node));

const byName = <T extends { node: string }>(a: T, b: T): number => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0);

export function catalogNodes(): Query<CatalogNode[]> {
  return {
    tables: ['nodes'],
    run: (store) => ({ index: atLeastOne(store.indexes.get('nodes')), value: [...store.catalog.nodes.values()].sort(byName) }),
  };
}

export function catalogNode(node: string): Query<{ node: CatalogNode; services: CatalogService[] } | undefined> {
  return {
    tables: ['nodes', 'services'],
    run(store) {
      const found = store.catalog.nodes.get(node);
      const value = found && { node: found, services: [...store.catalog.servicesOf(node).values()] };
      return { index: atLeastOne(store.indexes.max(['nodes', 'services'])), value };
    },
  };
}

/** Service name → its tags (each once), as /v1/catalog/services lists them. */
export function catalogServices(): Query<Map<string, string[]>> {
  return {
    tables: ['services'],
    run(store) {
      const tags = new Map<string, Set<string>>();
      for (const services of store.catalog.services.values()) {
        for (const s of services.values()) {
          let set = tags.get(s.service);
          if (!set) tags.set(s.service, (set = new Set()));
          for (const t of s.tags) set.add(t);
        }
      }
      const names = [...tags.keys()].sort();
      return { index: atLeastOne(store.indexes.get('services')), value: new Map(names.map((n) => [n, [...tags.get(n)!].sort()])) };
    },
  };
}

export interface ServiceInstance {
  readonly node: CatalogNode;
  readonly service: CatalogService;
}

function instances(store: StateStore, name: string, tags: readonly string[]): ServiceInstance[] {
  const out: ServiceInstance[] = [];
  for (const [nodeName, services] of store.catalog.services) {
    const node = store.catalog.nodes.get(nodeName);
    if (!node) continue;
    for (const service of services.values()) {
      if (service.service === name && tags.every((t) => service.tags.includes(t))) out.push({ node, service });
    }
  }
  return out.sort((a, b) => byName(a.node, b.node) || (a.service.id < b.service.id ? -1 : 1));
}

export function catalogService(name: string, tags: readonly string[]): Query<ServiceInstance[]> {
  return {
    tables: ['nodes', 'services'],
    run: (store) => ({ index: atLeastOne(store.indexes.max(['nodes', 'services'])), value: instances(store, name, tags) }),
  };
}

export interface HealthEntry extends ServiceInstance {
  /** The node's own checks, then the service's. */
  readonly checks: readonly HealthCheck[];
}

export function healthService(name: string, tags: readonly string[], passingOnly: boolean): Query<HealthEntry[]> {
  const tables: TableName[] = ['nodes', 'services', 'checks'];
  return {
    tables,
    run(store) {
      const entries = instances(store, name, tags).map((i) => ({
        ...i,
        checks: [...store.catalog.checksOf(i.node.node).values()].filter((c) => c.serviceId === '' || c.serviceId === i.service.id),
      }));
      const value = passingOnly ? entries.filter((e) => e.checks.every((c) => c.status === 'passing')) : entries;
      return { index: atLeastOne(store.indexes.max(tables)), value };
    },
  };
}

export function healthNode(node: string): Query<HealthCheck[]> {
  return {
    tables: ['checks'],
    run: (store) => ({ index: atLeastOne(store.indexes.get('checks')), value: [...store.catalog.checksOf(node).values()] }),
  };
}

export function healthChecks(service: string): Query<HealthCheck[]> {
  return {
    tables: ['checks'],
    run(store) {
      const value: HealthCheck[] = [];
      for (const checks of store.catalog.checks.values()) for (const c of checks.values()) if (c.serviceName === service) value.push(c);
      return { index: atLeastOne(store.indexes.get('checks')), value: value.sort(byName) };
    },
  };
}
