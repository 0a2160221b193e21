// `shoal lock PREFIX -- COMMAND...`: Consul's `consul lock` as a client of an
// agent's HTTP API. It creates a session, takes the key PREFIX/.lock for it
// (waiting with blocking queries while another holder has it), runs the
// command while holding it, renews the session, and releases the lock and
// destroys the session when the command exits, passing on its exit status.
import { spawn } from 'node:child_process';
import { realClock, sleep } from '@shoal/kit';
import { parseCommandArgs } from '../args.js';
import { type Command, type CommandIO, UsageError } from '../command.js';
import { agentBaseUrl, agentRequest, HTTP_ADDR_OPTION, HTTP_ADDR_USAGE, keyPath, responseError } from '../consul-http.js';
import { interruptedExitCode } from '../interrupt.js';

const SESSION_TTL_S = 15;
const WAIT = '15s';

const USAGE = `shoal lock PREFIX [--name NAME] [--http-addr HOST:PORT] -- COMMAND [ARG...]

Runs COMMAND while holding the lock PREFIX/.lock, as \`consul lock\` does: it
creates a session (TTL ${SESSION_TTL_S}s, renewed while the command runs),
acquires the key for it, waiting while another holder has it, runs COMMAND
(one word is run by sh -c, several as they are; in its own process group,
with this process's standard streams), and when COMMAND exits
releases the lock, destroys the session and exits with COMMAND's status.
SIGTERM and SIGINT are passed to COMMAND; if the lock is lost (the session
is invalidated), COMMAND gets SIGTERM.

  --name NAME      the session's name (default "shoal lock")
${HTTP_ADDR_USAGE}

Exit status: COMMAND's; 1 the lock could not be taken or the agent could not
be reached; 2 bad arguments; 130/143 stopped by a signal before COMMAND ran.`;

interface LockArgs {
  readonly prefix: string;
  readonly command: readonly string[];
  readonly name: string;
  readonly base: string;
}

export function parseLockArgs(args: string[]): LockArgs {
  const dashes = args.indexOf('--');
  const own = dashes < 0 ? args : args.slice(0, dashes);
  const { values, positionals } = parseCommandArgs(own, { ...HTTP_ADDR_OPTION, name: { type: 'string', default: 'shoal lock' } });
  const [prefix, ...inline] = positionals;
  const command = dashes < 0 ? inline : [...inline, ...args.slice(dashes + 1)];
  if (prefix === undefined || prefix === '') throw new UsageError('PREFIX is required', { showUsage: true });
  if (command.length === 0) throw new UsageError('COMMAND is required (after --)', { showUsage: true });
  return { prefix: prefix.replace(/\/+$/, ''), command, name: values.name!, base: agentBaseUrl(values['http-addr']) };
}

/** Resolves after `ms`, or as soon as `signal` aborts: the callers check the signal next. */
const pause = (ms: number, signal: AbortSignal): Promise<void> => sleep(realClock, ms, signal).catch(() => undefined);

export const lockCommand: Command = {
  name: 'lock',
  summary: 'run a command while holding a lock in the KV store, as `consul lock`',
  usage: USAGE,
  async run(args: string[], io: CommandIO): Promise<number> {
    const opts = parseLockArgs(args);
    const key = `/v1/kv/${keyPath(`${opts.prefix}/.lock`)}`;
    // Cleaning up goes on after a signal: its requests do not watch io.signal.
    const cleanup = new AbortController().signal;
    let session: string | undefined;
    const destroy = async (): Promise<void> => {
      if (session === undefined) return;
      await agentRequest(opts.base, 'PUT', `${key}?release=${session}`, { signal: cleanup }).catch(() => undefined);
      await agentRequest(opts.base, 'PUT', `/v1/session/destroy/${session}`, { signal: cleanup }).catch(() => undefined);
    };
    try {
      const created = await agentRequest(opts.base, 'PUT', '/v1/session/create', {
        body: JSON.stringify({ Name: opts.name, TTL: `${SESSION_TTL_S}s`, Behavior: 'release', LockDelay: '15s' }),
        signal: io.signal,
      });
      if (created.status !== 200) throw responseError(created);
      session = (JSON.parse(created.body.toString('utf8')) as { ID: string }).ID;
      // Take the lock, waiting on the key while someone else holds it (or its lock delay runs).
      let index = 0;
      for (;;) {
        const put = await agentRequest(opts.base, 'PUT', `${key}?acquire=${session}`, { body: '', signal: io.signal });
        if (put.status !== 200) throw responseError(put);
        if (put.body.toString('utf8').trim() === 'true') break;
        const got = await agentRequest(opts.base, 'GET', `${key}?index=${index}&wait=${WAIT}`, { signal: io.signal, timeoutMs: 30_000 });
        const next = Number(got.headers['x-consul-index'] ?? 0);
        const held = got.status === 200 && (JSON.parse(got.body.toString('utf8')) as { Session?: string }[])[0]?.Session !== undefined;
        // Not held, but refused: the lock delay of a released session; try again shortly.
        if (!held || next === index) await pause(1_000, io.signal);
        index = next;
        await agentRequest(opts.base, 'PUT', `/v1/session/renew/${session}`, { signal: io.signal });
      }
    } catch (error) {
      await destroy();
      if (io.signal.aborted) return interruptedExitCode(io.signal);
      io.err(`Lock acquisition failed: ${(error as Error).message}\n`);
      return 1;
    }
    if (io.signal.aborted) {
      await destroy();
      return interruptedExitCode(io.signal);
    }

    const [file, ...rest] = opts.command.length === 1 ? ['sh', '-c', opts.command[0]!] : opts.command;
    // Its own process group, standard streams inherited: a signal reaches all of it (sh -c and what it runs).
    const child = spawn(file!, rest, { stdio: 'inherit', detached: true });
    const kill = (signal: NodeJS.Signals): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // Already gone.
      }
    };
    const forward = (): void => kill(typeof io.signal.reason === 'string' ? (io.signal.reason as NodeJS.Signals) : 'SIGTERM');
    io.signal.addEventListener('abort', forward, { once: true });
    const exited = new Promise<number>((resolve) => {
      child.on('error', (error) => {
        io.err(`Error running handler: ${error.message}\n`);
        resolve(1);
      });
      child.on('exit', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? 130 : signal === 'SIGKILL' ? 137 : 143)));
    });
    // Renew the session while the command runs; once it is gone, the lock is lost: stop the command.
    const running = new AbortController();
    const renewing = (async () => {
      while (!running.signal.aborted) {
        await pause((SESSION_TTL_S * 1000) / 3, running.signal);
        if (running.signal.aborted) return;
        const renewed = await agentRequest(opts.base, 'PUT', `/v1/session/renew/${session}`, { signal: running.signal }).catch(() => undefined);
        if (renewed?.status === 404) {
          io.err('Lock lost: the session was invalidated; stopping the command\n');
          kill('SIGTERM');
          return;
        }
      }
    })();
    const code = await exited;
    running.abort();
    await renewing;
    io.signal.removeEventListener('abort', forward);
    await destroy();
    return code;
  },
};
