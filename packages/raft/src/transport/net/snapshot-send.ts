/**
 * The client half of InstallSnapshot (Go's InstallSnapshot in
 * net_transport.go): on a dedicated connection, the request, then exactly
 * `size` bytes pulled from the source one chunk at a time (never held
 * whole), then the reply, all within a deadline scaled by size.
 */
import type { Clock } from '@shoal/kit';
import { RpcTimeoutError, SnapshotError } from '../../errors.js';
import { RpcType, type Reply } from '../wire/index.js';
import type { ClientConn } from './client-conn.js';
import { snapshotTimeoutMs } from './timeouts.js';

export interface SnapshotSend {
  clock: Clock;
  timeoutMs: number;
  /** The encoded InstallSnapshot request. */
  head: Uint8Array;
  size: number;
  data: AsyncIterable<Uint8Array>;
}

export async function streamSnapshot(client: ClientConn, send: SnapshotSend): Promise<Reply<typeof RpcType.InstallSnapshot>> {
  const { conn } = client;
  const limitMs = snapshotTimeoutMs(send.timeoutMs, send.size);
  const deadline = conn.deadline(send.clock, limitMs, () => new RpcTimeoutError());
  try {
    await conn.write(send.head);
    let sent = 0;
    for await (const chunk of send.data) {
      if (sent + chunk.length > send.size) throw new SnapshotError(`snapshot source yielded more than its size of ${send.size} bytes`);
      await conn.write(chunk);
      sent += chunk.length;
    }
    // The receiver waits for exactly `size` bytes; fewer would hang it until its timeout.
    if (sent !== send.size) throw new SnapshotError(`short read: snapshot source ended after ${sent} of ${send.size} bytes`);
    return await client.readReply(RpcType.InstallSnapshot);
  } finally {
    deadline.cancel();
  }
}
