// The FSM: deterministic applies, snapshot and restore, and random command
// sequences that keep every invariant.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bytesSource, makeLog } from '@shoal/raft';
import type { SnapshotSink } from '@shoal/raft';
import { utf8 } from '@shoal/kit';
import { commandArb } from '../testing/arbitraries.js';
import { encodeCommand } from './codec.js';
import { AgentFsm } from './fsm.js';
import { invariantViolations } from './invariants.js';
import { snapshotLines } from './snapshot.js';
import { StateStore } from './store.js';
import type { Command } from './commands.js';

async function snapshotText(fsm: AgentFsm): Promise<string> {
  const chunks: Uint8Array[] = [];
  const sink: SnapshotSink = { id: 'test', write: async (c) => void chunks.push(c), close: async () => {}, cancel: async () => {} };
  await (await fsm.snapshot()).persist(sink);
  return Buffer.concat(chunks).toString('utf8');
}

function applyAll(commands: readonly Command[]): AgentFsm {
  const fsm = new AgentFsm(new StateStore({ checkInvariants: true }));
  commands.forEach((c, i) => fsm.apply(makeLog({ index: i + 1, term: 1, data: encodeCommand(c) })));
  return fsm;
}

test('random command sequences keep every invariant, replay identically, and survive snapshot and restore', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(commandArb, { maxLength: 60 }), async (commands) => {
      const a = applyAll(commands);
      const b = applyAll(commands);
      assert.deepEqual(snapshotLines(a.store), snapshotLines(b.store), 'same commands, same state');
      const text = await snapshotText(a);
      const restored = new AgentFsm(new StateStore());
      await restored.restore(bytesSource(utf8(text), 7));
      assert.deepEqual(snapshotLines(restored.store), snapshotLines(a.store));
      assert.deepEqual(invariantViolations(restored.store), []);
    }),
    { numRuns: 200 },
  );
});

test('an entry that is not a command is answered with a decode error and changes nothing', () => {
  const fsm = new AgentFsm(new StateStore());
  const r = fsm.apply(makeLog({ index: 1, term: 1, data: utf8('garbage') }));
  assert.equal((r as { code?: string }).code, 'ERR_AGENT_DECODE');
  assert.equal(fsm.store.lastApplied, 0);
});

test('restore refuses a damaged snapshot with a typed error and keeps the state', async () => {
  const fsm = applyAll([{ type: 'kv', op: { verb: 'set', key: 'k', value: utf8('v') } }]);
  const text = await snapshotText(fsm);
  for (const damaged of [text.replace('"kv"', '"kx"'), text.slice(0, text.length / 2), 'x', text.replace('"lockIndex":0', '"lockIndex":-1')]) {
    await assert.rejects(fsm.restore(bytesSource(utf8(damaged))), { code: 'ERR_AGENT_DECODE' }, damaged);
  }
  assert.equal(fsm.store.kv.get('k')?.modifyIndex, 1);
});
