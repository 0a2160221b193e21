// Where the leader channel sends each try. A server asks its own raft who
// leads (and serves locally when it does); a client agent has no raft and
// goes by the latest hint, else rotates through the alive servers, any of
// which names the leader in its answer.

import { RaftState, type Raft } from '@shoal/raft';
import type { LeaderRouter, Route } from './leader-channel.js';
import type { ServerDirectory } from './server-directory.js';

const remote = (target: string): Route => ({ kind: 'remote', target });

export function serverRouter(raft: Pick<Raft, 'state' | 'leaderWithId'>, directory: ServerDirectory, selfName: string): LeaderRouter {
  return {
    route({ hint, exhausted }) {
      if (raft.state === RaftState.Leader) return { kind: 'local' };
      if (hint !== undefined && hint.name !== selfName && !exhausted.has(hint.httpAddress)) return remote(hint.httpAddress);
      const { id, address } = raft.leaderWithId();
      if (address === '') return { kind: 'none', reason: 'raft knows no leader' };
      const leader = directory.serverByRaft(id, address);
      if (leader === undefined) return { kind: 'none', reason: `the leader at ${address} is not among the alive servers gossip knows` };
      if (leader.name === selfName) return { kind: 'none', reason: 'raft names this server as leader, but it does not lead' };
      return remote(leader.tags.httpAddress);
    },
  };
}

export function clientRouter(directory: ServerDirectory): LeaderRouter {
  return {
    route({ hint, exhausted, attempt }) {
      if (hint !== undefined && !exhausted.has(hint.httpAddress)) return remote(hint.httpAddress);
      const servers = directory.servers();
      if (servers.length === 0) return { kind: 'none', reason: 'no alive server known' };
      const untried = servers.find((s) => !exhausted.has(s.tags.httpAddress));
      if (untried !== undefined) return remote(untried.tags.httpAddress);
      // Every server has been tried: go round again (after the channel's backoff); one may have come back or learnt the leader.
      return remote(servers[attempt % servers.length]!.tags.httpAddress);
    },
  };
}
