/**
 * Table-driven peer list tests, after yarpc's peertest action DSL: each row
 * sets up a FakeTransport, runs actions against a PeerList on a ManualClock,
 * and checks which peers end up available, unavailable, uninitialized and
 * released.
 */
import assert from 'node:assert/strict';
import { ManualClock } from '@shoal/kit';
import { ChooseError, PeerListUpdateError } from '../errors.js';
import { FakeTransport } from '../fake-transport.js';
import type { Implementation } from '../implementation.js';
import type { Chosen } from '../peer-facade.js';
import { PeerList } from '../peer-list.js';
import type { ConnectionStatus } from '../transport.js';

export type Action =
  | { do: 'start'; errors?: string[] }
  | { do: 'stop'; errors?: string[] }
  /** `errors` lists the expected failure codes (or messages of injected errors), in order. */
  | { do: 'update'; add?: string[]; remove?: string[]; errors?: string[] }
  /** Synchronous choose: expects a peer (one of `peerIn`) or, with `error`, a rejection code after `timeoutMs`. */
  | { do: 'choose'; peerIn?: string[]; error?: string; message?: RegExp; timeoutMs?: number; key?: string; finish?: boolean }
  /** Starts a choose that must wait; later actions run before it settles (at the matching 'await'). */
  | { do: 'chooseLater'; name: string; timeoutMs: number }
  | { do: 'await'; name: string; peerIn?: string[]; error?: string; message?: RegExp }
  | { do: 'advance'; ms: number }
  | { do: 'notify'; id: string; status: ConnectionStatus };

export interface Row {
  name: string;
  peers?: string[];
  initialStatus?: ConnectionStatus;
  statusById?: Record<string, ConnectionStatus>;
  retainErrors?: string[];
  releaseErrors?: string[];
  noShuffle?: boolean;
  actions: Action[];
  available?: string[];
  unavailable?: string[];
  uninitialized?: string[];
  released?: string[];
  running: boolean;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type MakeImplementation = (clock: ManualClock, seed: number) => Implementation<any>;

function codesOf(error: unknown): string[] {
  if (error instanceof PeerListUpdateError) return error.errors.map(codeOf);
  return [codeOf(error)];
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : (error as Error).message;
}

function expectThrows(step: () => void, expected: string[] | undefined, what: string): void {
  try {
    step();
  } catch (error) {
    assert.deepEqual(codesOf(error), expected ?? [], `${what} errors`);
    return;
  }
  assert.deepEqual([], expected ?? [], `${what} errors`);
}

function checkChosen(chosen: Chosen, peerIn: string[] | undefined, what: string): void {
  if (peerIn !== undefined) assert.ok(peerIn.includes(chosen.id), `${what}: chose ${chosen.id}, expected one of ${peerIn.join(',')}`);
  assert.equal(chosen.peer.id, chosen.id);
}

function checkError(error: unknown, code: string, message: RegExp | undefined, what: string): void {
  assert.ok(error instanceof ChooseError, `${what}: expected ChooseError, got ${String(error)}`);
  assert.equal(error.code, code, `${what}: ${error.message}`);
  if (message !== undefined) assert.match(error.message, message);
}

export async function runRow(row: Row, makeImplementation: MakeImplementation, seed: number): Promise<void> {
  const clock = new ManualClock();
  const injected = (ids: string[] | undefined): Record<string, Error> =>
    Object.fromEntries((ids ?? []).map((id) => [id, new Error(`injected failure for ${id}`)]));
  const transport = new FakeTransport({
    initialStatus: row.initialStatus ?? 'available',
    initialStatusById: row.statusById ?? {},
    retainErrors: injected(row.retainErrors),
    releaseErrors: injected(row.releaseErrors),
  });
  const implementation = makeImplementation(clock, seed);
  const list = new PeerList({ name: 'test', transport, implementation, clock, seed, noShuffle: row.noShuffle ?? false });
  if (row.peers !== undefined) list.update({ additions: row.peers });
  const later = new Map<string, Promise<Chosen>>();

  for (const [i, action] of row.actions.entries()) {
    const what = `${row.name} action ${i} (${action.do})`;
    switch (action.do) {
      case 'start':
        expectThrows(() => list.start(), action.errors, what);
        break;
      case 'stop':
        expectThrows(() => list.stop(), action.errors, what);
        break;
      case 'update':
        expectThrows(() => list.update({ additions: action.add ?? [], removals: action.remove ?? [] }), action.errors, what);
        break;
      case 'choose': {
        const result = list.choose({ timeoutMs: action.timeoutMs ?? 10, ...(action.key === undefined ? {} : { key: action.key }) });
        if (action.error === undefined) {
          assert.ok(!(result instanceof Promise), `${what}: expected a synchronous choice`);
          checkChosen(result, action.peerIn, what);
          if (action.finish !== false) result.onFinish();
        } else {
          assert.ok(result instanceof Promise, `${what}: expected to wait`);
          clock.advance(action.timeoutMs ?? 10);
          await result.then(
            () => assert.fail(`${what}: expected ${action.error}`),
            (error: unknown) => checkError(error, action.error!, action.message, what),
          );
        }
        break;
      }
      case 'chooseLater': {
        const result = list.choose({ timeoutMs: action.timeoutMs });
        assert.ok(result instanceof Promise, `${what}: expected to wait`);
        result.catch(() => {}); // settled at the matching 'await'
        later.set(action.name, result);
        break;
      }
      case 'await': {
        const pending = later.get(action.name);
        assert.ok(pending !== undefined, `${what}: no chooseLater named ${action.name}`);
        if (action.error === undefined) {
          const chosen = await pending;
          checkChosen(chosen, action.peerIn, what);
          chosen.onFinish();
        } else {
          await pending.then(
            () => assert.fail(`${what}: expected ${action.error}`),
            (error: unknown) => checkError(error, action.error!, action.message, what),
          );
        }
        break;
      }
      case 'advance':
        clock.advance(action.ms);
        break;
      case 'notify':
        transport.simulateStatusChange(action.id, action.status);
        break;
    }
  }

  const sorted = (xs: string[] | undefined): string[] => [...(xs ?? [])].sort();
  assert.equal(list.isRunning(), row.running, `${row.name}: running`);
  assert.deepEqual(sorted(list.peers().filter((p) => list.available(p.id)).map((p) => p.id)), sorted(row.available), `${row.name}: available`);
  assert.deepEqual(sorted(list.peers().filter((p) => !list.available(p.id)).map((p) => p.id)), sorted(row.unavailable), `${row.name}: unavailable`);
  assert.equal(list.numAvailable, row.available?.length ?? 0, `${row.name}: numAvailable`);
  assert.equal(list.numUnavailable, row.unavailable?.length ?? 0, `${row.name}: numUnavailable`);
  assert.equal(list.numUninitialized, row.uninitialized?.length ?? 0, `${row.name}: numUninitialized`);
  for (const id of row.uninitialized ?? []) assert.ok(list.uninitialized(id), `${row.name}: ${id} uninitialized`);
  if (row.released !== undefined) assert.deepEqual(sorted(transport.released), sorted(row.released), `${row.name}: released`);
  // The implementation must hold exactly the available peers.
  if (implementation.choosable !== undefined) assert.equal(implementation.choosable(), list.numAvailable, `${row.name}: implementation size`);
  // Every retained peer is retained by the transport exactly once, and nothing else is.
  assert.deepEqual(sorted(transport.retainedIds()), sorted(list.peers().map((p) => p.id)), `${row.name}: transport references`);
  // Every choose was finished.
  for (const p of list.peers()) assert.equal(list.pending(p.id), 0, `${row.name}: ${p.id} pending`);
}
