// The replicated state: KV, sessions and the catalog, with a raft index per
// table. apply() is the only way in for writes and is a pure function of the
// store and the command; reads are in queries.ts.
import { StateError, StateInvariantError } from '../errors.js';
import { Catalog } from './catalog.js';
import type { CheckSpec, Command, KVOp, SessionSpec } from './commands.js';
import { applyKvOp, type KvOutcome } from './kv-ops.js';
import { invariantViolations } from './invariants.js';
import { KvTable } from './kv-table.js';
import type { KVEntry, Session } from './records.js';
import { endSessionLocks, sessionCreateError, sessionDependsOn } from './sessions.js';
import type { StoreContents } from './snapshot.js';
import { TABLES, TableIndexes, type TableName } from './tables.js';
import { TableWatch } from './watch.js';

export interface TxnError {
  readonly opIndex: number;
  readonly what: string;
}

/** A transaction's outcome: every op applied (with the entries it shows), or none and why. */
export type TxnResult = { readonly results: readonly KVEntry[] } | { readonly errors: readonly TxnError[] };

/**
 * What apply returns: a boolean for kv, register, deregister and
 * session-destroy; the new session's id for session-create; a TxnResult for
 * txn; a StateError when the command is refused.
 */
export type StoreResult = boolean | string | TxnResult | StateError;

/** Notified after an apply, outside it (listeners may read the store). */
export interface StoreListener {
  sessionCreated?(session: Session): void;
  /** `heldKeys`: the keys it held, now released or deleted per its behavior. */
  sessionEnded?(session: Session, heldKeys: readonly string[]): void;
  /** The whole state was replaced from a snapshot. */
  restored?(): void;
}

export interface StateStoreOptions {
  /** Check every invariant after every apply (O(size) per apply: tests and fuzzing). */
  checkInvariants?: boolean;
}

export class StateStore {
  readonly kv = new KvTable();
  readonly sessions = new Map<string, Session>();
  readonly catalog = new Catalog();
  readonly indexes = new TableIndexes();
  readonly watch = new TableWatch();
  readonly #listeners = new Set<StoreListener>();
  #lastApplied = 0;
  /** Tables touched and events raised by the apply in progress. */
  #touched = new Set<TableName>();
  #ended: [Session, string[]][] = [];
  #created: Session[] = [];
  readonly #checkInvariants: boolean;

  constructor(options: StateStoreOptions = {}) {
    this.#checkInvariants = options.checkInvariants ?? false;
  }

  /** Raft index of the last command applied (or restored). */
  get lastApplied(): number {
    return this.#lastApplied;
  }

  listen(listener: StoreListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  apply(index: number, command: Command): StoreResult {
    if (!(index > this.#lastApplied)) throw new StateInvariantError(`apply at index ${index} after ${this.#lastApplied}`);
    this.#touched = new Set();
    this.#ended = [];
    this.#created = [];
    const result = this.#dispatch(index, command);
    this.#lastApplied = index;
    for (const table of this.#touched) this.indexes.set(table, index);
    if (this.#checkInvariants) {
      const violations = invariantViolations(this);
      if (violations.length > 0) throw new StateInvariantError(`after ${command.type} at ${index}: ${violations.join('; ')}`);
    }
    this.watch.notify(this.#touched);
    const [ended, created] = [this.#ended, this.#created];
    for (const l of this.#listeners) {
      for (const s of created) l.sessionCreated?.(s);
      for (const [s, keys] of ended) l.sessionEnded?.(s, keys);
    }
    return result;
  }

  /** Replaces everything with a snapshot's contents. */
  load(contents: StoreContents): void {
    this.kv.clear();
    this.sessions.clear();
    this.catalog.clear();
    for (const e of contents.kv) this.kv.put(e);
    for (const [key, index] of contents.tombstones) this.kv.restoreTombstone(key, index);
    for (const s of contents.sessions) this.sessions.set(s.id, s);
    for (const n of contents.nodes) this.catalog.nodes.set(n.node, n);
    for (const s of contents.services) this.catalog.putRecord(this.catalog.services, s.node, s.id, s);
    for (const c of contents.checks) this.catalog.putRecord(this.catalog.checks, c.node, c.checkId, c);
    for (const [table, index] of contents.indexes) this.indexes.set(table, index);
    this.#lastApplied = contents.lastApplied;
    this.watch.notify(TABLES);
    for (const l of this.#listeners) l.restored?.();
  }

  #dispatch(index: number, command: Command): StoreResult {
    switch (command.type) {
      case 'kv':
        return this.#kv(index, command.op);
      case 'txn':
        return this.#txn(index, command.ops);
      case 'session-create':
        return this.#createSession(index, command.session);
      case 'session-destroy': {
        const session = this.sessions.get(command.id);
        if (session) this.#endSession(session, index);
        return true;
      }
      case 'register': {
        const { node, service, checks = [] } = command;
        const refused = this.catalog.registerError(node.node, service, checks);
        if (refused) return refused;
        this.#touch(this.catalog.putNode(node, index));
        if (service) this.#touch(this.catalog.putService(node.node, service, index));
        for (const check of checks) this.#putCheck(node.node, check, index);
        return true;
      }
      case 'deregister':
        this.#deregister(index, command.node, command.serviceId, command.checkId);
        return true;
    }
  }

  #kv(index: number, op: KVOp): StoreResult {
    const outcome = this.#kvOp(index, op);
    if (outcome.kind === 'error') return outcome.error;
    return outcome.kind === 'ok';
  }

  #kvOp(index: number, op: KVOp): KvOutcome {
    const before = this.kv.changes;
    const outcome = applyKvOp(this.kv, (id) => this.sessions.has(id), index, op);
    if (this.kv.changes !== before) this.#touch(['kv']);
    return outcome;
  }

  #txn(index: number, ops: readonly KVOp[]): TxnResult {
    const results: KVEntry[] = [];
    const errors: TxnError[] = [];
    const touchedBefore = new Set(this.#touched);
    this.kv.begin();
    ops.forEach((op, opIndex) => {
      const outcome = this.#kvOp(index, op);
      if (outcome.kind === 'ok') for (const e of outcome.shown) results.push(op.verb === 'get' || op.verb === 'get-tree' ? e : { ...e, value: new Uint8Array(0) });
      else errors.push({ opIndex, what: outcome.kind === 'failed' ? outcome.what : outcome.error.message });
    });
    if (errors.length === 0) {
      this.kv.commit();
      return { results };
    }
    this.kv.rollback();
    this.#touched = touchedBefore;
    return { errors };
  }

  #createSession(index: number, spec: SessionSpec): StoreResult {
    if (this.sessions.has(spec.id)) return new StateError('ERR_SESSION_EXISTS', `Session ${JSON.stringify(spec.id)} already exists`);
    const refused = sessionCreateError(spec, this.catalog.nodes.has(spec.node), this.catalog.checks.get(spec.node));
    if (refused) return refused;
    const session: Session = { ...spec, nodeChecks: [...spec.nodeChecks], createIndex: index, modifyIndex: index };
    this.sessions.set(session.id, session);
    this.#created.push(session);
    this.#touch(['sessions']);
    return session.id;
  }

  #endSession(session: Session, index: number): void {
    this.sessions.delete(session.id);
    const held = endSessionLocks(this.kv, session, index);
    this.#touch(held.length > 0 ? ['sessions', 'kv'] : ['sessions']);
    this.#ended.push([session, held]);
    for (const entry of this.kv.all()) {
      if (entry.session === session.id) throw new StateInvariantError(`kv ${JSON.stringify(entry.key)} still held by ended session ${session.id}`);
    }
  }

  /** Ends every session that depends on `checkId` of `node`. */
  #endSessionsOnCheck(node: string, checkId: string, index: number): void {
    for (const s of [...this.sessions.values()]) if (sessionDependsOn(s, node, checkId)) this.#endSession(s, index);
  }

  #putCheck(node: string, check: CheckSpec, index: number): void {
    if (this.catalog.putCheck(node, check, index)) this.#touch(['checks']);
    if (check.status === 'critical') this.#endSessionsOnCheck(node, check.checkId, index);
  }

  #deregister(index: number, node: string, serviceId: string | undefined, checkId: string | undefined): void {
    if (checkId !== undefined) {
      if (this.catalog.deleteCheck(node, checkId)) this.#touch(['checks']);
      this.#endSessionsOnCheck(node, checkId, index);
    }
    if (serviceId !== undefined) {
      const { deleted, checks } = this.catalog.deleteService(node, serviceId);
      if (deleted) this.#touch(['services']);
      if (checks.length > 0) this.#touch(['checks']);
      for (const id of checks) this.#endSessionsOnCheck(node, id, index);
    }
    if (checkId === undefined && serviceId === undefined) {
      if (this.catalog.deleteNode(node)) this.#touch(['nodes', 'services', 'checks']);
      for (const s of [...this.sessions.values()]) if (s.node === node) this.#endSession(s, index);
    }
  }

  #touch(tables: readonly TableName[]): void {
    for (const t of tables) this.#touched.add(t);
  }
}
