// Hostile traffic against a member on real sockets, for the resource-limit
// tests and the bench scripts (bench/memberlist-hostile.ts, memberlist-soak.ts):
// idle connections, stalled giant frames, compression bombs and garbage.
// Uses only the public wire encoders, so the same code measures old builds.
import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { Writer } from '@shoal/kit';
import { encodeCompressMsg } from '../wire/compress.js';
import { UserMsgHeaderSchema } from '../wire/messages.js';
import { MessageType } from '../wire/types.js';

export interface Attack {
  /** Stops the attack and closes what it opened. */
  stop(): void;
}

/** Splits "host:port" (IPv4 or [IPv6]). */
function target(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(':');
  return { host: addr.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(addr.slice(i + 1)) };
}

/**
 * Holds `count` TCP connections to `addr` that never send a byte, reopening
 * each as soon as it closes. `opened()` tells how many were opened in all.
 */
export function idleConnections(addr: string, count: number): Attack & { opened(): number } {
  const { host, port } = target(addr);
  const sockets = new Set<Socket>();
  let stopped = false;
  let opened = 0;
  const open = (): void => {
    if (stopped) return;
    opened++;
    const s = connect({ host, port });
    sockets.add(s);
    s.on('error', () => {});
    // Reopen on the next turn, so a node that closes at once cannot make this a busy loop.
    s.on('close', () => {
      sockets.delete(s);
      setImmediate(open);
    });
  };
  for (let i = 0; i < count; i++) open();
  return {
    opened: () => opened,
    stop() {
      stopped = true;
      for (const s of sockets) s.destroy();
    },
  };
}

/**
 * Opens `count` connections that each start a user message claiming
 * `claimBytes`, send `sendBytes` of it, and stall. Resolves once every
 * connection has sent its bytes or been closed by the node.
 */
export async function stalledFrames(addr: string, count: number, claimBytes: number, sendBytes: number): Promise<Attack> {
  const { host, port } = target(addr);
  const w = new Writer();
  w.u8(MessageType.User);
  w.encode(UserMsgHeaderSchema, { userMsgLen: claimBytes });
  const header = w.toBytes();
  const chunk = new Uint8Array(1024 * 1024);
  const sockets: Socket[] = [];
  await Promise.all(
    Array.from({ length: count }, () =>
      new Promise<void>((resolve) => {
        const s = connect({ host, port });
        sockets.push(s);
        s.on('error', () => resolve());
        s.on('close', () => resolve());
        s.on('connect', () => {
          s.write(header);
          let left = sendBytes;
          const pump = (): void => {
            while (left > 0) {
              const n = Math.min(left, chunk.length);
              left -= n;
              if (!s.write(chunk.subarray(0, n))) {
                s.once('drain', pump);
                return;
              }
            }
            resolve();
          };
          pump();
        });
      }),
    ),
  );
  return { stop: () => sockets.forEach((s) => s.destroy()) };
}

/**
 * A compress message whose payload is `bytes` zeros: about 31 KB on the wire
 * for 39 MiB. Zeros decode as a ping type byte followed by garbage.
 */
export function compressionBomb(bytes = 39 * 1024 * 1024): Uint8Array {
  return encodeCompressMsg(new Uint8Array(bytes));
}

/** Sends `packet` to `addr` over UDP `count` times, `intervalMs` apart; resolves when all are sent. */
export async function sendPackets(addr: string, packet: Uint8Array, count: number, intervalMs: number): Promise<void> {
  const { host, port } = target(addr);
  const udp = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  try {
    for (let i = 0; i < count; i++) {
      await new Promise<void>((resolve) => udp.send(packet, port, host, () => resolve()));
      if (i < count - 1) await new Promise<void>((resolve) => setTimeout(resolve, intervalMs));
    }
  } finally {
    udp.close();
  }
}

/** Random bytes as a packet and as a stream: what a scanner or a confused client sends. */
export async function garbage(addr: string, bytes: number): Promise<void> {
  const junk = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) junk[i] = (i * 2654435761) >>> 24;
  await sendPackets(addr, junk.subarray(0, Math.min(bytes, 1400)), 1, 0);
  const { host, port } = target(addr);
  await new Promise<void>((resolve) => {
    const s = connect({ host, port }, () => s.end(junk));
    s.on('error', () => resolve());
    s.on('close', () => resolve());
  });
}
