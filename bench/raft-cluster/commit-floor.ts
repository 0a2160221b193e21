// The least one raft commit of a single client can cost on this machine,
// with the primitives a Node.js server has and nothing of raft in it: a
// "leader" sends a fixed-size message to two "follower" processes over
// loopback TCP while it makes the same bytes durable itself; each follower
// makes them durable and answers; the commit is the second of the three to
// finish (a quorum of three). Every durable write is one O_DSYNC write into
// synced zeros (durable-ring.ts), the cheapest the disk offers. What is left
// over a raft is its own work: encoding, its event-loop hops, applying.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { quantile } from '../../packages/cli/src/commands/raft-bench-op.js';
import { DurableRing } from './durable-ring.js';

export interface CommitFloor {
  commits: number;
  p50_ms: number;
  p99_ms: number;
}

const FOLLOWER = fileURLToPath(new URL('commit-floor-follower.ts', import.meta.url));
const ANSWER_BYTES = 8;
const START_TIMEOUT_MS = 30_000;

async function startFollower(dir: string, bytes: number): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', FOLLOWER, '--dir', dir, '--bytes', String(bytes)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const timer = setTimeout(() => child.kill('SIGKILL'), START_TIMEOUT_MS);
  try {
    const first = await lines.next();
    if (first.done) throw new Error(`commit floor: follower exited (code ${child.exitCode})`);
    return { child, port: (JSON.parse(first.value) as { port: number }).port };
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves with each answer's arrival, in order. */
function answers(socket: Socket): () => Promise<void> {
  let buffered = 0;
  const waiting: (() => void)[] = [];
  socket.on('data', (chunk: Buffer) => {
    buffered += chunk.length;
    while (buffered >= ANSWER_BYTES && waiting.length > 0) {
      buffered -= ANSWER_BYTES;
      waiting.shift()!();
    }
  });
  return () => new Promise<void>((resolve) => waiting.push(resolve));
}

/** `count` commits of `bytes`-byte messages, one at a time, after `warmup` untimed ones. */
export async function commitFloor(dir: string, bytes: number, count: number, warmup = 50): Promise<CommitFloor> {
  const followers = await Promise.all([startFollower(dir, bytes), startFollower(dir, bytes)]);
  const sockets: Socket[] = [];
  const ring = await DurableRing.create(join(dir, 'commit-floor-leader.log'));
  try {
    for (const f of followers) {
      const socket = connect(f.port, '127.0.0.1');
      socket.setNoDelay(true);
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      sockets.push(socket);
    }
    const nextAnswer = sockets.map(answers);
    const message = new Uint8Array(bytes).fill(0x2e);
    const latencies: number[] = [];
    for (let i = 0; i < warmup + count; i++) {
      const t0 = performance.now();
      let done = 0;
      await new Promise<void>((resolve, reject) => {
        const one = (): void => {
          if (++done === 2) resolve();
        };
        for (const [k, socket] of sockets.entries()) {
          nextAnswer[k]!().then(one, reject);
          socket.write(message);
        }
        ring.write(message).then(one, reject);
      });
      // The third finisher is not waited for, as a leader does not: the next round follows at once, as the bench's client's next apply does.
      if (i >= warmup) latencies.push(performance.now() - t0);
    }
    latencies.sort((a, b) => a - b);
    return { commits: count, p50_ms: quantile(latencies, 0.5), p99_ms: quantile(latencies, 0.99) };
  } finally {
    for (const s of sockets) s.destroy();
    await ring.close();
    for (const f of followers) f.child.stdin!.end();
    await Promise.all(followers.map((f) => new Promise<void>((resolve) => (f.child.exitCode !== null ? resolve() : f.child.once('exit', () => resolve())))));
  }
}
