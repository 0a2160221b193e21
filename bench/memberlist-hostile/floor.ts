// The floor for the "stalled" scenario of bench/memberlist-hostile.ts: a bare
// node:net server, no memberlist, that keeps what its connections send until
// they together hold --budget-mib, then closes any connection whose next chunk
// would not fit. It is the least RSS that holding that budget of socket reads
// costs a Node.js process, allocator and garbage collector included.
//
//   args:    --budget-mib N
//   stdout:  {"event":"ready","addr"}, {"event":"stats","rss","heap_used","array_buffers","cpu_ms","fds","received","members"}
//   stdin:   stats | gc | exit
import { readdirSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { name: { type: 'string' }, 'budget-mib': { type: 'string', default: '64' } } });
const budget = Number(values['budget-mib']) * 1024 * 1024;
const emit = (o: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(o)}\n`);
const held = new Map<Socket, Buffer[]>();
let used = 0;
const server = createServer((socket) => {
  const chunks: Buffer[] = [];
  held.set(socket, chunks);
  socket.on('data', (chunk: Buffer) => {
    if (used + chunk.buffer.byteLength > budget) return socket.destroy();
    chunks.push(chunk);
    used += chunk.buffer.byteLength;
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    for (const c of chunks) used -= c.buffer.byteLength;
    held.delete(socket);
  });
});
server.listen(0, '127.0.0.1', () => emit({ event: 'ready', addr: `127.0.0.1:${(server.address() as AddressInfo).port}` }));

createInterface({ input: process.stdin })
  .on('line', (line) => {
    if (line === 'stats') {
      const cpu = process.cpuUsage();
      const mem = process.memoryUsage();
      emit({ event: 'stats', rss: mem.rss, heap_used: mem.heapUsed, array_buffers: mem.arrayBuffers, cpu_ms: (cpu.user + cpu.system) / 1000, fds: readdirSync('/proc/self/fd').length, received: used, members: 0 });
    } else if (line === 'gc') {
      (globalThis as { gc?: () => void }).gc?.();
    } else if (line === 'exit') process.stdin.destroy();
  })
  .on('close', () => {
    for (const s of held.keys()) s.destroy();
    server.close(() => process.exit(0));
  });
