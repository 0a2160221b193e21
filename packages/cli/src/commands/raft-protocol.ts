// The stdin requests of `shoal raft`, answered as interop/raft-node/protocol.go
// answers them: one reply per request, `req` echoed, ok:true with the op's
// fields or ok:false with the error's text.
import { ApplyTimeoutError, EnqueueTimeoutError, ServerSuffrage, type Raft } from '@shoal/raft';
import { benchOp } from './raft-bench-op.js';
import { parseJsonText } from '../json-text.js';
import type { CommandLogFSM } from './raft-fsm.js';

export interface RaftServer {
  raft: Raft;
  fsm: CommandLogFSM;
  /** The address it advertises. */
  addr: string;
  /** How long an apply may take before it is answered with an error. */
  applyTimeoutMs: number;
  shutdown(): Promise<void>;
}

export interface RaftRequest {
  req: number;
  op: string;
  data?: string;
  id?: string;
  addr?: string;
  /** The whole request line, for ops with fields of their own (bench). */
  fields?: Record<string, unknown>;
}

type Reply = Record<string, unknown>;

/** How long raft may take to accept a membership change (the Go program's opTimeout). */
const OP_TIMEOUT_MS = 10_000;

export function parseRequestLine(line: string): { request: RaftRequest } | { error: string } {
  let parsed: unknown;
  try {
    parsed = parseJsonText(line);
  } catch (error) {
    return { error: `bad request: ${(error as Error).message}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { error: 'bad request: not a JSON object' };
  const o = parsed as Record<string, unknown>;
  for (const field of ['op', 'data', 'id', 'addr']) {
    if (o[field] !== undefined && o[field] !== null && typeof o[field] !== 'string') return { error: `bad request: ${field} must be a string` };
  }
  if (typeof o.req !== 'number' || !Number.isFinite(o.req)) return { error: 'bad request: req must be a number' };
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  return { request: { req: o.req, op: str(o.op) ?? '', data: str(o.data), id: str(o.id), addr: str(o.addr), fields: o } };
}

function failed(error: unknown): Reply {
  return { ok: false, error: error instanceof Error ? error.message : String(error) };
}

async function done(work: Promise<unknown>): Promise<Reply> {
  try {
    await work;
    return { ok: true };
  } catch (error) {
    return failed(error);
  }
}

const encoder = new TextEncoder();

export async function handleRequest(server: RaftServer, req: RaftRequest): Promise<Reply> {
  const { raft } = server;
  try {
    switch (req.op) {
      case 'apply': {
        if (req.data === undefined) return failed('apply needs data');
        try {
          const { index } = await raft.apply(encoder.encode(req.data), { timeoutMs: server.applyTimeoutMs });
          return { ok: true, index };
        } catch (error) {
          if (!(error instanceof ApplyTimeoutError || error instanceof EnqueueTimeoutError)) throw error;
          // Not acknowledged, not withdrawn either: raft may still commit it.
          return failed(`apply timed out after ${server.applyTimeoutMs} ms (${error.message}); it may still commit`);
        }
      }
      case 'state':
        return stateOf(server);
      case 'add_voter':
        if (!req.id || !req.addr) return failed('add_voter needs id and addr');
        return await done(raft.addVoter(req.id, req.addr, { timeoutMs: OP_TIMEOUT_MS }));
      case 'remove':
        if (!req.id) return failed('remove needs id');
        return await done(raft.removeServer(req.id, { timeoutMs: OP_TIMEOUT_MS }));
      case 'transfer':
        // An optional target; without one raft picks the most up-to-date voter.
        if (req.id || req.addr) {
          if (!req.id || !req.addr) return failed('transfer to a server needs both id and addr');
          return await done(raft.leadershipTransferToServer(req.id, req.addr));
        }
        return await done(raft.leadershipTransfer());
      case 'snapshot':
        return await done(raft.snapshot());
      case 'configuration':
        return await configurationOf(raft);
      case 'bench':
        return { ...(await benchOp(raft, req.fields ?? {})) };
      default:
        return failed(`unknown op ${JSON.stringify(req.op)}`);
    }
  } catch (error) {
    return failed(error);
  }
}

/** The latest configuration's servers, committed or not. */
async function configurationOf(raft: Raft): Promise<Reply> {
  const { configuration } = await raft.getConfiguration();
  const servers = configuration.servers.map((s) => ({ id: s.id, addr: s.address, suffrage: SUFFRAGE_NAMES[s.suffrage] ?? String(s.suffrage) }));
  return { ok: true, servers };
}

/** As Go's ServerSuffrage.String(), lower-cased. */
const SUFFRAGE_NAMES: Record<number, string> = { [ServerSuffrage.Voter]: 'voter', [ServerSuffrage.Nonvoter]: 'nonvoter', [ServerSuffrage.Staging]: 'staging' };

export function stateOf(server: RaftServer): Reply {
  const { raft } = server;
  const { applied, digest } = server.fsm.summary();
  return {
    ok: true,
    state: raft.state.toLowerCase(),
    term: raft.currentTerm(),
    commit_index: raft.commitIndex(),
    applied_index: raft.appliedIndex(),
    last_index: raft.lastIndex(),
    applied,
    digest,
  };
}
