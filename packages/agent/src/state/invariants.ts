// The store's invariants, checked as a whole: after every apply when the store
// is created with checkInvariants (tests, fuzzing), and by tests directly.
import type { StateStore } from './store.js';

/** Every broken invariant, described; empty when the store is sound. */
export function invariantViolations(store: StateStore): string[] {
  const out: string[] = [];
  const { kv, sessions, catalog, indexes } = store;
  const checkIndexes = (what: string, r: { createIndex: number; modifyIndex: number }, tableIndex: number): void => {
    if (r.modifyIndex < r.createIndex) out.push(`${what}: modifyIndex ${r.modifyIndex} < createIndex ${r.createIndex}`);
    if (r.modifyIndex > tableIndex) out.push(`${what}: modifyIndex ${r.modifyIndex} above its table's index ${tableIndex}`);
  };
  for (const e of kv.all()) {
    checkIndexes(`kv ${JSON.stringify(e.key)}`, e, indexes.get('kv'));
    if (e.session !== undefined && !sessions.has(e.session)) out.push(`kv ${JSON.stringify(e.key)}: held by session ${e.session}, which does not exist`);
    if (e.session !== undefined && e.lockIndex === 0) out.push(`kv ${JSON.stringify(e.key)}: held with lockIndex 0`);
  }
  for (const [key, index] of kv.tombstones()) {
    if (kv.get(key)) out.push(`kv ${JSON.stringify(key)}: both an entry and a tombstone`);
    if (index > indexes.get('kv')) out.push(`kv ${JSON.stringify(key)}: tombstone ${index} above the table's index`);
  }
  for (const s of sessions.values()) {
    checkIndexes(`session ${s.id}`, s, indexes.get('sessions'));
    if (!catalog.nodes.has(s.node)) out.push(`session ${s.id}: node ${s.node} is not registered`);
    for (const checkId of s.nodeChecks) {
      const check = catalog.checksOf(s.node).get(checkId);
      if (!check) out.push(`session ${s.id}: check ${checkId} is not registered`);
      else if (check.status === 'critical') out.push(`session ${s.id}: check ${checkId} is critical`);
    }
  }
  for (const n of catalog.nodes.values()) checkIndexes(`node ${n.node}`, n, indexes.get('nodes'));
  for (const [node, services] of catalog.services) {
    if (services.size > 0 && !catalog.nodes.has(node)) out.push(`services on unregistered node ${node}`);
    for (const s of services.values()) checkIndexes(`service ${node}/${s.id}`, s, indexes.get('services'));
  }
  for (const [node, checks] of catalog.checks) {
    if (checks.size > 0 && !catalog.nodes.has(node)) out.push(`checks on unregistered node ${node}`);
    for (const c of checks.values()) {
      checkIndexes(`check ${node}/${c.checkId}`, c, indexes.get('checks'));
      if (c.serviceId !== '' && !catalog.servicesOf(node).has(c.serviceId)) out.push(`check ${node}/${c.checkId}: service ${c.serviceId} is not registered`);
    }
  }
  for (const [table, index] of indexes.entries()) if (index > store.lastApplied) out.push(`table ${table}: index ${index} above the last applied ${store.lastApplied}`);
  return out;
}
