// The rules of Consul's KV verbs, one function over the KV table and the
// session table. Each verb either changes the table and reports the entries a
// transaction shows for it, fails a comparison (the /v1/kv endpoint answers
// false, a transaction rolls back), or is an error (an invalid session).
import { StateError } from '../errors.js';
import type { KVOp } from './commands.js';
import type { KvTable } from './kv-table.js';
import type { KVEntry } from './records.js';

export type KvOutcome =
  /** `shown`: the entries a transaction result lists for the op (values are blanked for writes by the caller). */
  | { readonly kind: 'ok'; readonly shown: readonly KVEntry[] }
  | { readonly kind: 'failed'; readonly what: string }
  | { readonly kind: 'error'; readonly error: StateError };

const ok = (shown: readonly KVEntry[] = []): KvOutcome => ({ kind: 'ok', shown });
const failed = (what: string): KvOutcome => ({ kind: 'failed', what });
const q = JSON.stringify;


export function applyKvOp(kv: KvTable, sessionExists: (id: string) => boolean, index: number, op: KVOp): KvOutcome {
  const existing = kv.get(op.key);
  const write = (session: string | undefined, lockIndex: number): KVEntry => {
    const entry: KVEntry = {
      key: op.key,
      value: op.value ?? new Uint8Array(0),
      flags: op.flags ?? '0',
      createIndex: existing?.createIndex ?? index,
      modifyIndex: index,
      lockIndex,
      ...(session === undefined ? {} : { session }),
    };
    kv.put(entry);
    return entry;
  };
  // A plain write keeps the key's lock holder and lock count.
  const keep = (): KVEntry => write(existing?.session, existing?.lockIndex ?? 0);
  switch (op.verb) {
    case 'set':
      return ok([keep()]);
    case 'cas': {
      const want = op.index ?? 0;
      if (want === 0 ? existing !== undefined : existing?.modifyIndex !== want) return failed(`failed to set key ${q(op.key)}, index is stale`);
      return ok([keep()]);
    }
    case 'lock': {
      const session = op.session ?? '';
      if (session === '') return { kind: 'error', error: new StateError('ERR_INVALID_SESSION', 'missing session') };
      if (!sessionExists(session)) return { kind: 'error', error: new StateError('ERR_INVALID_SESSION', `invalid session ${q(session)}`) };
      if (existing?.session !== undefined && existing.session !== session) return failed(`failed to lock key ${q(op.key)}, lock is already held`);
      // Re-acquiring by the holder updates the value but is not a new lock.
      const lockIndex = existing?.session === session ? existing.lockIndex : (existing?.lockIndex ?? 0) + 1;
      return ok([write(session, lockIndex)]);
    }
    case 'unlock': {
      if (existing === undefined || existing.session === undefined || existing.session !== op.session) {
        return failed(`failed to unlock key ${q(op.key)}, lock isn't held, or is held by another session`);
      }
      return ok([write(undefined, existing.lockIndex)]);
    }
    case 'get':
      return existing ? ok([existing]) : failed(`key ${q(op.key)} doesn't exist`);
    case 'get-tree':
      return ok(kv.list(op.key));
    case 'check-index':
      if (!existing) return failed(`key ${q(op.key)} doesn't exist`);
      return existing.modifyIndex === (op.index ?? 0) ? ok([existing]) : failed(`current modify index ${existing.modifyIndex} != ${op.index ?? 0}`);
    case 'check-session':
      if (!existing) return failed(`key ${q(op.key)} doesn't exist`);
      return existing.session === op.session ? ok([existing]) : failed(`current session ${q(existing.session ?? '')} != ${q(op.session ?? '')}`);
    case 'check-not-exists':
      return existing ? failed(`key ${q(op.key)} exists`) : ok();
    case 'delete':
      kv.delete(op.key, index);
      return ok();
    case 'delete-tree':
      for (const entry of kv.list(op.key)) kv.delete(entry.key, index);
      return ok();
    case 'delete-cas':
      // A missing key counts as deleted; a present one must match the index.
      if (existing === undefined) return ok();
      if (existing.modifyIndex !== (op.index ?? 0)) return failed(`failed to delete key ${q(op.key)}, index is stale`);
      kv.delete(op.key, index);
      return ok();
  }
}
