// Membership change rules (Go's configuration_test.go): well-formed
// configurations and one change at a time. The tables below replay Go's
// nextConfigurationTests (compared in Go's own %v rendering),
// TestConfiguration_checkConfiguration, _nextConfiguration_prevIndex and
// _nextConfiguration_checkConfiguration, one named row each.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Configuration, ConfigurationChangeRequest, Server } from '../../configuration.js';
import { cloneConfiguration, ConfigurationChangeCommand, ServerSuffrage, suffrageName } from '../../configuration.js';
import { ConfigurationError } from '../../errors.js';
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


/** Go's fmt %v of a Configuration: {[{Voter id1 addr1x} ...]}. */
function goString(c: Configuration): string {
  return `{[${c.servers.map((s) => `{${suffrageName(s.suffrage)} ${s.id} ${s.address}}`).join(' ')}]}`;
}

const S = ServerSuffrage;
const singleServer: Configuration = { servers: [{ suffrage: S.Voter, id: 'id1', address: 'addr1x' }] };
const oneOfEach: Configuration = {
  servers: [
    { suffrage: S.Voter, id: 'id1', address: 'addr1x' },
    { suffrage: S.Staging, id: 'id2', address: 'addr2x' },
    { suffrage: S.Nonvoter, id: 'id3', address: 'addr3x' },
  ],
};
const voterPair: Configuration = {
  servers: [
    { suffrage: S.Voter, id: 'id1', address: 'addr1x' },
    { suffrage: S.Voter, id: 'id2', address: 'addr2x' },
  ],
};

interface NextRow {
  name: string;
  current: Configuration;
  command: ConfigurationChangeCommand;
  server: number;
  next: string;
}

const C = ConfigurationChangeCommand;
// Go's nextConfigurationTests, in order. Go's AddStaging is shoal's AddVoter (both add a voter at once).
const nextRows: NextRow[] = [
  { name: 'AddVoter: was missing (empty configuration)', current: { servers: [] }, command: C.AddVoter, server: 1, next: '{[{Voter id1 addr1}]}' },
  { name: 'AddVoter: was missing', current: singleServer, command: C.AddVoter, server: 2, next: '{[{Voter id1 addr1x} {Voter id2 addr2}]}' },
  { name: 'AddVoter: was Voter (address updated)', current: singleServer, command: C.AddVoter, server: 1, next: '{[{Voter id1 addr1}]}' },
  { name: 'AddVoter: was Staging', current: oneOfEach, command: C.AddVoter, server: 2, next: '{[{Voter id1 addr1x} {Voter id2 addr2} {Nonvoter id3 addr3x}]}' },
  { name: 'AddVoter: was Nonvoter', current: oneOfEach, command: C.AddVoter, server: 3, next: '{[{Voter id1 addr1x} {Staging id2 addr2x} {Voter id3 addr3}]}' },
  { name: 'AddNonvoter: was missing', current: singleServer, command: C.AddNonvoter, server: 2, next: '{[{Voter id1 addr1x} {Nonvoter id2 addr2}]}' },
  { name: 'AddNonvoter: was Voter (stays a voter, address updated)', current: singleServer, command: C.AddNonvoter, server: 1, next: '{[{Voter id1 addr1}]}' },
  { name: 'AddNonvoter: was Staging (stays staging, address updated)', current: oneOfEach, command: C.AddNonvoter, server: 2, next: '{[{Voter id1 addr1x} {Staging id2 addr2} {Nonvoter id3 addr3x}]}' },
  { name: 'AddNonvoter: was Nonvoter', current: oneOfEach, command: C.AddNonvoter, server: 3, next: '{[{Voter id1 addr1x} {Staging id2 addr2x} {Nonvoter id3 addr3}]}' },
  { name: 'DemoteVoter: was missing', current: singleServer, command: C.DemoteVoter, server: 2, next: '{[{Voter id1 addr1x}]}' },
  { name: 'DemoteVoter: was Voter', current: voterPair, command: C.DemoteVoter, server: 2, next: '{[{Voter id1 addr1x} {Nonvoter id2 addr2x}]}' },
  { name: 'DemoteVoter: was Staging', current: oneOfEach, command: C.DemoteVoter, server: 2, next: '{[{Voter id1 addr1x} {Nonvoter id2 addr2x} {Nonvoter id3 addr3x}]}' },
  { name: 'DemoteVoter: was Nonvoter', current: oneOfEach, command: C.DemoteVoter, server: 3, next: '{[{Voter id1 addr1x} {Staging id2 addr2x} {Nonvoter id3 addr3x}]}' },
  { name: 'RemoveServer: was missing', current: singleServer, command: C.RemoveServer, server: 2, next: '{[{Voter id1 addr1x}]}' },
  { name: 'RemoveServer: was Voter', current: voterPair, command: C.RemoveServer, server: 2, next: '{[{Voter id1 addr1x}]}' },
  { name: 'RemoveServer: was Staging', current: oneOfEach, command: C.RemoveServer, server: 2, next: '{[{Voter id1 addr1x} {Nonvoter id3 addr3x}]}' },
  { name: 'RemoveServer: was Nonvoter', current: oneOfEach, command: C.RemoveServer, server: 3, next: '{[{Voter id1 addr1x} {Staging id2 addr2x}]}' },
  { name: 'Promote: was missing', current: singleServer, command: C.Promote, server: 2, next: '{[{Voter id1 addr1x}]}' },
  { name: 'Promote: was Voter', current: singleServer, command: C.Promote, server: 1, next: '{[{Voter id1 addr1x}]}' },
  { name: 'Promote: was Staging', current: oneOfEach, command: C.Promote, server: 2, next: '{[{Voter id1 addr1x} {Voter id2 addr2x} {Nonvoter id3 addr3x}]}' },
  { name: 'Promote: was Nonvoter', current: oneOfEach, command: C.Promote, server: 3, next: '{[{Voter id1 addr1x} {Staging id2 addr2x} {Nonvoter id3 addr3x}]}' },
];

describe('nextConfiguration (TestConfiguration_nextConfiguration_table)', () => {
  for (const row of nextRows) {
    test(row.name, () => {
      const before = goString(row.current);
      const change = { command: row.command, serverId: `id${row.server}`, serverAddress: `addr${row.server}`, prevIndex: 0 };
      assert.equal(goString(nextConfiguration(row.current, 1, change)), row.next);
      assert.equal(goString(row.current), before, 'the current configuration is left alone');
    });
  }
});

const checkRows: { name: string; configuration: Configuration; error: RegExp | undefined }[] = [
  { name: 'an empty configuration has no voter', configuration: { servers: [] }, error: /Need at least one voter in configuration: \{\[\]\}/ },
  { name: 'a non-voter alone has no voter', configuration: { servers: [{ suffrage: S.Nonvoter, id: 'id0', address: 'addr0' }] }, error: /Need at least one voter in configuration: \{\[\{Nonvoter id0 addr0\}\]\}/ },
  { name: 'a staging server alone has no voter', configuration: { servers: [{ suffrage: S.Staging, id: 'id0', address: 'addr0' }] }, error: /Need at least one voter/ },
  {
    name: 'a non-voter and a voter are fine',
    configuration: { servers: [{ suffrage: S.Nonvoter, id: 'id0', address: 'addr0' }, { suffrage: S.Voter, id: 'id1', address: 'addr1' }] },
    error: undefined,
  },
  {
    name: 'a duplicate ID',
    configuration: { servers: [{ suffrage: S.Nonvoter, id: 'id0', address: 'addr0' }, { suffrage: S.Voter, id: 'id0', address: 'addr1' }] },
    error: /Found duplicate ID in configuration: id0/,
  },
  {
    name: 'a duplicate address',
    configuration: { servers: [{ suffrage: S.Nonvoter, id: 'id0', address: 'addr0' }, { suffrage: S.Voter, id: 'id1', address: 'addr0' }] },
    error: /Found duplicate address in configuration: addr0/,
  },
  { name: 'an empty ID', configuration: { servers: [{ suffrage: S.Voter, id: '', address: 'addr0' }] }, error: /Empty ID in configuration/ },
  { name: 'an empty address', configuration: { servers: [{ suffrage: S.Voter, id: 'id0', address: '' }] }, error: /Empty address in configuration: \{Voter id0 \}/ },
];

describe('checkConfiguration (TestConfiguration_checkConfiguration)', () => {
  for (const row of checkRows) {
    test(row.name, () => {
      if (row.error === undefined) checkConfiguration(row.configuration);
      else assert.throws(() => checkConfiguration(row.configuration), (err: unknown) => err instanceof ConfigurationError && row.error!.test(err.message));
    });
  }
});

const changeRows: { name: string; current: Configuration; currentIndex: number; change: ConfigurationChangeRequest; error: RegExp | undefined }[] = [
  { name: 'prevIndex: stale', current: singleServer, currentIndex: 2, change: { command: C.AddVoter, serverId: 'id1', serverAddress: 'addr1', prevIndex: 1 }, error: /Configuration changed since 1 \(latest is 2\)/ },
  { name: 'prevIndex: current', current: singleServer, currentIndex: 2, change: { command: C.AddVoter, serverId: 'id2', serverAddress: 'addr2', prevIndex: 2 }, error: undefined },
  { name: 'prevIndex: zero skips the check', current: singleServer, currentIndex: 2, change: { command: C.AddVoter, serverId: 'id3', serverAddress: 'addr3', prevIndex: 0 }, error: undefined },
  { name: 'prevIndex: ahead of the latest is stale too', current: singleServer, currentIndex: 2, change: { command: C.AddVoter, serverId: 'id3', serverAddress: 'addr3', prevIndex: 3 }, error: /Configuration changed since 3 \(latest is 2\)/ },
  { name: 'a non-voter alone is not a configuration (_nextConfiguration_checkConfiguration)', current: { servers: [] }, currentIndex: 1, change: { command: C.AddNonvoter, serverId: 'id1', serverAddress: 'addr1', prevIndex: 0 }, error: /at least one voter/ },
  { name: 'removing the last voter is refused', current: singleServer, currentIndex: 1, change: { command: C.RemoveServer, serverId: 'id1', serverAddress: '', prevIndex: 0 }, error: /at least one voter/ },
  { name: 'demoting the last voter is refused', current: oneOfEach, currentIndex: 1, change: { command: C.DemoteVoter, serverId: 'id1', serverAddress: '', prevIndex: 0 }, error: /at least one voter/ },
  { name: 'adding a server at an address already used is refused', current: singleServer, currentIndex: 1, change: { command: C.AddVoter, serverId: 'id2', serverAddress: 'addr1x', prevIndex: 0 }, error: /duplicate address in configuration: addr1x/ },
  { name: 'adding a server without an address is refused', current: singleServer, currentIndex: 1, change: { command: C.AddNonvoter, serverId: 'id2', serverAddress: '', prevIndex: 0 }, error: /Empty address/ },
  { name: 'an unknown command is refused', current: singleServer, currentIndex: 1, change: { command: 9 as ConfigurationChangeCommand, serverId: 'id2', serverAddress: 'addr2', prevIndex: 0 }, error: /unknown configuration change command 9/ },
];

describe('nextConfiguration refusals (TestConfiguration_nextConfiguration_prevIndex and checks)', () => {
  for (const row of changeRows) {
    test(row.name, () => {
      if (row.error === undefined) nextConfiguration(row.current, row.currentIndex, row.change);
      else assert.throws(() => nextConfiguration(row.current, row.currentIndex, row.change), (err: unknown) => err instanceof ConfigurationError && row.error!.test(err.message));
    });
  }
});

describe('configuration change properties', () => {
  const suffrage = fc.constantFrom(S.Voter, S.Nonvoter, S.Staging);
  const ids = ['id1', 'id2', 'id3', 'id4'];
  const configuration = fc
    .uniqueArray(fc.record({ id: fc.constantFrom(...ids), suffrage }), { selector: (s) => s.id, maxLength: 4 })
    .map((servers): Configuration => ({ servers: servers.map((s) => ({ ...s, address: `${s.id}-a` })) }));
  const change = fc.record({
    command: fc.constantFrom(C.AddVoter, C.AddNonvoter, C.DemoteVoter, C.RemoveServer, C.Promote),
    serverId: fc.constantFrom(...ids),
    serverAddress: fc.constantFrom('', 'new', 'id1-a'),
    prevIndex: fc.constant(0),
  });

  test('one change changes at most one server, leaves the input alone, and yields a well-formed configuration or a ConfigurationError', () => {
    fc.assert(
      fc.property(configuration, change, (current, ch) => {
        const copy = cloneConfiguration(current);
        let next: Configuration;
        try {
          next = nextConfiguration(current, 1, ch);
        } catch (err) {
          assert.ok(err instanceof ConfigurationError);
          assert.deepEqual(current, copy);
          return;
        }
        assert.deepEqual(current, copy, 'input changed');
        checkConfiguration(next);
        const key = (s: Server): string => `${s.id}/${s.address}/${s.suffrage}`;
        const before = new Map(current.servers.map((s) => [s.id, key(s)]));
        const after = new Map(next.servers.map((s) => [s.id, key(s)]));
        const touched = new Set([...before.keys(), ...after.keys()].filter((id) => before.get(id) !== after.get(id)));
        assert.ok(touched.size <= 1, `changed ${[...touched].join(', ')}`);
        for (const id of touched) assert.equal(id, ch.serverId);
        // Servers keep their places; an added one goes last.
        const order = next.servers.map((s) => s.id).filter((id) => before.has(id));
        assert.deepEqual(order, current.servers.map((s) => s.id).filter((id) => after.has(id)));
      }),
    );
  });
});
