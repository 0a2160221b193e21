// Consul's session rules: who may create a session, and what ending one does
// to the keys it holds (released or deleted, per its Behavior).
import { StateError } from '../errors.js';
import type { SessionSpec } from './commands.js';
import type { KvTable } from './kv-table.js';
import type { HealthCheck, KVEntry, Session } from './records.js';

/** Why a session may not be created, or undefined when it may. */
export function sessionCreateError(spec: SessionSpec, nodeExists: boolean, nodeChecks: ReadonlyMap<string, HealthCheck> | undefined): StateError | undefined {
  if (!nodeExists) return new StateError('ERR_MISSING_NODE', 'Missing node registration');
  for (const checkId of spec.nodeChecks) {
    const check = nodeChecks?.get(checkId);
    if (!check) return new StateError('ERR_MISSING_CHECK', `Missing check '${checkId}' registration`);
    if (check.status === 'critical') return new StateError('ERR_CHECK_CRITICAL', `Check '${checkId}' is in ${check.status} state`);
  }
  return undefined;
}

/** True when the critical status (or removal) of check `checkId` on `node` ends `session`. */
export function sessionDependsOn(session: Session, node: string, checkId: string): boolean {
  return session.node === node && session.nodeChecks.includes(checkId);
}

/**
 * Applies the end of `session` to its keys at raft index `index`: each key it
 * holds is released (kept, unlocked) or deleted. Returns the keys it held.
 */
export function endSessionLocks(kv: KvTable, session: Session, index: number): string[] {
  const held: KVEntry[] = [];
  for (const entry of kv.all()) if (entry.session === session.id) held.push(entry);
  for (const entry of held) {
    if (session.behavior === 'delete') kv.delete(entry.key, index);
    else {
      const { session: _ended, ...released } = entry;
      kv.put({ ...released, modifyIndex: index });
    }
  }
  return held.map((e) => e.key);
}
