// A raft view (context.ts RaftView) as the dashboard's JSON, both ways: the
// servers answer /v1/internal/ui/agent and /v1/internal/ui/leader with it,
// and a follower reads its leader's. Decoding is total: anything that is not
// such a view (another program on that port, a truncated answer) is
// undefined, never a throw.
import type { RaftView } from './context.js';

export interface RaftJson {
  State: string;
  Term: number;
  CommitIndex: number;
  AppliedIndex: number;
  LastIndex: number;
  Leader: string;
  Servers: { ID: string; Address: string; Voter: boolean; MatchIndex: number | null }[];
}

export function raftJson(view: RaftView): RaftJson {
  return {
    State: view.state,
    Term: view.term,
    CommitIndex: view.commitIndex,
    AppliedIndex: view.appliedIndex,
    LastIndex: view.lastIndex,
    Leader: view.leader,
    Servers: view.servers.map((s) => ({ ID: s.id, Address: s.address, Voter: s.voter, MatchIndex: s.matchIndex ?? null })),
  };
}

const isIndex = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isString = (v: unknown): v is string => typeof v === 'string';
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The view in `json` (the Raft object of /v1/internal/ui/agent), or undefined. */
export function raftViewFromJson(json: unknown): RaftView | undefined {
  if (!isObject(json)) return undefined;
  const { State, Term, CommitIndex, AppliedIndex, LastIndex, Leader, Servers } = json;
  if (!isString(State) || !isIndex(Term) || !isIndex(CommitIndex) || !isIndex(AppliedIndex) || !isIndex(LastIndex) || !isString(Leader) || !Array.isArray(Servers)) return undefined;
  const servers: RaftView['servers'][number][] = [];
  for (const s of Servers as unknown[]) {
    if (!isObject(s) || !isString(s.ID) || !isString(s.Address) || typeof s.Voter !== 'boolean') return undefined;
    if (s.MatchIndex !== null && s.MatchIndex !== undefined && !isIndex(s.MatchIndex)) return undefined;
    servers.push({ id: s.ID, address: s.Address, voter: s.Voter, ...(isIndex(s.MatchIndex) ? { matchIndex: s.MatchIndex } : {}) });
  }
  return { state: State, term: Term, commitIndex: CommitIndex, appliedIndex: AppliedIndex, lastIndex: LastIndex, leader: Leader, servers };
}
