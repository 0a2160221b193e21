// Issue 5 item 2 (d): each implementation detects the other's crashed node
// (SIGKILL, so no goodbye) as dead, and the other's graceful leave as left.
import assert from 'node:assert/strict';
import { eventually, type MemberEvent } from '../harness/event-log.js';
import { GoMemberlistNode } from '../harness/go-memberlist-node.js';
import { ShoalMemberProcess } from '../harness/shoal-member-process.js';
import { ShoalNode } from '../harness/shoal-node.js';
import { DETECT_MS, interopTest, WAIT_MS } from './mixed.js';

/**
 * Observers push/pull every 2 s: gossip alone (2 retransmits in the local
 * profile) often misses nodes that join at the same moment, in Go as in
 * shoal, and push/pull is what repairs that; 2 s keeps setup to seconds.
 */
const PUSH_PULL_MS = 2000;

const leaveOf = (name: string) => (e: MemberEvent): boolean => e.event === 'leave' && e.node === name;

interopTest('(d) each side detects the other\'s crashed node (dead) and graceful leave (left)', 120_000, async (nodes, note) => {
  // Observers on both sides, and one victim per side for each way of going.
  const s0 = nodes.add(await ShoalNode.start({ name: 'shoal-obs', pushPullIntervalMs: PUSH_PULL_MS }));
  const goObs = nodes.add(await GoMemberlistNode.start({ name: 'go-obs', bind: '127.0.0.1:0', nodes: 2, join: [s0.addr], pushPullMs: PUSH_PULL_MS, verbose: true }));
  const goCrash = nodes.add(await GoMemberlistNode.start({ name: 'go-crash', bind: '127.0.0.1:0', join: [s0.addr], pushPullMs: PUSH_PULL_MS }));
  const seeds = [s0.addr, goObs.addrOf('go-obs-0')];
  // Started together (each takes a second or two to load); registered as each comes up.
  const [shoalCrash, shoalLeave] = await Promise.all(
    ['shoal-crash', 'shoal-leave'].map((name) => ShoalMemberProcess.start({ name, join: seeds }).then((p) => nodes.add(p))),
  ) as [ShoalMemberProcess, ShoalMemberProcess];
  const goObservers = goObs.names;
  const all = ['shoal-obs', 'shoal-crash', 'shoal-leave', 'go-crash', ...goObservers].sort();

  await eventually(async () => {
    const views: Record<string, string[]> = { 'shoal-obs': s0.memberNames(), 'shoal-crash': await shoalCrash.memberNames() };
    for (const g of goObservers) views[g] = await goObs.memberNames(g);
    views['go-crash'] = await goCrash.memberNames();
    const behind = Object.entries(views).filter(([, names]) => names.join() !== all.join());
    return { ok: behind.length === 0, detail: JSON.stringify(Object.fromEntries(behind)) };
  }, 30_000, 'the observers to list all six members');
  note('started and converged');

  // Graceful leaves, one at a time (a leave is gossiped to a few nodes only,
  // and concurrent departures make it likelier that some node misses it and
  // finds the node dead instead, in Go as in shoal).
  assert.deepEqual(await shoalLeave.terminate(), { code: 0, signal: null }, 'SIGTERM: shoal member leaves, then exits 0');
  const shoalLeft = await Promise.all([
    ...['go-obs-0', 'go-obs-1'].map((g) => goObs.log.waitFor((e) => e.self === g && leaveOf('shoal-leave')(e), WAIT_MS, `${g} to see shoal-leave leave`)),
    goCrash.waitFor(leaveOf('shoal-leave'), WAIT_MS, 'go-crash to see shoal-leave leave'),
    s0.waitFor(leaveOf('shoal-leave'), WAIT_MS, 'shoal-obs to see shoal-leave leave'),
  ]);
  for (const e of shoalLeft) assert.equal(e.state, 'left', `${e.self} sees shoal-leave as left (a graceful leave), not dead`);
  note('shoal leave seen by go');

  await goObs.request('@go-obs-1 leave 5000', 'left');
  const goLeft = await Promise.all([
    s0.waitFor(leaveOf('go-obs-1'), WAIT_MS, 'shoal-obs to see go-obs-1 leave'),
    shoalCrash.waitFor(leaveOf('go-obs-1'), WAIT_MS, 'the shoal member process to see go-obs-1 leave'),
    goObs.log.waitFor((e) => e.self === 'go-obs-0' && leaveOf('go-obs-1')(e), WAIT_MS, 'go-obs-0 to see go-obs-1 leave'),
  ]);
  assert.equal(goLeft[0]!.state, 'left', 'shoal-obs sees go-obs-1 as left (a graceful leave), not dead');
  assert.equal(goLeft[2]!.state, 'left');
  note('go leave seen by shoal');

  // Crashes, one per side, at once: detection runs in parallel.
  const killedAt = Date.now();
  await Promise.all([goCrash.kill(), shoalCrash.kill()]);
  const crashSeen = await Promise.all([
    s0.waitFor(leaveOf('go-crash'), DETECT_MS, 'shoal-obs to find go-crash dead'),
    goObs.log.waitFor((e) => e.self === 'go-obs-0' && leaveOf('shoal-crash')(e), DETECT_MS, 'go-obs-0 to find shoal-crash dead'),
    s0.waitFor(leaveOf('shoal-crash'), DETECT_MS, 'shoal-obs to find shoal-crash dead'),
    goObs.log.waitFor((e) => e.self === 'go-obs-0' && leaveOf('go-crash')(e), DETECT_MS, 'go-obs-0 to find go-crash dead'),
  ]);
  for (const e of crashSeen) assert.equal(e.state, 'dead', `${e.self} marks the crashed ${e.node} dead, not left`);
  note(`crashes detected (${crashSeen.map((e) => `${e.self} found ${e.node} dead after ${(e.t ?? NaN) - killedAt} ms`).join('; ')})`);

  // The survivors agree, and nobody else was taken for dead.
  const survivors = ['go-obs-0', 'shoal-obs'];
  // Every departure above was awaited at both survivors, so they must agree now;
  // if not, say what each went through (a node back from dead would be a bug).
  const history = JSON.stringify({
    shoalObsEvents: s0.events.filter((e) => e.event !== 'msg').map((e) => `${e.event} ${e.node} ${e.state}`),
    shoalObsTable: s0.list.allNodes().map((n) => `${n.node.name} ${n.node.state} inc=${n.incarnation}`),
    goObs0Events: goObs.events.filter((e) => e.self === 'go-obs-0' && ['join', 'leave', 'update'].includes(e.event)).map((e) => `${e.event} ${e.node} ${e.state} inc=${e.incarnation}`),
  });
  assert.deepEqual(s0.memberNames(), survivors, history);
  assert.deepEqual(await goObs.memberNames('go-obs-0'), survivors, history);
  const wrongly = [...s0.events, ...goObs.events.filter((e) => e.self === 'go-obs-0')].filter((e) => e.event === 'leave' && !['go-crash', 'shoal-crash', 'go-obs-1', 'shoal-leave'].includes(e.node!));
  assert.deepEqual(wrongly, [], 'no survivor was marked as gone');
});
