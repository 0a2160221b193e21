// Waits and checks shared by the interop tests that drive raft servers (Go's
// interop/raft-node and `shoal raft`) through raft-node-process.ts.
import { createHash } from 'node:crypto';
import { eventually } from './event-log.js';
import type { RaftNodeProcess, RaftNodeState } from './raft-node-process.js';

/** The digest both server kinds report: sha256 over each command followed by "\n". */
export function digestOf(commands: readonly string[]): string {
  const hash = createHash('sha256');
  for (const c of commands) hash.update(c).update('\n');
  return hash.digest('hex');
}

/**
 * Waits until exactly one of `nodes` is leader and every one of them names it
 * in its latest leader event; returns it.
 */
export async function agreedLeader(nodes: readonly RaftNodeProcess[], timeoutMs = 15_000): Promise<RaftNodeProcess> {
  let found: RaftNodeProcess | undefined;
  await eventually(async () => {
    const states = await Promise.all(nodes.map((n) => n.state(2000)));
    const leaders = nodes.filter((_, i) => states[i]!.state === 'leader');
    const named = nodes.map((n) => n.leader);
    found = leaders.length === 1 && named.every((id) => id === leaders[0]!.id) ? leaders[0] : undefined;
    return { ok: found !== undefined, detail: `states ${states.map((s, i) => `${nodes[i]!.id}:${s.state}/t${s.term}`).join(' ')}; reported leaders ${JSON.stringify(named)}` };
  }, timeoutMs, 'one leader all servers agree on', 100);
  return found!;
}

/** Waits until every node has applied `count` commands with digest `digest`. */
export async function converged(nodes: readonly RaftNodeProcess[], count: number, digest: string, timeoutMs = 15_000): Promise<RaftNodeState[]> {
  let states: RaftNodeState[] = [];
  await eventually(async () => {
    states = await Promise.all(nodes.map((n) => n.state(2000)));
    return {
      ok: states.every((s) => s.applied === count && s.digest === digest),
      detail: states.map((s, i) => `${nodes[i]!.id}: applied ${s.applied} digest ${s.digest.slice(0, 12)}`).join('; '),
    };
  }, timeoutMs, `${nodes.map((n) => n.id).join(',')} to apply ${count} commands`, 100);
  return states;
}
