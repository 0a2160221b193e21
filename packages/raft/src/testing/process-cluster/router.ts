/**
 * The network between server processes, kept by the parent: forwards each
 * RPC to its target's current process and the answer back to the caller's.
 * A request to a dead server, or one whose caller or target dies before the
 * answer, is dropped: the caller's transport times it out, as a request to a
 * crashed machine would.
 */
import type { RpcReplyMessage, RpcRequestMessage } from './messages.js';
import type { ServerProcess } from './server-process.js';

interface InFlight {
  caller: ServerProcess;
  callerIncarnation: number;
  callerCallId: number;
  target: ServerProcess;
}

export interface RouterStats {
  routed: number;
  /** Requests to a server with no process. */
  dropped: number;
  /** Answers whose caller had died meanwhile. */
  orphanReplies: number;
  installSnapshots: number;
}

export class Router {
  readonly stats: RouterStats = { routed: 0, dropped: 0, orphanReplies: 0, installSnapshots: 0 };
  readonly #servers: ReadonlyMap<string, ServerProcess>;
  readonly #inFlight = new Map<number, InFlight>();
  #nextId = 1;

  constructor(servers: ReadonlyMap<string, ServerProcess>) {
    this.#servers = servers;
  }

  request(caller: ServerProcess, message: RpcRequestMessage): void {
    const target = this.#servers.get(message.target);
    if (target === undefined || !target.alive) {
      this.stats.dropped++;
      return;
    }
    const callId = this.#nextId++;
    this.#inFlight.set(callId, { caller, callerIncarnation: caller.incarnation, callerCallId: message.callId, target });
    if (message.kind === 'installSnapshot') this.stats.installSnapshots++;
    this.stats.routed++;
    const delivered = target.send({ type: 'rpc-in', callId, kind: message.kind, req: message.req, ...(message.data !== undefined ? { data: message.data } : {}) });
    if (!delivered) {
      this.#inFlight.delete(callId);
      this.stats.dropped++;
    }
  }

  reply(message: RpcReplyMessage): void {
    const flight = this.#inFlight.get(message.callId);
    if (flight === undefined) return;
    this.#inFlight.delete(message.callId);
    const { caller } = flight;
    if (caller.incarnation !== flight.callerIncarnation || !caller.alive) {
      this.stats.orphanReplies++;
      return;
    }
    caller.send({ type: 'rpc-reply', callId: flight.callerCallId, ...(message.error !== undefined ? { error: message.error } : { resp: message.resp }) });
  }

  /** Forgets the requests a dead server was handling or waiting for (nobody will answer them). */
  forget(server: ServerProcess): void {
    for (const [callId, flight] of this.#inFlight) {
      if (flight.target === server || flight.caller === server) this.#inFlight.delete(callId);
    }
  }
}
