// Waiting chooses: deadlines, aborts, FIFO service, one timer however many
// waiters, and many waiters while peer statuses flap (seeded, virtual time).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '@shoal/kit';
import { Simulation } from '@shoal/sim';
import { ChooseError, PeerListErrorCode as E } from './errors.js';
import { FakeTransport } from './fake-transport.js';
import { fewestPending } from './fewest-pending.js';
import { hashRing } from './hash-ring.js';
import type { Implementation, ListPeer } from './implementation.js';
import type { Chosen } from './peer-facade.js';
import { PeerList } from './peer-list.js';
import { pendingHeap } from './pending-heap.js';
import { roundRobin } from './round-robin.js';
import { testSeed, withSeed } from './testing/seed.js';
import { twoRandomChoices } from './two-random-choices.js';

function setup(defaultChooseTimeoutMs = 500) {
  const clock = new ManualClock();
  const transport = new FakeTransport({ initialStatus: 'unavailable' });
  const list = new PeerList({ transport, implementation: roundRobin(), clock, noShuffle: true, defaultChooseTimeoutMs });
  list.start();
  return { clock, transport, list };
}

async function outcome(p: Chosen | Promise<Chosen>): Promise<string> {
  try {
    const chosen = await p;
    return `ok ${chosen.id}`;
  } catch (error) {
    assert.ok(error instanceof ChooseError, String(error));
    return `${error.code} ${error.outcome}`;
  }
}

async function failure(p: Chosen | Promise<Chosen>): Promise<ChooseError> {
  try {
    await p;
  } catch (error) {
    assert.ok(error instanceof ChooseError, String(error));
    return error;
  }
  assert.fail('expected the choose to fail');
}

describe('deadlines', () => {
  test('absolute deadline, relative timeout, and the earlier of the two', async () => {
    const { clock, list } = setup();
    const times: Record<string, number> = {};
    const track = (name: string, p: Chosen | Promise<Chosen>): Promise<unknown> =>
      (p as Promise<Chosen>).catch(() => {
        times[name] = clock.now();
      });
    const all = [
      track('deadline', list.choose({ deadline: 30 })),
      track('timeout', list.choose({ timeoutMs: 20 })),
      track('both, deadline first', list.choose({ deadline: 10, timeoutMs: 40 })),
      track('both, timeout first', list.choose({ deadline: 50, timeoutMs: 15 })),
      track('default', list.choose()),
    ];
    for (let t = 0; t < 600; t++) {
      clock.advance(1);
      await new Promise(setImmediate); // let rejections record the time they happened
    }
    await Promise.all(all);
    assert.deepEqual(times, { deadline: 30, timeout: 20, 'both, deadline first': 10, 'both, timeout first': 15, default: 500 });
  });

  test('a deadline already past fails at once, without a timer', async () => {
    const { clock, list } = setup();
    clock.advance(100);
    assert.equal(await outcome(list.choose({ deadline: 100 })), `${E.NoPeers} deadline`);
    assert.equal(await outcome(list.choose({ timeoutMs: 0 })), `${E.NoPeers} deadline`);
    assert.equal(clock.pendingCount, 0);
  });

  test('a peer arriving just before the deadline is served; just after is too late', async () => {
    const { clock, list, transport } = setup();
    list.update({ additions: ['a'] });
    const early = list.choose({ timeoutMs: 10 });
    clock.advance(9.999);
    transport.simulateConnect('a');
    assert.equal(await outcome(early), 'ok a');
    transport.simulateDisconnect('a');
    const late = list.choose({ timeoutMs: 10 });
    clock.advance(10);
    transport.simulateConnect('a');
    assert.equal(await outcome(late), `${E.NoAvailablePeers} deadline`);
  });

  test('an infinite default waits until served or aborted, with no timer', async () => {
    const { clock, list, transport } = setup(Infinity);
    const controller = new AbortController();
    const aborted = list.choose({ signal: controller.signal });
    const served = list.choose();
    assert.equal(clock.pendingCount, 0, 'no timer for an infinite wait');
    clock.advance(1e9);
    controller.abort(new Error('caller gave up'));
    list.update({ additions: ['a'] });
    assert.equal(list.numWaiting, 1);
    transport.simulateConnect('a');
    assert.equal((await served).id, 'a');
    const error = await (aborted as Promise<Chosen>).catch((e: unknown) => e);
    assert.ok(error instanceof ChooseError);
    assert.equal(error.outcome, 'aborted');
    assert.equal(error.code, E.NoPeers);
    assert.equal((error.cause as Error).message, 'caller gave up');
    assert.equal(list.numWaiting, 0);
  });

  test('one timer serves any number of waiters', async () => {
    const { clock, list } = setup();
    const waits = Array.from({ length: 1000 }, (_, i) => list.choose({ timeoutMs: 1000 - i }));
    assert.equal(clock.pendingCount, 1);
    assert.equal(list.numWaiting, 1000);
    clock.advance(500);
    assert.equal(list.numWaiting, 500);
    assert.equal(clock.pendingCount, 1);
    clock.advance(500);
    assert.equal(list.numWaiting, 0);
    assert.equal(clock.pendingCount, 0);
    const outcomes = await Promise.all(waits.map(outcome));
    assert.ok(outcomes.every((o) => o === `${E.NoPeers} deadline`));
  });
});

describe('aborts', () => {
  test('an already aborted signal fails at once; a later abort ends the wait with the reason as cause', async () => {
    const { list } = setup();
    const reason = new Error('stop');
    const pre = await failure(list.choose({ signal: AbortSignal.abort(reason) }));
    assert.equal(pre.outcome, 'aborted');
    assert.equal(pre.cause, reason);
    const controller = new AbortController();
    const waiting = list.choose({ signal: controller.signal, timeoutMs: 1000 });
    assert.equal(list.numWaiting, 1);
    controller.abort(reason);
    assert.equal(list.numWaiting, 0);
    const error = await failure(waiting);
    assert.equal(error.outcome, 'aborted');
    assert.equal(error.cause, reason);
  });

  test('aborting after being served changes nothing', async () => {
    const { list, transport } = setup();
    list.update({ additions: ['a'] });
    const controller = new AbortController();
    const waiting = list.choose({ signal: controller.signal });
    transport.simulateConnect('a');
    controller.abort();
    assert.equal((await waiting).id, 'a');
    assert.equal(list.pending('a'), 1);
  });
});

test('waiters are served first come, first served, one peer each as peers appear', async () => {
  const { list, transport } = setup();
  // A strategy that hands out each available peer once, so service order shows.
  const order: number[] = [];
  const waits = Array.from({ length: 5 }, (_, i) => (list.choose({ timeoutMs: 100 }) as Promise<Chosen>).then(() => order.push(i)));
  list.update({ additions: ['a', 'b', 'c'] });
  transport.simulateConnect('b');
  await Promise.all(waits);
  assert.deepEqual(order, [0, 1, 2, 3, 4]);
  assert.equal(list.pending('b'), 5, 'all five went to the one available peer');
});

// ---- many pending chooses while statuses flap ----

/** Wraps a strategy and checks that it is only ever offered, and only ever returns, available peers. */
function checked<S>(inner: Implementation<S>, transport: FakeTransport): Implementation<S> {
  return {
    add: (peer) => {
      assert.equal(transport.peer(peer.id)?.status, 'available', `added ${peer.id} while not available`);
      return inner.add(peer);
    },
    remove: (peer, state) => inner.remove(peer, state),
    choose: (key, now) => {
      const p: ListPeer | undefined = inner.choose(key, now);
      if (p !== undefined) assert.equal(transport.peer(p.id)?.status, 'available', `chose ${p.id} while not available`);
      return p;
    },
    ...(inner.pendingChanged === undefined ? {} : { pendingChanged: (s: S, p: ListPeer) => inner.pendingChanged!(s, p) }),
    ...(inner.choosable === undefined ? {} : { choosable: () => inner.choosable!() }),
  };
}

const flapStrategies: Record<string, (seed: number) => Implementation<unknown>> = {
  'round-robin': () => roundRobin() as Implementation<unknown>,
  'two-random-choices': (seed) => twoRandomChoices({ seed }) as Implementation<unknown>,
  'fewest-pending-heap': (seed) => pendingHeap({ seed }) as Implementation<unknown>,
  'fewest-pending-buckets': () => fewestPending() as Implementation<unknown>,
  'hash-ring': (seed) => hashRing({ seed, replicas: 8 }) as Implementation<unknown>,
};

for (const [name, make] of Object.entries(flapStrategies)) {
  test(`many pending chooses while statuses flap: ${name}`, () =>
    withSeed(testSeed(), async (seed) => {
      const sim = new Simulation({ seed });
      const rnd = sim.fork();
      const transport = new FakeTransport({ initialStatus: 'unavailable' });
      const ids = Array.from({ length: 8 }, (_, i) => `p${i}`);
      const list = new PeerList({ transport, implementation: checked(make(seed), transport), clock: sim, seed, defaultChooseTimeoutMs: 50 });
      list.update({ additions: ids });
      list.start();
      const statuses = ['available', 'unavailable', 'connecting'] as const;
      let settled = 0;
      let served = 0;
      let expired = 0;
      let aborted = 0;
      const CHOOSES = 3000;
      // Flaps, membership churn, and chooses with assorted deadlines and aborts, over 2 s of virtual time.
      for (let i = 0; i < 1500; i++) {
        sim.after(rnd.float() * 2000, () => {
          const id = rnd.pick(ids)!;
          if (rnd.chance(0.05)) {
            if (list.peers().some((p) => p.id === id)) list.update({ removals: [id] });
            else list.update({ additions: [id] });
          } else {
            transport.simulateStatusChange(id, rnd.pick(statuses)!);
          }
          // Nobody may be left waiting while a peer could serve them.
          assert.ok(list.numWaiting === 0 || list.numAvailable === 0, `waiting ${list.numWaiting} with ${list.numAvailable} available`);
        });
      }
      for (let i = 0; i < CHOOSES; i++) {
        sim.after(rnd.float() * 2000, () => {
          const issued = sim.now();
          const kind = rnd.int(4);
          const controller = new AbortController();
          const options =
            kind === 0 ? { timeoutMs: rnd.float() * 100 } : kind === 1 ? { deadline: issued + rnd.float() * 30 } : kind === 2 ? {} : { signal: controller.signal, timeoutMs: 1e6 };
          const deadline = 'timeoutMs' in options ? issued + options.timeoutMs! : 'deadline' in options ? options.deadline! : issued + 50;
          if (kind === 3) sim.after(rnd.float() * 60, () => controller.abort());
          const key = `k${rnd.int(1000)}`;
          const result = list.choose({ ...options, key });
          Promise.resolve(result).then(
            (chosen) => {
              settled++;
              served++;
              assert.ok(sim.now() <= deadline, 'served after its deadline');
              sim.after(rnd.float() * 40, () => chosen.onFinish(rnd.chance(0.1) ? new Error('failed') : undefined));
            },
            (error: unknown) => {
              settled++;
              assert.ok(error instanceof ChooseError);
              if (error.outcome === 'aborted') aborted++;
              else {
                expired++;
                assert.equal(error.outcome, 'deadline');
                assert.ok(sim.now() >= deadline - 1e-9 || deadline <= issued, 'expired before its deadline');
              }
            },
          );
        });
      }
      await sim.run();
      assert.equal(settled, CHOOSES, 'every choose settled exactly once');
      assert.equal(list.numWaiting, 0);
      for (const p of list.peers()) assert.equal(list.pending(p.id), 0, `${p.id} pending`);
      const available = list.peers().filter((p) => p.status === 'available').length;
      assert.equal(list.numAvailable, available);
      assert.ok(served > CHOOSES / 2 && expired > 0 && aborted > 0, `served ${served}, expired ${expired}, aborted ${aborted}`);
    }));
}

test('stop ends every wait with NotRunning, outcome stopped; later chooses fail at once the same way', async () => {
  const { list } = setup();
  const waiting = list.choose({ timeoutMs: 1000 });
  list.stop();
  const error = await failure(waiting);
  assert.equal(error.code, E.NotRunning);
  assert.equal(error.outcome, 'stopped');
  assert.match(error.message, /has stopped/);
  assert.equal((await failure(list.choose())).outcome, 'stopped');
});
