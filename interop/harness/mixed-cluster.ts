// The mixed 3+3 cluster of the join suites (memberlist-mixed on UDP/TCP,
// memberlist-quic on QUIC): joins that cross the implementations, the wait
// until every node lists all six, and the check that each node heard each
// other's join once, at the address it bound, and no leave.
import assert from 'node:assert/strict';
import { eventually } from './event-log.js';
import type { GoMemberlistNode } from './go-memberlist-node.js';
import { type Nodes, type Note, WAIT_MS } from './scenario.js';
import type { ShoalNode, ShoalNodeOptions } from './shoal-node.js';

export const isJoinOf = (name: string) => (e: { event: string; node?: string }): boolean => e.event === 'join' && e.node === name;

/** How a suite starts its nodes (its transport and certificates). */
export interface MixedStarters {
  shoal(options: ShoalNodeOptions): Promise<ShoalNode>;
  /** One Go process holding `nodes` members NAME-0, NAME-1, ... */
  go(options: { name: string; nodes: number; join: string[]; pushPullMs: number }): Promise<GoMemberlistNode>;
}

export interface MixedCluster {
  shoals: ShoalNode[];
  go: GoMemberlistNode;
  goNames: string[];
  /** Every member's name, sorted. */
  all: string[];
  /** Every member's bound address, by name. */
  addrs: Map<string, string>;
}

/**
 * Starts shoal-c0, then three Go members (go-c-0..2) joining through it, then
 * shoal-c1 and shoal-c2 joining through go-c-1 and go-c-2; resolves once all
 * six list all six. Every node pushes/pulls every `pushPullMs`.
 */
export async function joinMixedCluster(nodes: Nodes, note: Note, start: MixedStarters, pushPullMs: number, seedMeta?: string): Promise<MixedCluster> {
  const s0 = nodes.add(await start.shoal({ name: 'shoal-c0', ...(seedMeta === undefined ? {} : { meta: seedMeta }), pushPullIntervalMs: pushPullMs }));
  const go = nodes.add(await start.go({ name: 'go-c', nodes: 3, join: [s0.addr], pushPullMs }));
  const goNames = go.names;
  assert.deepEqual(goNames, ['go-c-0', 'go-c-1', 'go-c-2']);
  for (const name of goNames) {
    const r = await go.waitFor((e) => e.self === name && (e.event === 'joined' || e.event === 'join-error'), WAIT_MS, `${name} to join shoal-c0`);
    assert.equal(r.event, 'joined', `${name} failed to join shoal-c0: ${r.error}`);
  }
  const s1 = nodes.add(await start.shoal({ name: 'shoal-c1', join: [go.addrOf('go-c-1')], pushPullIntervalMs: pushPullMs }));
  const s2 = nodes.add(await start.shoal({ name: 'shoal-c2', join: [go.addrOf('go-c-2')], pushPullIntervalMs: pushPullMs }));
  note('all joined');
  const shoals = [s0, s1, s2];
  const all = [...shoals.map((s) => s.name), ...goNames].sort();

  await eventually(async () => {
    const views: Record<string, string[]> = {};
    for (const s of shoals) views[s.name] = s.memberNames();
    for (const g of goNames) views[g] = await go.memberNames(g);
    const behind = Object.entries(views).filter(([, names]) => names.join() !== all.join());
    return { ok: behind.length === 0, detail: JSON.stringify(Object.fromEntries(behind)) };
  }, 30_000, 'all six nodes to list all six members');
  note('converged after the last join');
  const addrs = new Map<string, string>([...shoals.map((s) => [s.name, s.addr] as const), ...goNames.map((g) => [g, go.addrOf(g)] as const)]);
  return { shoals, go, goNames, all, addrs };
}

/** Each node was told of each other node's join exactly once, at the address it bound, and nobody was wrongly suspected on the way. */
export function assertJoinedOnceEach({ shoals, go, goNames, all, addrs }: MixedCluster): void {
  for (const s of shoals) {
    for (const other of all) {
      const joins = s.events.filter(isJoinOf(other));
      assert.equal(joins.length, 1, `${s.name} got ${joins.length} join events for ${other}`);
      assert.equal(joins[0]!.addr, addrs.get(other));
    }
  }
  for (const g of goNames) {
    for (const other of all) {
      const joins = go.events.filter((e) => e.self === g && isJoinOf(other)(e));
      assert.equal(joins.length, 1, `${g} got ${joins.length} join events for ${other}`);
      assert.equal(joins[0]!.addr, addrs.get(other));
    }
  }
  for (const s of shoals) assert.deepEqual(s.events.filter((e) => e.event === 'leave'), [], `${s.name} saw leaves`);
  assert.deepEqual(go.events.filter((e) => e.event === 'leave'), [], 'go nodes saw leaves');
}
