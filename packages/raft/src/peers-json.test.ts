// peers.json parsing (Go's peersjson_test).
import { utf8 } from '@shoal/kit';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Simulation, SimDisk } from '@shoal/sim';
import { ServerSuffrage } from './configuration.js';
import { DecodeError } from './errors.js';
import { parseConfigJson, parsePeersJson, readConfigJson } from './peers-json.js';

test('legacy peers.json: addresses become voters with ID = address', () => {
  assert.deepEqual(parsePeersJson('["127.0.0.1:123", "127.0.0.2:123"]'), {
    servers: [
      { suffrage: ServerSuffrage.Voter, id: '127.0.0.1:123', address: '127.0.0.1:123' },
      { suffrage: ServerSuffrage.Voter, id: '127.0.0.2:123', address: '127.0.0.2:123' },
    ],
  });
  assert.throws(() => parsePeersJson('[1]'), DecodeError);
  assert.throws(() => parsePeersJson('not json'), DecodeError);
  assert.throws(() => parsePeersJson('["a", "a"]'), /duplicate ID/);
});

test('config peers.json: ids, addresses and non-voters', async () => {
  const text = '[{"id":"a","address":"127.0.0.1:1"},{"id":"b","address":"127.0.0.1:2","non_voter":true}]';
  const expected = {
    servers: [
      { suffrage: ServerSuffrage.Voter, id: 'a', address: '127.0.0.1:1' },
      { suffrage: ServerSuffrage.Nonvoter, id: 'b', address: '127.0.0.1:2' },
    ],
  };
  assert.deepEqual(parseConfigJson(text), expected);
  assert.throws(() => parseConfigJson('[{"id":"a"}]'), /Empty address/);
  assert.throws(() => parseConfigJson('[{"id":"a","address":"x","non_voter":true}]'), /Need at least one voter/);
  assert.throws(() => parseConfigJson('[{"id":"a","address":"x","non_voter":"yes"}]'), DecodeError);
  const fs = new SimDisk(new Simulation({ seed: 1 })).fileSystem();
  await fs.writeFile('peers.json', utf8(text));
  assert.deepEqual(await readConfigJson(fs, 'peers.json'), expected);
});
