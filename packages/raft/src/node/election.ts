/**
 * Elections: the candidate's campaign (pre-vote, then the real vote) and the
 * voter's side of RequestVote and RequestPreVote (Go's electSelf,
 * requestVote, requestPreVote; upstream rules: votes only for servers in our
 * configuration, none while we know another leader, pre-votes change nothing).
 */
import { bytesEqual, fromUtf8 } from '@shoal/kit';
import type {
  RequestPreVoteRequest,
  RequestPreVoteResponse,
  RequestVoteRequest,
  RequestVoteResponse,
} from '../commands.js';
import type { ServerID } from '../configuration.js';
import { hasVote, quorumSize, voters } from '../configuration.js';
import type { RaftCore } from './core.js';
import { invariant } from '../errors.js';
import { EMPTY_BYTES } from '../log.js';
import type { VoteRequestView, VoterView } from './rules/vote.js';
import { castVote, decidePreVote, screenVote } from './rules/vote.js';
import { KEY_LAST_VOTE_CAND, KEY_LAST_VOTE_TERM } from '../storage/stores.js';

export class Campaign {
  readonly #core: RaftCore;
  /** Started by TimeoutNow: skips pre-vote and overrides voters' leader stickiness. */
  readonly transfer: boolean;
  readonly epoch: number;
  /** True while collecting pre-votes. */
  preVote: boolean;
  /** The term asked for (current + 1 during pre-vote). */
  term = 0;
  readonly #granted = new Set<ServerID>();
  readonly #refused = new Set<ServerID>();

  constructor(core: RaftCore, transfer: boolean, epoch: number) {
    this.#core = core;
    this.transfer = transfer;
    this.epoch = epoch;
    this.preVote = !transfer && !core.config.preVoteDisabled;
  }

  #live(): boolean {
    return this.#core.campaign === this && this.#core.state === 'Candidate' && this.#core.epoch === this.epoch;
  }

  async start(): Promise<void> {
    if (this.preVote) await this.#startPreVote();
    else await this.#electSelf();
  }

  async #startPreVote(): Promise<void> {
    const core = this.#core;
    this.term = core.currentTerm + 1;
    core.logger.info({ term: this.term }, 'starting pre-vote');
    const req: RequestPreVoteRequest = {
      ...core.header,
      term: this.term,
      lastLogIndex: core.lastLogIndex,
      lastLogTerm: core.lastLogTerm,
    };
    this.#grant(core.localId);
    for (const server of voters(core.configurations.latest)) {
      if (server.id === core.localId) continue;
      core.transport.requestPreVote(server.id, server.address, req).then(
        (resp) => core.runTask(() => this.#onPreVote(server.id, resp)),
        (err: unknown) => {
          // Go counts an "unexpected command" error (an old peer) as a grant
          // for the proposed term, which #onPreVote does not read as newer.
          const unsupported = err instanceof Error && err.message.includes('unexpected command');
          core.runTask(() => (unsupported ? this.#onPreVote(server.id, { ...core.header, term: this.term, granted: true }) : this.#onRefused(server.id)));
        },
      );
    }
    await this.#checkWon();
  }

  async #electSelf(): Promise<void> {
    const core = this.#core;
    this.preVote = false;
    this.#granted.clear();
    this.#refused.clear();
    await core.adoptTerm(core.currentTerm + 1);
    this.term = core.currentTerm;
    await core.recordVote(this.term, core.localAddrBytes);
    if (!this.#live()) return;
    core.logger.info({ term: this.term, transfer: this.transfer }, 'entering candidate state');
    const req: RequestVoteRequest = {
      ...core.header,
      term: this.term,
      candidate: core.localAddrBytes,
      lastLogIndex: core.lastLogIndex,
      lastLogTerm: core.lastLogTerm,
      leadershipTransfer: this.transfer,
    };
    if (hasVote(core.configurations.latest, core.localId)) this.#grant(core.localId);
    for (const server of voters(core.configurations.latest)) {
      if (server.id === core.localId) continue;
      core.transport.requestVote(server.id, server.address, req).then(
        (resp) => core.runTask(() => this.#onVote(server.id, resp)),
        (err: unknown) => core.logger.debug({ err, peer: server.id }, 'failed to make requestVote RPC'),
      );
    }
    await this.#checkWon();
  }

  #grant(id: ServerID): void {
    this.#granted.add(id);
  }

  async #onPreVote(from: ServerID, resp: RequestPreVoteResponse): Promise<void> {
    if (!this.#live() || !this.preVote) return;
    const core = this.#core;
    // Newer than the term we propose (current + 1), as Go's runCandidate
    // compares: a reply at the proposed term (a voter already there, or the
    // stand-in grant for a peer without pre-vote) is a vote, not a reason
    // to step down and leave the election unheld.
    if (resp.term > this.term) {
      core.logger.debug({ term: resp.term }, 'newer term discovered during pre-vote, fallback to follower');
      await core.stepDownForTerm(resp.term);
      return;
    }
    if (resp.granted) this.#grant(from);
    else this.#refused.add(from);
    await this.#checkWon();
  }

  async #onRefused(from: ServerID): Promise<void> {
    if (!this.#live()) return;
    this.#refused.add(from);
  }

  async #onVote(from: ServerID, resp: RequestVoteResponse): Promise<void> {
    if (!this.#live() || this.preVote) return;
    const core = this.#core;
    if (resp.term > core.currentTerm) {
      core.logger.debug({ term: resp.term }, 'newer term discovered, fallback to follower');
      await core.stepDownForTerm(resp.term);
      return;
    }
    if (resp.granted && resp.term === this.term) this.#grant(from);
    await this.#checkWon();
  }

  async #checkWon(): Promise<void> {
    if (!this.#live()) return;
    const core = this.#core;
    const needed = quorumSize(core.configurations.latest);
    let votes = 0;
    for (const id of this.#granted) if (hasVote(core.configurations.latest, id)) votes++;
    if (votes < needed) return;
    if (this.preVote) {
      core.logger.info({ term: this.term, votes }, 'pre-vote successful, starting election');
      core.restartElectionTimer(this);
      await this.#electSelf();
      return;
    }
    invariant(core.currentTerm === this.term, 'won an election for a term that is not current');
    core.logger.info({ term: this.term, votes }, 'election won');
    core.becomeLeader();
  }
}

/** Identity of the candidate asking: header ID (upstream) and address (Addr, else the deprecated field). */
function candidateOf(core: RaftCore, req: { id: Uint8Array; addr: Uint8Array }, legacy: Uint8Array): { id: ServerID; addrBytes: Uint8Array } {
  const addrBytes = req.addr.length > 0 ? req.addr : legacy;
  const id = req.id.length > 0 ? fromUtf8(req.id) : '';
  return { id, addrBytes };
}

function voterView(core: RaftCore): VoterView {
  return {
    currentTerm: core.currentTerm,
    lastLogIndex: core.lastLogIndex,
    lastLogTerm: core.lastLogTerm,
    configuration: core.configurations.latest,
    leaderAddr: core.leaderAddr,
    now: core.clock.now(),
    voteQuietUntil: core.voteQuietUntil,
  };
}

/** RequestVote, on the main queue. */
export async function handleRequestVote(core: RaftCore, req: RequestVoteRequest): Promise<RequestVoteResponse> {
  core.observe({ type: 'requestVote', request: req });
  const resp: RequestVoteResponse = { ...core.header, term: core.currentTerm, peers: EMPTY_BYTES, granted: false };
  const candidate = candidateOf(core, req, req.candidate);
  const request: VoteRequestView = {
    term: req.term,
    candidateId: candidate.id,
    candidateAddr: req.leadershipTransfer ? '' : core.transport.decodePeer(candidate.addrBytes),
    lastLogIndex: req.lastLogIndex,
    lastLogTerm: req.lastLogTerm,
    leadershipTransfer: req.leadershipTransfer,
  };
  const screening = screenVote(voterView(core), request);
  if (screening.adoptTerm) {
    await core.stepDownForTerm(req.term);
    resp.term = req.term;
  }
  if (screening.refuse !== undefined) {
    core.logger.debug({ candidate: candidate.id, term: req.term, reason: screening.refuse }, 'rejecting vote request');
    return resp;
  }
  const lastVoteTerm = await core.readUint64(KEY_LAST_VOTE_TERM);
  const lastVoteCand = await core.readBytes(KEY_LAST_VOTE_CAND);
  const cast = lastVoteCand.length > 0 ? { term: lastVoteTerm, sameCandidate: bytesEqual(lastVoteCand, candidate.addrBytes) } : undefined;
  const vote = castVote(voterView(core), request, cast);
  if (!vote.grant) {
    core.logger.debug({ candidate: candidate.id, term: req.term, reason: vote.reason }, 'rejecting vote request');
    return resp;
  }
  // Granting again to the same candidate (a retried request) needs no new record.
  if (cast === undefined || cast.term !== req.term) {
    await core.recordVote(req.term, candidate.addrBytes);
    core.touchContact();
  }
  resp.granted = true;
  return resp;
}

/** RequestPreVote, on the main queue: RequestVote's checks without changing anything. */
export async function handleRequestPreVote(core: RaftCore, req: RequestPreVoteRequest): Promise<RequestPreVoteResponse> {
  core.observe({ type: 'requestPreVote', request: req });
  const resp: RequestPreVoteResponse = { ...core.header, term: core.currentTerm, granted: false };
  const candidate = candidateOf(core, req, EMPTY_BYTES);
  const decision = decidePreVote(voterView(core), {
    term: req.term,
    candidateId: candidate.id,
    candidateAddr: core.transport.decodePeer(candidate.addrBytes),
    lastLogIndex: req.lastLogIndex,
    lastLogTerm: req.lastLogTerm,
  });
  resp.granted = decision.grant;
  return resp;
}
