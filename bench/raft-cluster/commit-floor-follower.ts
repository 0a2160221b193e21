// A follower for commit-floor.ts: for each fixed-size message from the
// leader, one O_DSYNC write of it into zero-filled, synced space, then an
// 8-byte answer. Prints its port, then serves until stdin closes.
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DurableRing } from './durable-ring.js';

const { values } = parseArgs({ options: { dir: { type: 'string' }, bytes: { type: 'string' } } });
const bytes = Number(values.bytes);
if (values.dir === undefined || !(Number.isInteger(bytes) && bytes > 0)) {
  console.error('usage: commit-floor-follower.ts --dir DIR --bytes N');
  process.exit(2);
}
const ring = await DurableRing.create(join(values.dir, `follower-${process.pid}.log`));
const answer = Buffer.alloc(8);
const server = createServer((socket) => {
  socket.setNoDelay(true);
  let pending: Buffer = Buffer.alloc(0);
  let busy = false;
  const drain = async (): Promise<void> => {
    busy = true;
    try {
      while (pending.length >= bytes) {
        const message = pending.subarray(0, bytes);
        pending = pending.subarray(bytes);
        await ring.write(message);
        socket.write(answer);
      }
    } catch (err) {
      console.error(`commit-floor follower: ${String(err)}`);
      process.exit(1);
    }
    busy = false;
  };
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    if (!busy) void drain();
  });
  socket.on('error', () => socket.destroy());
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(JSON.stringify({ port: typeof address === 'object' && address !== null ? address.port : 0 }));
});
process.stdin.resume();
// A write may be under way for a message the leader no longer waits for: exit, and let the system close the file.
process.stdin.on('end', () => process.exit(0));
