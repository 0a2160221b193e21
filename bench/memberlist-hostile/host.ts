// Starts and talks to bench/memberlist-hostile/node.ts processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface NodeProcess {
  readonly addr: string;
  readonly leaves: string[];
  stats(): Promise<{ rss: number; heap_used: number; array_buffers: number; cpu_ms: number; fds: number; received: number; members: number }>;
  /** Asks the node to collect garbage (a no-op unless it runs with --expose-gc). */
  gc(): void;
  stop(): Promise<void>;
}

const NODE = new URL('./node.ts', import.meta.url).pathname;
export const FLOOR = new URL('./floor.ts', import.meta.url).pathname;
const children = new Set<ChildProcess>();
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));

/** Starts node.ts, or another script that speaks its stdin/stdout protocol (floor.ts). */
export async function startNode(name: string, args: string[] = [], script = NODE): Promise<NodeProcess> {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', script, '--name', name, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.add(child);
  const leaves: string[] = [];
  const waiting: ((o: Record<string, unknown>) => void)[] = [];
  let ready: (addr: string) => void;
  const readyP = new Promise<string>((r) => (ready = r));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const o = JSON.parse(line) as Record<string, unknown>;
    if (o.event === 'ready') ready(o.addr as string);
    else if (o.event === 'leave') leaves.push(o.node as string);
    else if (o.event === 'stats') waiting.shift()?.(o);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const addr = await readyP;
  clearTimeout(timer);
  return {
    addr,
    leaves,
    stats: () =>
      new Promise((resolve) => {
        waiting.push(resolve as (o: Record<string, unknown>) => void);
        child.stdin!.write('stats\n');
      }),
    gc: () => void child.stdin!.write('gc\n'),
    stop: () =>
      new Promise((resolve) => {
        const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(kill);
          children.delete(child);
          resolve();
        });
        child.stdin!.end();
      }),
  };
}
