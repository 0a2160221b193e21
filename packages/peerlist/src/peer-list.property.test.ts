// Model-based property test of the abstract list: any sequence of updates,
// status changes, chooses, finishes, starts and stops keeps the list's view
// equal to a simple model, and the strategy holds exactly the available peers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ManualClock } from '@shoal/kit';
import { FakeTransport } from './fake-transport.js';
import { fewestPending } from './fewest-pending.js';
import type { Chosen } from './peer-facade.js';
import { PeerList } from './peer-list.js';
import { pendingHeap } from './pending-heap.js';
import { roundRobin } from './round-robin.js';
import type { ConnectionStatus, TransportPeer } from './transport.js';
import { twoRandomChoices } from './two-random-choices.js';

const ID = fc.constantFrom('a', 'b', 'c', 'd', 'e');
const STATUS = fc.constantFrom<ConnectionStatus>('available', 'unavailable', 'connecting');
const OP = fc.oneof(
  fc.record({ op: fc.constant('add' as const), ids: fc.uniqueArray(ID, { maxLength: 3 }) }),
  fc.record({ op: fc.constant('remove' as const), ids: fc.uniqueArray(ID, { maxLength: 3 }) }),
  fc.record({ op: fc.constant('status' as const), id: ID, status: STATUS }),
  fc.record({ op: fc.constant('choose' as const) }),
  fc.record({ op: fc.constant('finish' as const), which: fc.nat() }),
  fc.record({ op: fc.constant('start' as const) }),
  fc.record({ op: fc.constant('stop' as const) }),
);

for (const [name, make] of [
  ['round-robin', () => roundRobin()],
  ['two-random-choices', () => twoRandomChoices({ seed: 7 })],
  ['fewest-pending-heap', () => pendingHeap({ seed: 7 })],
  ['fewest-pending-buckets', () => fewestPending()],
] as const) {
  test(`property (${name}): the list matches a model under any operations`, () => {
    fc.assert(
      fc.property(fc.array(OP, { maxLength: 80 }), (ops) => {
        const transport = new FakeTransport();
        const implementation = make();
        const list = new PeerList<TransportPeer>({ transport, implementation, clock: new ManualClock(), seed: 3 });
        // Model: membership, lifecycle, the status the transport would report, outstanding requests.
        const members = new Set<string>();
        let lifecycle: 'idle' | 'running' | 'stopped' = 'idle';
        const status = new Map<string, ConnectionStatus>();
        const outstanding: Chosen[] = [];
        for (const o of ops) {
          const attempt = (f: () => void): void => {
            try {
              f();
            } catch {
              // invalid updates are expected; the model applies the valid parts
            }
          };
          if (o.op === 'add' || o.op === 'remove') {
            attempt(() => list.update(o.op === 'add' ? { additions: o.ids } : { removals: o.ids }));
            for (const id of o.ids) {
              if (o.op === 'add') {
                if (!members.has(id) && lifecycle === 'running') status.set(id, 'available');
                members.add(id);
              } else {
                members.delete(id);
                status.delete(id);
              }
            }
          } else if (o.op === 'status') {
            if (lifecycle === 'running' && members.has(o.id)) status.set(o.id, o.status);
            transport.simulateStatusChange(o.id, o.status);
          } else if (o.op === 'choose') {
            const c = list.tryChoose();
            const anyAvailable: boolean = lifecycle === 'running' && [...status.values()].includes('available');
            assert.equal(c !== undefined, anyAvailable);
            if (c !== undefined) {
              assert.equal(status.get(c.id), 'available');
              outstanding.push(c);
            }
          } else if (o.op === 'finish') {
            if (outstanding.length > 0) outstanding.splice(o.which % outstanding.length, 1)[0]!.onFinish();
          } else if (o.op === 'start') {
            if (lifecycle === 'idle') {
              lifecycle = 'running';
              for (const id of members) status.set(id, 'available');
            }
            list.start();
          } else {
            if (lifecycle !== 'stopped') status.clear();
            lifecycle = 'stopped';
            list.stop();
          }
          // Invariants after every step.
          const available = [...status.values()].filter((s) => s === 'available').length;
          assert.equal(list.isRunning(), lifecycle === 'running');
          assert.equal(list.numAvailable, available);
          assert.equal(list.numUnavailable, status.size - available);
          assert.equal(list.numUninitialized, lifecycle === 'running' ? 0 : members.size);
          assert.equal(implementation.choosable(), available);
          for (const id of members) assert.equal(list.available(id), status.get(id) === 'available');
          for (const p of list.peers()) {
            const mine = outstanding.filter((c) => c.id === p.id && c.peer === p).length;
            assert.equal(list.pending(p.id), mine, `pending of ${p.id}`);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
}
