// fast-check generators of valid Commands, for codec and store property tests.
import fc from 'fast-check';
import type { CheckSpec, Command, KVOp, NodeSpec, ServiceSpec, SessionSpec } from '../state/commands.js';
import { KV_VERBS } from '../state/codec.js';

const name = fc.string({ maxLength: 12 });
const keyArb = fc.constantFrom('a', 'a/b', 'a/c', 'b', 'lock', '');
const flags = fc.bigInt({ min: 0n, max: 18446744073709551615n }).map(String);

export const kvOpArb: fc.Arbitrary<KVOp> = fc.record(
  {
    verb: fc.constantFrom(...KV_VERBS),
    key: keyArb,
    value: fc.uint8Array({ maxLength: 16 }),
    flags,
    index: fc.nat({ max: 50 }),
    session: fc.constantFrom('s1', 's2', 'gone'),
  },
  { requiredKeys: ['verb', 'key'], noNullPrototype: true },
);

const sessionArb: fc.Arbitrary<SessionSpec> = fc.record({
  id: fc.constantFrom('s1', 's2', 's3'),
  name,
  node: fc.constantFrom('n1', 'n2'),
  nodeChecks: fc.array(fc.constantFrom('serfHealth', 'service:web'), { maxLength: 2 }),
  behavior: fc.constantFrom('release' as const, 'delete' as const),
  ttlMs: fc.oneof(fc.constant(0), fc.integer({ min: 10_000, max: 86_400_000 })),
  lockDelayMs: fc.integer({ min: 0, max: 60_000 }),
}, { noNullPrototype: true });

const nodeArb: fc.Arbitrary<NodeSpec> = fc.record(
  { node: fc.constantFrom('n1', 'n2'), id: name, address: name, datacenter: fc.constant('dc1'), meta: fc.dictionary(name, name, { maxKeys: 3, noNullPrototype: true }) },
  { requiredKeys: ['node', 'id', 'address', 'datacenter'], noNullPrototype: true },
);

const serviceArb: fc.Arbitrary<ServiceSpec> = fc.record({
  id: fc.constant('web'),
  service: fc.constantFrom('web', 'api'),
  tags: fc.array(name, { maxLength: 3 }),
  address: name,
  port: fc.integer({ min: 0, max: 65535 }),
  meta: fc.dictionary(name, name, { maxKeys: 3, noNullPrototype: true }),
  enableTagOverride: fc.boolean(),
}, { noNullPrototype: true });

const checkArb: fc.Arbitrary<CheckSpec> = fc.record({
  checkId: fc.constantFrom('serfHealth', 'service:web'),
  name,
  status: fc.constantFrom('passing' as const, 'warning' as const, 'critical' as const),
  notes: name,
  output: name,
  serviceId: fc.constantFrom('', 'web'),
  type: fc.constantFrom('', 'ttl'),
}, { noNullPrototype: true });

export const commandArb: fc.Arbitrary<Command> = fc.oneof(
  kvOpArb.map((op): Command => ({ type: 'kv', op })),
  fc.array(kvOpArb, { minLength: 1, maxLength: 5 }).map((ops): Command => ({ type: 'txn', ops })),
  sessionArb.map((session): Command => ({ type: 'session-create', session })),
  fc.constantFrom('s1', 's2', 's3').map((id): Command => ({ type: 'session-destroy', id })),
  fc.record({ node: nodeArb, service: serviceArb, checks: fc.array(checkArb, { maxLength: 2 }) }, { requiredKeys: ['node'], noNullPrototype: true }).map((r): Command => ({ type: 'register', ...r })),
  fc.record({ node: fc.constantFrom('n1', 'n2'), serviceId: fc.constant('web'), checkId: fc.constantFrom('serfHealth', 'service:web') }, { requiredKeys: ['node'], noNullPrototype: true }).map((r): Command => ({ type: 'deregister', ...r })),
);
