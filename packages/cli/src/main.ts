import { parseArgs } from 'node:util';
import { type Command, type CommandIO, UsageError } from './command.js';
import { commands as registered } from './commands/index.js';

const VERSION = '0.1.0';

/** One line per command, sorted: `  sim raft   run a raft cluster...`. */
function commandList(commands: readonly Command[]): string[] {
  const width = Math.max(...commands.map((c) => c.name.length), 4);
  return commands
    .slice()
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
}

function helpText(commands: readonly Command[]): string {
  const lines = commandList(commands);
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

/** The commands under a first word: `sim` holds `sim raft` and `sim memberlist`. */
function groupOf(word: string, commands: readonly Command[]): Command[] {
  return commands.filter((c) => c.name.startsWith(`${word} `));
}

function groupHelp(word: string, members: readonly Command[]): string {
  return [`usage: shoal ${word} <command> [options]`, '', 'commands:', ...commandList(members), '', `Run \`shoal ${word} <command> --help\` for the options of one command.`, ''].join('\n');
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
  const group = groupOf(first, commands);
  const asksHelp = (args: readonly string[]): boolean => args.includes('--help') || args.includes('-h');
  if (!found) {
    if (group.length > 0 && asksHelp(argv.slice(1))) {
      io.out(groupHelp(first, group));
      return 0;
    }
    const hint = group.length > 0 ? ` (did you mean: ${group.map((c) => c.name).join(', ')}? see \`shoal ${first} --help\`)` : '; see `shoal --help`';
    io.err(`shoal: unknown command '${argv.join(' ')}'${hint}\n`);
    return 2;
  }
  const { command, rest } = found;
  if (asksHelp(rest)) {
    // `shoal raft --help`: the command, and the commands under the same word (`raft log`).
    const related = groupOf(command.name, commands);
    io.out(`usage: ${command.usage}\n${related.length > 0 ? `\nrelated commands:\n${commandList(related).join('\n')}\n` : ''}`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      const usage = error instanceof UsageError && error.showUsage ? `; usage: ${command.usage.split('\n')[0]} (\`shoal ${command.name} --help\` for more)` : '';
      io.err(`shoal ${command.name}: ${(error as Error).message.split('\n')[0]}${usage}\n`);
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
