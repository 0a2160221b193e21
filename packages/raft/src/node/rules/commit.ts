/**
 * Commitment as pure rules (Raft paper, Figure 2, "Rules for Servers:
 * Leaders", last rule; §5.4.2; Go's commitment.go): an entry is committed
 * once a majority of the voters store it, and the leader counts only entries
 * of its own term, which start at `startIndex` (its no-op); earlier entries
 * commit with them.
 */

/** The highest index stored by a majority of the voters whose match indexes are given (0 with no voters). */
export function quorumMatchIndex(matchIndexes: readonly number[]): number {
  if (matchIndexes.length === 0) return 0;
  const sorted = [...matchIndexes].sort((a, b) => a - b);
  // With n voters, a majority stores at least the ((n-1)/2)-th smallest.
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/**
 * The leader's commit index once the voters store `matchIndexes`: it moves
 * only forward, and only to an entry of the leader's term (at or after `startIndex`).
 */
export function leaderCommitIndex(current: number, matchIndexes: readonly number[], startIndex: number): number {
  const quorum = quorumMatchIndex(matchIndexes);
  return quorum > current && quorum >= startIndex ? quorum : current;
}
