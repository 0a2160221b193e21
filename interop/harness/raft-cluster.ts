// Starting a cluster of raft servers of either kind on loopback, one per
// process, and applying batches of commands through a leader: the steps every
// interop/raft test of a mixed cluster begins with.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPorts, startRaftNode, type RaftImpl, type RaftNodeOptions, type RaftNodeProcess } from './raft-node-process.js';

/** Options shared by every server of a cluster (ids, binds, dirs and bootstrap are filled in). */
export type SharedNodeOptions = Partial<Omit<RaftNodeOptions, 'impl' | 'id' | 'bind' | 'dir' | 'bootstrap'>> & {
  /** The shoal servers' --wire (default 1.1, the generation Go raft 1.1.2 speaks). */
  wire?: '1.1' | '1.7';
};

/** `shoal raft`'s wire flag for a cluster Go raft 1.1.2 can join. */
export function wireArgs(impl: RaftImpl, wire: '1.1' | '1.7' = '1.1'): string[] {
  return impl === 'shoal' ? ['--wire', wire] : [];
}

/**
 * Starts one server per [id, kind] on fresh loopback ports, all bootstrapped
 * with every one of them as a voter, each in root/<id>.
 */
export async function startCluster(kinds: readonly [string, RaftImpl][], root: string, shared: SharedNodeOptions = {}): Promise<RaftNodeProcess[]> {
  const ports = await freeLoopbackPorts(kinds.length);
  const peers = kinds.map(([id], i) => ({ id, addr: `127.0.0.1:${ports[i]}` }));
  const { wire, ...common } = shared;
  return Promise.all(kinds.map(([id, impl], i) => startRaftNode({
    ...common,
    impl,
    id,
    bind: peers[i]!.addr,
    dir: join(root, id),
    bootstrap: peers,
    extraArgs: [...wireArgs(impl, wire), ...(common.extraArgs ?? [])],
  })));
}

/** Applies `commands` at once through `leader`; returns them in log (index) order. */
export async function applyAll(leader: RaftNodeProcess, commands: readonly string[]): Promise<string[]> {
  const indexes = await Promise.all(commands.map((c) => leader.apply(c)));
  assert.equal(new Set(indexes).size, commands.length, 'every apply got its own index');
  return commands.map((c, i) => ({ c, index: indexes[i]! })).sort((a, b) => a.index - b.index).map((e) => e.c);
}

/** `count` distinct commands named after `prefix`. */
export function commands(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
}

/** A temporary directory for a test's servers, and its cleanup (stops every server first). */
export function clusterRoot(label: string): { root: string; cleanup: (nodes: readonly RaftNodeProcess[]) => Promise<void> } {
  const root = mkdtempSync(join(tmpdir(), `shoal-${label}-`));
  return {
    root,
    async cleanup(nodes) {
      await Promise.all(nodes.map((n) => n.stop()));
      rmSync(root, { recursive: true, force: true });
    },
  };
}
