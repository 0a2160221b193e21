/**
 * A key-value state machine for simulations and examples: put, append and
 * compare-and-set go through the log; gets read local state after
 * readIndex() (or go through the log too). Commands are JSON.
 */
import { fromUtf8, utf8 } from '@shoal/kit';
import { DecodeError } from '../errors.js';
import { bytesSnapshot, type FSM, type FSMSnapshot } from '../fsm.js';
import type { Log } from '../log.js';
import type { SnapshotSource } from '../storage/snapshot.js';
import { readAll } from '../storage/snapshot.js';

export type KvCommand =
  | { op: 'put'; key: string; value: string }
  | { op: 'append'; key: string; value: string }
  | { op: 'cas'; key: string; expect: string | null; value: string }
  | { op: 'get'; key: string };

export function encodeKvCommand(cmd: KvCommand): Uint8Array {
  return utf8(JSON.stringify(cmd));
}

export function decodeKvCommand(bytes: Uint8Array): KvCommand {
  let v: unknown;
  try {
    v = JSON.parse(fromUtf8(bytes));
  } catch {
    throw new DecodeError('kv command: not JSON');
  }
  const c = v as Partial<Record<string, unknown>>;
  if (typeof c !== 'object' || c === null || typeof c.key !== 'string') throw new DecodeError('kv command: missing key');
  switch (c.op) {
    case 'get':
      return { op: 'get', key: c.key };
    case 'put':
    case 'append':
      if (typeof c.value !== 'string') throw new DecodeError('kv command: missing value');
      return { op: c.op, key: c.key, value: c.value };
    case 'cas':
      if (typeof c.value !== 'string' || (c.expect !== null && typeof c.expect !== 'string')) throw new DecodeError('kv command: bad cas');
      return { op: 'cas', key: c.key, expect: c.expect, value: c.value };
    default:
      throw new DecodeError('kv command: unknown op');
  }
}

export class KvFsm implements FSM {
  #data = new Map<string, string>();

  /** put/append → null; cas → whether it swapped; get → the value or null. */
  apply(log: Log): unknown {
    const cmd = decodeKvCommand(log.data);
    const current = this.#data.get(cmd.key) ?? null;
    switch (cmd.op) {
      case 'get':
        return current;
      case 'put':
        this.#data.set(cmd.key, cmd.value);
        return null;
      case 'append':
        this.#data.set(cmd.key, (current ?? '') + cmd.value);
        return null;
      case 'cas':
        if (current !== cmd.expect) return false;
        this.#data.set(cmd.key, cmd.value);
        return true;
    }
  }

  /** A local read (linearizable only after readIndex() on the leader). */
  get(key: string): string | null {
    return this.#data.get(key) ?? null;
  }

  /** The whole state, keys sorted (for convergence checks). */
  dump(): string {
    return JSON.stringify([...this.#data.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  snapshot(): FSMSnapshot {
    const bytes = utf8(JSON.stringify([...this.#data.entries()]));
    return bytesSnapshot(() => bytes);
  }

  async restore(source: SnapshotSource): Promise<void> {
    const text = fromUtf8(await readAll(source));
    let entries: unknown;
    try {
      entries = JSON.parse(text);
    } catch {
      throw new DecodeError('kv snapshot: not JSON');
    }
    if (!Array.isArray(entries)) throw new DecodeError('kv snapshot: not an array');
    const next = new Map<string, string>();
    for (const e of entries as unknown[]) {
      if (!Array.isArray(e) || typeof e[0] !== 'string' || typeof e[1] !== 'string') throw new DecodeError('kv snapshot: bad entry');
      next.set(e[0], e[1]);
    }
    this.#data = next;
  }
}
