// Issue 18 item 4: over QUIC, each implementation detects the other's crashed
// node (SIGKILL: no goodbye, its connections just go silent) as dead.
import assert from 'node:assert/strict';
import { eventually, type MemberEvent } from '../harness/event-log.js';
import { DETECT_MS, quicTest, startGo, startShoal, startShoalProcess } from './quic-mixed.js';

/** Observers push/pull every 2 s so that joins made at the same moment converge in seconds (see join.test.ts). */
const PUSH_PULL_MS = 2000;

const leaveOf = (name: string) => (e: MemberEvent): boolean => e.event === 'leave' && e.node === name;

quicTest('(k) SIGKILL of a Go node is detected by shoal nodes, and of a shoal node by Go nodes (dead, not left)', 120_000, async (nodes, note) => {
  const s0 = nodes.add(await startShoal({ name: 'shoal-obs', pushPullIntervalMs: PUSH_PULL_MS }));
  const goObs = nodes.add(await startGo({ name: 'go-obs', join: [s0.addr], pushPullMs: PUSH_PULL_MS }));
  const goCrash = nodes.add(await startGo({ name: 'go-crash', join: [s0.addr], pushPullMs: PUSH_PULL_MS }));
  const shoalCrash = nodes.add(await startShoalProcess('shoal-crash', [goObs.addr]));
  const all = ['go-crash', 'go-obs', 'shoal-crash', 'shoal-obs'];

  await eventually(async () => {
    const views: Record<string, string[]> = {
      'shoal-obs': s0.memberNames(),
      'go-obs': await goObs.memberNames(),
      'go-crash': await goCrash.memberNames(),
      'shoal-crash': await shoalCrash.memberNames(),
    };
    const behind = Object.entries(views).filter(([, names]) => names.join() !== all.join());
    return { ok: behind.length === 0, detail: JSON.stringify(Object.fromEntries(behind)) };
  }, 30_000, 'all four nodes to list all four');
  note('started and converged');

  const killedAt = Date.now();
  await Promise.all([goCrash.kill(), shoalCrash.kill()]);
  const seen = await Promise.all([
    s0.waitFor(leaveOf('go-crash'), DETECT_MS, 'shoal-obs to find go-crash dead'),
    goObs.waitFor(leaveOf('shoal-crash'), DETECT_MS, 'go-obs to find shoal-crash dead'),
    s0.waitFor(leaveOf('shoal-crash'), DETECT_MS, 'shoal-obs to find shoal-crash dead'),
    goObs.waitFor(leaveOf('go-crash'), DETECT_MS, 'go-obs to find go-crash dead'),
  ]);
  for (const e of seen) assert.equal(e.state, 'dead', `${e.self} marks the crashed ${e.node} dead, not left`);
  note(`crashes detected (${seen.map((e) => `${e.self} found ${e.node} dead after ${(e.t ?? NaN) - killedAt} ms`).join('; ')})`);

  const survivors = ['go-obs', 'shoal-obs'];
  assert.deepEqual(s0.memberNames(), survivors);
  assert.deepEqual(await goObs.memberNames(), survivors);
  const wrongly = [...s0.events, ...goObs.events].filter((e) => e.event === 'leave' && !['go-crash', 'shoal-crash'].includes(e.node!));
  assert.deepEqual(wrongly, [], 'no survivor was marked as gone');
});
