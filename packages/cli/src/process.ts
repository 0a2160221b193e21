// Runs main() as the process: argv, stdio and signals in, the exit code out.
// bin/shoal.js (through run.ts) runs it with the registered commands; test
// entry points run it with commands of their own.
import type { Command } from './command.js';
import { commands as registered } from './commands/index.js';
import { main } from './main.js';

export function runAsProcess(commands: readonly Command[] = registered): void {
  const controller = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => controller.abort(sig));
  }
  const io = {
    out: (text: string) => void process.stdout.write(text),
    err: (text: string) => void process.stderr.write(text),
    signal: controller.signal,
    interactive: process.stdout.isTTY === true,
  };
  main(process.argv.slice(2), io, commands).then(
    (code) => {
      process.exitCode = code;
      // Commands that ran until a signal may leave handles (stdin readers) open.
      if (controller.signal.aborted) process.exit(code);
    },
    (error: unknown) => {
      process.stderr.write(`shoal: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
