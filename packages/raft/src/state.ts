/** A node's role (Go's RaftState; String() gives these names). */
export type RaftState = 'Follower' | 'Candidate' | 'Leader' | 'Shutdown';

export const RaftState = {
  Follower: 'Follower',
  Candidate: 'Candidate',
  Leader: 'Leader',
  Shutdown: 'Shutdown',
} as const satisfies Record<RaftState, RaftState>;
