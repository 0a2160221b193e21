import { ShoalError } from '@shoal/kit';

/** Where a command writes. Tests pass buffers; the bin passes the process's streams. */
export interface CommandIO {
  out(text: string): void;
  err(text: string): void;
  /** Aborted on SIGINT/SIGTERM by the bin; commands that run until stopped watch it. */
  signal: AbortSignal;
  /** Standard output is a terminal: a command may redraw the screen instead of printing lines. */
  interactive?: boolean;
}

export interface Command {
  /** One or more words: `lincheck`, `sim raft`. */
  name: string;
  /** One line for `shoal --help`. */
  summary: string;
  /** The usage line(s) printed by `shoal NAME --help`. */
  usage: string;
  /** Runs with the arguments after the name; resolves to the exit code. */
  run(args: string[], io: CommandIO): Promise<number>;
}

/** Bad arguments: the CLI prints `shoal NAME: message` on one line and exits 2. */
export class UsageError extends ShoalError {
  /** Print the command's usage line after the message (an option the command does not have, or a value missing). */
  readonly showUsage: boolean;
  constructor(message: string, options: { showUsage?: boolean } = {}) {
    super('ERR_USAGE', message);
    this.showUsage = options.showUsage ?? false;
  }
}
