import { parseArgs } from 'node:util';
import { type Command, type CommandIO, UsageError } from './command.js';
import { commands as registered } from './commands/index.js';

const VERSION = '0.1.0';

function helpText(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length), 4);
  const lines = commands
    .slice()
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'usage: shoal <command> [options]',
    '',
    'Cluster infrastructure for TypeScript: membership, consensus, peer lists.',
    '',
    'commands:',
    ...lines,
    '',
    'Run `shoal <command> --help` for the options of one command.',
    '',
  ].join('\n');
}

/** Finds the command whose (possibly multi-word) name is the longest prefix of argv. */
function resolve(argv: readonly string[], commands: readonly Command[]): { command: Command; rest: string[] } | undefined {
  let best: { command: Command; rest: string[] } | undefined;
  for (const command of commands) {
    const words = command.name.split(' ');
    if (words.every((w, i) => argv[i] === w) && (!best || words.length > best.command.name.split(' ').length)) {
      best = { command, rest: argv.slice(words.length) };
    }
  }
  return best;
}

export async function main(argv: string[], io: CommandIO, commands: readonly Command[] = registered): Promise<number> {
  const first = argv[0];
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    io.out(helpText(commands));
    return first === undefined ? 2 : 0;
  }
  if (first === '--version' || first === '-v') {
    io.out(`${VERSION}\n`);
    return 0;
  }
  const found = resolve(argv, commands);
  if (!found) {
    const group = commands.filter((c) => c.name.startsWith(`${first} `)).map((c) => c.name);
    const hint = group.length > 0 ? ` (did you mean: ${group.join(', ')}?)` : '; see `shoal --help`';
    io.err(`shoal: unknown command '${argv.join(' ')}'${hint}\n`);
    return 2;
  }
  const { command, rest } = found;
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`usage: ${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      io.err(`shoal ${command.name}: ${(error as Error).message.split('\n')[0]}\n`);
      return 2;
    }
    throw error;
  }
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

export { parseArgs };
