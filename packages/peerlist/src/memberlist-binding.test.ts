// The memberlist binding, driven by a fake membership source on a virtual
// clock. (The real memberlist engine plugs into the same MembershipSource.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, seededRandom } from '@shoal/kit';
import { MemberlistBinding, type MemberSnapshot, type MembershipEventType, type MembershipSource } from './memberlist-binding.js';
import { MembershipGate } from './membership-gate.js';
import { PeerList, type ListUpdates } from './peer-list.js';
import { roundRobin } from './round-robin.js';
import { testSeed, withSeed } from './testing/seed.js';

type State = 'alive' | 'suspect' | 'dead' | 'left';

/** Emits events the way memberlist does: join for new or returning members, leave for dead and left, none for suspect. */
class FakeMembership implements MembershipSource {
  readonly #members = new Map<string, MemberSnapshot>();
  readonly #listeners = new Map<MembershipEventType, Set<(m: MemberSnapshot) => void>>();

  members(): MemberSnapshot[] {
    return [...this.#members.values()].filter((m) => m.state === 'alive' || m.state === 'suspect');
  }
  on(type: MembershipEventType, listener: (m: MemberSnapshot) => void): () => void {
    const set = this.#listeners.get(type) ?? new Set();
    this.#listeners.set(type, set);
    set.add(listener);
    return () => set.delete(listener);
  }
  get listenerCount(): number {
    return [...this.#listeners.values()].reduce((n, s) => n + s.size, 0);
  }
  state(name: string): State | undefined {
    return this.#members.get(name)?.state as State | undefined;
  }
  address(name: string): string | undefined {
    return this.#members.get(name)?.address;
  }
  /** Sets a member's state without an event (a member known before the binding starts). */
  seed(name: string, address: string, state: State = 'alive'): void {
    this.#members.set(name, { name, address, state });
  }
  join(name: string, address: string): void {
    this.#set(name, address, 'alive', 'join');
  }
  suspect(name: string): void {
    const m = this.#members.get(name)!;
    this.#members.set(name, { ...m, state: 'suspect' }); // memberlist emits nothing for suspect
  }
  refute(name: string): void {
    const m = this.#members.get(name)!;
    this.#members.set(name, { ...m, state: 'alive' });
  }
  die(name: string): void {
    this.#set(name, this.#members.get(name)!.address, 'dead', 'leave');
  }
  leave(name: string): void {
    this.#set(name, this.#members.get(name)!.address, 'left', 'leave');
  }
  move(name: string, address: string): void {
    this.#set(name, address, 'alive', 'update');
  }
  #set(name: string, address: string, state: State, event: MembershipEventType): void {
    const m = { name, address, state };
    this.#members.set(name, m);
    for (const l of this.#listeners.get(event) ?? []) l(m);
  }
}

function setup(options: { start?: boolean; graceMs?: number } = {}) {
  const clock = new ManualClock();
  const membership = new FakeMembership();
  const gate = new MembershipGate();
  const list = new PeerList({ transport: gate, implementation: roundRobin(), clock, seed: 1 });
  const updates: ListUpdates[] = [];
  const errors: unknown[] = [];
  const spy = {
    update: (u: ListUpdates) => {
      updates.push({ additions: [...(u.additions ?? [])].sort(), removals: [...(u.removals ?? [])].sort() });
      list.update(u);
    },
  };
  if (options.start !== false) list.start();
  const binding = new MemberlistBinding({
    source: membership,
    list: spy,
    gate,
    clock,
    deadGraceMs: options.graceMs ?? 30_000,
    batchWindowMs: 10,
    onError: (e) => errors.push(e),
  });
  const ids = (available?: boolean): string[] =>
    list
      .peers()
      .filter((p) => available === undefined || list.available(p.id) === available)
      .map((p) => p.id)
      .sort();
  return { clock, membership, gate, list, binding, updates, errors, ids };
}

test('initial sync: the current members arrive as one update', () => {
  const { membership, binding, updates, ids } = setup();
  for (let i = 0; i < 5; i++) membership.seed(`n${i}`, `10.0.0.${i}:7946`);
  membership.seed('gone', '10.0.0.9:7946', 'dead');
  membership.seed('sus', '10.0.0.8:7946', 'suspect');
  binding.start();
  assert.equal(updates.length, 1);
  assert.deepEqual(updates[0]!.additions, ['10.0.0.0:7946', '10.0.0.1:7946', '10.0.0.2:7946', '10.0.0.3:7946', '10.0.0.4:7946', '10.0.0.8:7946']);
  assert.deepEqual(ids(false), []);
});

test('join adds after the batch window; a burst of joins is one update', () => {
  const { clock, membership, binding, updates, ids } = setup();
  binding.start();
  for (let i = 0; i < 100; i++) membership.join(`n${i}`, `10.0.${i}.1:7946`);
  assert.equal(updates.length, 0, 'held for the batch window');
  clock.advance(10);
  assert.equal(updates.length, 1);
  assert.equal(updates[0]!.additions!.length, 100);
  assert.equal(ids(true).length, 100);
});

test('suspect stays available and sends nothing', () => {
  const { clock, membership, binding, updates, list } = setup();
  membership.seed('a', 'A:1');
  binding.start();
  membership.suspect('a');
  clock.advance(1000);
  assert.equal(updates.length, 1);
  assert.ok(list.available('A:1'));
});

test('left: unavailable at once, removed with the next batch', () => {
  const { clock, membership, binding, updates, list } = setup();
  membership.seed('a', 'A:1');
  membership.seed('b', 'B:1');
  binding.start();
  membership.leave('a');
  assert.ok(!list.available('A:1'), 'no traffic to a leaving member');
  assert.deepEqual(list.tryChoose()?.id, 'B:1');
  clock.advance(10);
  assert.deepEqual(updates.at(-1), { additions: [], removals: ['A:1'] });
  assert.deepEqual(list.peers().map((p) => p.id), ['B:1']);
});

test('dead: unavailable at once, removed after the grace period', () => {
  const { clock, membership, binding, updates, list, ids } = setup({ graceMs: 5000 });
  membership.seed('a', 'A:1');
  membership.seed('b', 'B:1');
  binding.start();
  membership.die('a');
  assert.deepEqual(ids(false), ['A:1']);
  clock.advance(4999);
  assert.equal(updates.length, 1, 'still in the list during the grace period');
  clock.advance(1 + 10);
  assert.deepEqual(updates.at(-1), { additions: [], removals: ['A:1'] });
  assert.deepEqual(ids(), ['B:1']);
  assert.equal(list.numAvailable, 1);
});

test('dead then back within the grace period: available again with no list churn', () => {
  const { clock, membership, binding, updates, list } = setup({ graceMs: 5000 });
  membership.seed('a', 'A:1');
  binding.start();
  membership.die('a');
  clock.advance(3000);
  membership.join('a', 'A:1');
  assert.ok(list.available('A:1'));
  clock.advance(10_000);
  assert.equal(updates.length, 1, 'only the initial sync');
  assert.equal(clock.pendingCount, 0);
});

test('an address change is one update: remove the old id, add the new', () => {
  const { clock, membership, binding, updates, list } = setup();
  membership.seed('a', 'A:1');
  binding.start();
  membership.move('a', 'A:2');
  assert.ok(!list.available('A:1'), 'the old address gets no more traffic');
  clock.advance(10);
  assert.deepEqual(updates.at(-1), { additions: ['A:2'], removals: ['A:1'] });
  assert.deepEqual(list.peers().map((p) => p.id), ['A:2']);
  assert.ok(list.available('A:2'));
});

test('dead, then back at a new address within the grace period', () => {
  const { clock, membership, binding, updates, ids } = setup();
  membership.seed('a', 'A:1');
  binding.start();
  membership.die('a');
  membership.join('a', 'A:2');
  clock.advance(10);
  assert.deepEqual(updates.at(-1), { additions: ['A:2'], removals: ['A:1'] });
  assert.deepEqual(ids(true), ['A:2']);
  clock.advance(60_000);
  assert.equal(updates.length, 2, 'the cancelled grace timer removes nothing later');
});

test('join and leave inside one batch never reach the list', () => {
  const { clock, membership, binding, updates } = setup();
  binding.start();
  membership.join('a', 'A:1');
  membership.leave('a');
  clock.advance(100);
  assert.equal(updates.length, 0);
});

test('members sharing an address: the id stays while any of them is alive', () => {
  const { clock, membership, binding, updates, list } = setup({ graceMs: 5000 });
  membership.seed('old', 'X:1');
  binding.start();
  membership.die('old');
  assert.ok(!list.available('X:1'));
  membership.join('new', 'X:1');
  assert.ok(list.available('X:1'), 'a live holder makes it available again');
  clock.advance(10_000);
  assert.equal(updates.length, 1, 'the dead member’s grace expiry does not remove the live one’s id');
  assert.ok(list.available('X:1'));
  membership.leave('new');
  clock.advance(10);
  assert.deepEqual(updates.at(-1), { additions: [], removals: ['X:1'] });
});

test('memberlist Node-like members with numeric states work as they are', () => {
  const { clock, gate, list } = setup();
  const listeners: ((m: MemberSnapshot) => void)[] = [];
  const node = (name: string, port: number, state: 0 | 1 | 2 | 3): MemberSnapshot => ({
    name,
    state,
    get address() {
      return `127.0.0.1:${port}`;
    },
  });
  const source: MembershipSource = {
    members: () => [node('a', 1, 0), node('b', 2, 1)],
    on: (_t, l) => {
      listeners.push(l);
      return () => {};
    },
  };
  const binding = new MemberlistBinding({ source, list, gate, clock });
  binding.start();
  assert.deepEqual(list.peers().map((p) => p.id).sort(), ['127.0.0.1:1', '127.0.0.1:2']);
  for (const l of listeners) l(node('a', 1, 3));
  clock.advance(10);
  assert.deepEqual(list.peers().map((p) => p.id), ['127.0.0.1:2']);
});

test('stop unsubscribes and cancels timers; the list keeps its peers', () => {
  const { clock, membership, binding, updates, list } = setup();
  membership.seed('a', 'A:1');
  membership.seed('b', 'B:1');
  binding.start();
  membership.die('a');
  membership.join('c', 'C:1');
  binding.stop();
  assert.equal(membership.listenerCount, 0);
  assert.equal(clock.pendingCount, 0);
  membership.join('d', 'D:1');
  clock.advance(60_000);
  assert.equal(updates.length, 1);
  assert.deepEqual(list.peers().map((p) => p.id).sort(), ['A:1', 'B:1']);
  // A restart resynchronises: 'a' is no longer listed, 'c' and 'd' are.
  binding.start();
  assert.deepEqual(updates.at(-1), { additions: ['C:1', 'D:1'], removals: ['A:1'] });
});

test('before the list starts, changes wait as uninitialized peers and a dead member starts unavailable', () => {
  const { clock, membership, binding, list } = setup({ start: false });
  membership.seed('a', 'A:1');
  membership.seed('b', 'B:1');
  binding.start();
  membership.die('a');
  assert.equal(list.numUninitialized, 2);
  list.start();
  assert.deepEqual([list.available('A:1'), list.available('B:1')], [false, true]);
  clock.advance(30_010);
  assert.deepEqual(list.peers().map((p) => p.id), ['B:1']);
});

test('property: after any event storm the list matches membership and never saw an invalid update', () =>
  withSeed(testSeed(), (seed) => {
    const { clock, membership, binding, errors, list, ids } = setup({ graceMs: 2000 });
    const rnd = seededRandom(seed);
    const names = Array.from({ length: 12 }, (_, i) => `n${i}`);
    const address = (): string => `10.0.0.${rnd.int(16)}:${7946 + rnd.int(2)}`;
    for (const n of names.slice(0, 6)) membership.seed(n, `${n}:7946`);
    binding.start();
    const deadSince = new Map<string, number>();
    for (let step = 0; step < 3000; step++) {
      const name = rnd.pick(names)!;
      const state = membership.state(name);
      const roll = rnd.int(6);
      if (state === undefined || state === 'left' || state === 'dead' ? roll < 3 : roll === 0) {
        membership.join(name, rnd.chance(0.7) && membership.address(name) !== undefined ? membership.address(name)! : rnd.chance(0.5) ? `${name}:7946` : address());
        deadSince.delete(name);
      } else if (state === 'alive' && roll === 1) membership.suspect(name);
      else if (state === 'suspect' && roll === 1) membership.refute(name);
      else if ((state === 'alive' || state === 'suspect') && roll === 2) {
        membership.die(name);
        deadSince.set(name, clock.now());
      } else if ((state === 'alive' || state === 'suspect') && roll === 3) membership.leave(name);
      else if ((state === 'alive' || state === 'suspect') && roll === 4) membership.move(name, address());
      clock.advance(rnd.int(40));
    }
    clock.advance(2000 + 10);
    assert.deepEqual(errors, [], 'the binding never added a present id or removed an absent one');
    // Settled: the list holds exactly the live members' addresses (names may share
    // an address; the last to claim it owns it), all available.
    const live = membership.members().map((m) => m.address);
    assert.deepEqual(ids(), [...new Set(live)].sort());
    assert.deepEqual(ids(false), []);
    assert.equal(list.numAvailable, new Set(live).size);
  }));
