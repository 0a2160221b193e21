import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeSpecOf, type Member } from '../member-view.js';
import type { Command } from '../state/commands.js';
import { StateStore } from '../state/store.js';
import { client, server } from '../testing/member-fixtures.js';
import { planCatalogWrites, SERF_ALIVE_OUTPUT, SERF_FAILED_OUTPUT, SERF_HEALTH_NAME } from './catalog-plan.js';

/** A store holding what `commands` write. */
function storeOf(commands: Command[]): StateStore {
  const store = new StateStore({ checkInvariants: true });
  commands.forEach((command, i) => store.apply(i + 1, command));
  return store;
}

const serfHealth = (status: 'passing' | 'critical') => ({
  checkId: 'serfHealth',
  name: SERF_HEALTH_NAME,
  status,
  notes: '',
  output: status === 'passing' ? SERF_ALIVE_OUTPUT : SERF_FAILED_OUTPUT,
  serviceId: '',
  type: '',
});

/** The register the reconcile writes for `m` with serfHealth `status`. */
const registered = (m: Member, status: 'passing' | 'critical'): Command => ({ type: 'register', node: nodeSpecOf(m), checks: [serfHealth(status)] });

const a = server('a');
const b = server('b');
const x = client('x');

interface Row {
  name: string;
  members: Member[];
  catalog: Command[];
  want: Command[];
  reapAbsent?: boolean;
}

const rows: Row[] = [
  { name: 'empty catalog: every alive member is registered passing', members: [a, b, x], catalog: [], want: [registered(a, 'passing'), registered(b, 'passing'), registered(x, 'passing')] },
  { name: 'catalog agrees: no writes', members: [a, b, x], catalog: [registered(a, 'passing'), registered(b, 'passing'), registered(x, 'passing')], want: [] },
  { name: 'a failed member: serfHealth critical', members: [a, server('b', { status: 'failed' })], catalog: [registered(a, 'passing'), registered(b, 'passing')], want: [registered(b, 'critical')] },
  { name: 'a failed member already critical: no write', members: [a, server('b', { status: 'failed' })], catalog: [registered(a, 'passing'), registered(b, 'critical')], want: [] },
  { name: 'a failed member never registered is registered critical', members: [a, client('x', { status: 'failed' })], catalog: [registered(a, 'passing')], want: [registered(x, 'critical')] },
  { name: 'a member back from failure: passing again', members: [a, b], catalog: [registered(a, 'passing'), registered(b, 'critical')], want: [registered(b, 'passing')] },
  { name: 'a member that left is deregistered', members: [a, client('x', { status: 'left' })], catalog: [registered(a, 'passing'), registered(x, 'passing')], want: [{ type: 'deregister', node: 'x' }] },
  { name: 'a member that left and is gone from the catalog: no write', members: [a, client('x', { status: 'left' })], catalog: [registered(a, 'passing')], want: [] },
  {
    name: 'a node whose address changed is registered again',
    members: [a, client('x', { address: '10.0.0.77' })],
    catalog: [registered(a, 'passing'), registered(x, 'passing')],
    want: [registered(client('x', { address: '10.0.0.77' }), 'passing')],
  },
  {
    name: 'a node whose ID changed (rebuilt data directory) is registered again',
    members: [a, client('x', { nodeId: 'id-new' })],
    catalog: [registered(a, 'passing'), registered(x, 'passing')],
    want: [registered(client('x', { nodeId: 'id-new' }), 'passing')],
  },
  { name: 'a node with serfHealth that no member accounts for is reaped', members: [a], catalog: [registered(a, 'passing'), registered(x, 'critical')], want: [{ type: 'deregister', node: 'x' }] },
  { name: 'no reaping before gossip has settled', members: [a], catalog: [registered(a, 'passing'), registered(x, 'critical')], want: [], reapAbsent: false },
  {
    name: 'an external node (no serfHealth) is not gossip\'s to manage',
    members: [a],
    catalog: [registered(a, 'passing'), { type: 'register', node: { node: 'db', id: 'id-db', address: '10.1.1.1', datacenter: 'dc1' } }],
    want: [],
  },
  { name: 'the leader itself is never reaped', members: [b], catalog: [registered(a, 'passing'), registered(b, 'passing')], want: [] },
  { name: 'members of another datacenter are ignored', members: [a, client('y', { dc: 'dc2' })], catalog: [registered(a, 'passing')], want: [] },
];

for (const row of rows) {
  test(`catalog plan: ${row.name}`, () => {
    const writes = planCatalogWrites({ datacenter: 'dc1', selfName: 'a', members: row.members, catalog: storeOf(row.catalog).catalog, reapAbsent: row.reapAbsent ?? true });
    assert.deepEqual(writes, row.want);
  });
}

test('catalog plan: applying the plan and planning again writes nothing', () => {
  const members = [a, server('b', { status: 'failed' }), client('x', { status: 'left' }), client('y')];
  const store = storeOf([registered(b, 'passing'), registered(x, 'passing'), registered(client('gone'), 'passing')]);
  const plan = () => planCatalogWrites({ datacenter: 'dc1', selfName: 'a', members, catalog: store.catalog, reapAbsent: true });
  const first = plan();
  assert.equal(first.length, 5, JSON.stringify(first)); // a and y registered, b critical, x left, gone reaped
  first.forEach((command, i) => store.apply(100 + i, command));
  assert.deepEqual(plan(), []);
  assert.equal(store.catalog.checksOf('b').get('serfHealth')?.status, 'critical');
  assert.deepEqual([...store.catalog.nodes.keys()].sort(), ['a', 'b', 'y']);
});
