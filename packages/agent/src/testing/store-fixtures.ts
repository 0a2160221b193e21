// Builders for store tests: a store that checks its invariants after every
// apply, applying at increasing raft indexes, and short command specs.
import { utf8 } from '@shoal/kit';
import type { CheckSpec, Command, KVOp, SessionSpec } from '../state/commands.js';
import { StateStore, type StoreResult } from '../state/store.js';

export class TestStore {
  readonly store = new StateStore({ checkInvariants: true });
  index = 0;

  apply(command: Command): StoreResult {
    return this.store.apply(++this.index, command);
  }

  kv(op: Omit<KVOp, 'value'> & { value?: string }): StoreResult {
    const { value, ...rest } = op;
    return this.apply({ type: 'kv', op: { ...rest, ...(value === undefined ? {} : { value: utf8(value) }) } });
  }

  /** Registers `node` with a passing serfHealth check. */
  node(node = 'n1', status: CheckSpec['status'] = 'passing'): StoreResult {
    return this.apply({ type: 'register', node: nodeSpec(node), checks: [check('serfHealth', status)] });
  }

  session(id: string, fields: Partial<SessionSpec> = {}): StoreResult {
    return this.apply({ type: 'session-create', session: sessionSpec(id, fields) });
  }
}

export function nodeSpec(node: string): { node: string; id: string; address: string; datacenter: string } {
  return { node, id: `00000000-0000-0000-0000-${node.padStart(12, '0').slice(-12)}`, address: '127.0.0.1', datacenter: 'dc1' };
}

export function sessionSpec(id: string, fields: Partial<SessionSpec> = {}): SessionSpec {
  return { id, name: '', node: 'n1', nodeChecks: ['serfHealth'], behavior: 'release', ttlMs: 0, lockDelayMs: 15_000, ...fields };
}

export function check(checkId: string, status: CheckSpec['status'], serviceId = ''): CheckSpec {
  return { checkId, name: checkId, status, notes: '', output: '', serviceId, type: serviceId === '' ? '' : 'ttl' };
}

export const text = (bytes: Uint8Array | undefined): string | undefined => (bytes === undefined ? undefined : new TextDecoder().decode(bytes));
