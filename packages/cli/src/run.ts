// The `shoal` process: wires argv, stdio and signals to main(). bin/shoal.js
// runs the built copy; tests run this file from source.
import { main } from './main.js';

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
main(process.argv.slice(2), io).then(
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
