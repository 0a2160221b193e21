// A `shoal` process for the end-to-end tests: spawned from source (or from
// the built bin), its standard output read as JSON lines, with a wait for the
// first line that matches. Not shipped.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

const RUN = new URL('../run.ts', import.meta.url).pathname;
const BIN = new URL('../../bin/shoal.js', import.meta.url).pathname;

export interface ShoalProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** Every line of standard output so far, parsed. */
  readonly events: Record<string, unknown>[];
  stderr(): string;
  /** The first line (so far or to come) that `pred` accepts; rejects after the process's wait, naming `what`. */
  until(pred: (e: Record<string, unknown>) => boolean, what: string): Promise<Record<string, unknown>>;
  readonly exit: Promise<number | null>;
}

export interface ShoalProcessOptions {
  /** Run the built bin (`npm run build` first) instead of the source. */
  readonly built?: boolean;
  /** How long `until` waits. Default 20 s. */
  readonly waitMs?: number;
}

/** Runs `shoal ARGS...`. */
export function spawnShoal(args: string[], options: ShoalProcessOptions = {}): ShoalProcess {
  const command = options.built ? [BIN] : ['--conditions=source', '--import', 'tsx', RUN];
  const child = spawn(process.execPath, [...command, ...args], { stdio: 'pipe' });
  const events: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: child.stdout }).on('line', (line) => {
    events.push(JSON.parse(line) as Record<string, unknown>);
    for (const w of waiters) w();
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitMs = options.waitMs ?? 20_000;
  return {
    child,
    events,
    exit,
    stderr: () => stderr,
    until: (pred, what) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${what}; events ${JSON.stringify(events)}; stderr ${stderr}`));
        }, waitMs);
        const check = (): void => {
          const e = events.find(pred);
          if (e === undefined) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(e);
        };
        waiters.add(check);
        check();
      }),
  };
}
