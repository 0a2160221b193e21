// Inbound handshakes under way, by the peer's address, and the callers of
// QuicEngine.inboundHandshake() waiting for each one's outcome (the
// transport's pool asks it when a peer may be dialling us at the same time).
import { Deferred } from '@shoal/kit';
import type { QuicheConnection } from './quiche-connection.js';
import type { HostPort, QuicConnection } from './types.js';

interface Entry {
  conn: QuicheConnection;
  waiters: Deferred<QuicConnection | undefined>[];
}

export class InboundHandshakes {
  readonly #byRemote = new Map<string, Entry>();

  /** A handshake from `conn.remote` began; a newer one from the same address (a redial) supersedes the older one. */
  started(conn: QuicheConnection): void {
    const key = remoteKey(conn.remote);
    this.#byRemote.set(key, { conn, waiters: this.#byRemote.get(key)?.waiters ?? [] });
  }

  /** `conn`'s handshake ended: its waiters get the connection, or undefined when it was refused or failed. */
  settle(conn: QuicheConnection, result: QuicConnection | undefined): void {
    const key = remoteKey(conn.remote);
    const entry = this.#byRemote.get(key);
    if (entry?.conn !== conn) return;
    this.#byRemote.delete(key);
    for (const w of entry.waiters) w.resolve(result);
  }

  /** The outcome of the handshake under way from `remote`; undefined when there is none. */
  outcome(remote: HostPort): Promise<QuicConnection | undefined> | undefined {
    const entry = this.#byRemote.get(remoteKey(remote));
    if (entry === undefined) return undefined;
    const waiter = new Deferred<QuicConnection | undefined>();
    entry.waiters.push(waiter);
    return waiter.promise;
  }

  /** The engine closes: every waiter gets undefined. */
  clear(): void {
    for (const { waiters } of this.#byRemote.values()) for (const w of waiters) w.resolve(undefined);
    this.#byRemote.clear();
  }
}

function remoteKey(remote: HostPort): string {
  return `${remote.port}/${remote.host}`;
}
