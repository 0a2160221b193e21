// Membership change rules (Go's configuration_test.go): well-formed
// configurations and one change at a time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Configuration, Server } from '../../configuration.js';
import { ConfigurationChangeCommand, ServerSuffrage } from '../../configuration.js';
import { checkConfiguration, nextConfiguration } from './configuration-change.js';

function voter(id: string, address: string): Server {
  return { id, address, suffrage: ServerSuffrage.Voter };
}

test('checkConfiguration and nextConfiguration follow Go (table)', () => {
  assert.throws(() => checkConfiguration({ servers: [voter('', 'a')] }), /Empty ID/);
  assert.throws(() => checkConfiguration({ servers: [voter('a', '')] }), /Empty address/);
  assert.throws(() => checkConfiguration({ servers: [voter('a', 'x'), voter('a', 'y')] }), /duplicate ID/);
  assert.throws(() => checkConfiguration({ servers: [voter('a', 'x'), voter('b', 'x')] }), /duplicate address/);
  assert.throws(() => checkConfiguration({ servers: [{ id: 'a', address: 'x', suffrage: ServerSuffrage.Nonvoter }] }), /Need at least one voter/);
  const base: Configuration = { servers: [voter('a', 'A')] };
  const change = (command: ConfigurationChangeCommand, serverId: string, serverAddress = '', prevIndex = 0) => ({ command, serverId, serverAddress, prevIndex });
  const C = ConfigurationChangeCommand;
  const S = ServerSuffrage;
  const cases: [Configuration, ReturnType<typeof change>, Configuration][] = [
    [base, change(C.AddVoter, 'b', 'B'), { servers: [voter('a', 'A'), voter('b', 'B')] }],
    [base, change(C.AddVoter, 'a', 'A2'), { servers: [voter('a', 'A2')] }],
    [base, change(C.AddNonvoter, 'b', 'B'), { servers: [voter('a', 'A'), { id: 'b', address: 'B', suffrage: S.Nonvoter }] }],
    [base, change(C.AddNonvoter, 'a', 'A2'), { servers: [voter('a', 'A2')] }],
    [{ servers: [voter('a', 'A'), { id: 'b', address: 'B', suffrage: S.Nonvoter }] }, change(C.AddVoter, 'b', 'B2'), { servers: [voter('a', 'A'), voter('b', 'B2')] }],
    [{ servers: [voter('a', 'A'), voter('b', 'B')] }, change(C.DemoteVoter, 'b'), { servers: [voter('a', 'A'), { id: 'b', address: 'B', suffrage: S.Nonvoter }] }],
    [{ servers: [voter('a', 'A'), voter('b', 'B')] }, change(C.RemoveServer, 'b'), base],
    [base, change(C.RemoveServer, 'zzz'), base],
    [{ servers: [voter('a', 'A'), { id: 'b', address: 'B', suffrage: S.Staging }] }, change(C.Promote, 'b'), { servers: [voter('a', 'A'), voter('b', 'B')] }],
  ];
  for (const [from, ch, to] of cases) assert.deepEqual(nextConfiguration(from, 1, ch), to, JSON.stringify(ch));
  assert.throws(() => nextConfiguration(base, 1, change(C.RemoveServer, 'a')), /Need at least one voter/);
  assert.throws(() => nextConfiguration(base, 5, change(C.AddVoter, 'b', 'B', 4)), /Configuration changed since 4 \(latest is 5\)/);
  assert.deepEqual(nextConfiguration(base, 5, change(C.AddVoter, 'b', 'B', 5)).servers.length, 2);
});

