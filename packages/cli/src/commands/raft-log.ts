import { stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { createLogger, FsError, NodeFileSystem } from '@shoal/kit';
import type { FileSystem } from '@shoal/kit';
import {
  KEY_CURRENT_TERM,
  KEY_LAST_VOTE_CAND,
  KEY_LAST_VOTE_TERM,
  logTypeName,
  RaftError,
  readStableFile,
  WalLogStore,
  type Log,
} from '@shoal/raft';
import { intOption, parseCommandArgs } from '../args.js';
import { type Command, type CommandIO, UsageError } from '../command.js';

/** Exit codes: 0 dumped, 1 the directory is damaged or unreadable, 2 bad arguments. */
export const RAFT_LOG_EXIT = { ok: 0, damaged: 1, usage: 2 } as const;

const USAGE = `shoal raft log --dir DIR [--from N] [--to N] [--stable-only]

Dumps a raft data directory as JSON lines, without changing it: the log in
DIR/wal (WalLogStore), one line per entry
  {"index":N, "term":N, "type":"LogCommand", "data":base64, "extensions":base64, "appendedAt":ms}
then the stable state in DIR/stable (FileStableStore):
  {"stable":{"CurrentTerm":N, "LastVoteTerm":N, "LastVoteCand":str, ...other keys as base64}}
A torn tail the store would cut when opened is reported on standard error
and not dumped.

  --from N       the first entry dumped (default: the log's first)
  --to N         the last entry dumped, inclusive (default: the log's last)

Exit status: 0 dumped; 1 the directory is damaged (a checksum mismatch before
the last commit, a garbage file) or unreadable, with the file and offset on
standard error; 2 bad arguments.`;

export const raftLogCommand: Command = {
  name: 'raft log',
  summary: "dump a raft data directory's log and term/vote as JSON lines (read-only), like raft-wal's waldump",
  usage: USAGE,
  async run(args: string[], io: CommandIO): Promise<number> {
    const { values, positionals } = parseCommandArgs(args, {
      dir: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      'stable-only': { type: 'boolean', default: false },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    if (values.dir === undefined) throw new UsageError('missing --dir DIR');
    const from = intOption('from', values.from, 0);
    const to = intOption('to', values.to, Number.MAX_SAFE_INTEGER);
    const dir = resolve(values.dir);
    const info = await stat(dir).catch(() => undefined);
    if (info === undefined || !info.isDirectory()) throw new UsageError(`${values.dir} is not a directory`);
    // Paths under the FileSystem are relative to DIR's parent, so messages name DIR's own files.
    const fs = new NodeFileSystem(dirname(dir));
    const root = basename(dir);
    try {
      const found = await fs.list(root);
      if (!found.includes('wal') && !found.includes('stable')) {
        io.err(`shoal raft log: ${values.dir} holds neither wal/ nor stable/\n`);
        return RAFT_LOG_EXIT.damaged;
      }
      if (found.includes('wal') && !values['stable-only']) await dumpLog(fs, `${root}/wal`, from, to, io);
      if (found.includes('stable')) io.out(`${JSON.stringify({ stable: await stableState(fs, `${root}/stable`) })}\n`);
      return RAFT_LOG_EXIT.ok;
    } catch (error) {
      if (error instanceof RaftError || error instanceof FsError) {
        io.err(`shoal raft log: ${error.message}\n`);
        return RAFT_LOG_EXIT.damaged;
      }
      throw error;
    }
  },
};

async function dumpLog(fs: FileSystem, dir: string, from: number, to: number, io: CommandIO): Promise<void> {
  const logger = createLogger((entry) => io.err(`${JSON.stringify(entry)}\n`), 'warn');
  const store = await WalLogStore.open(fs, dir, { readOnly: true, logger, cacheEntries: 0 });
  try {
    const first = Math.max(await store.firstIndex(), from);
    const last = Math.min(await store.lastIndex(), to);
    for (let i = first; i <= last && i > 0; i++) {
      if (io.signal.aborted) break;
      io.out(`${JSON.stringify(entryJson(await store.getLog(i)))}\n`);
    }
  } finally {
    await store.close();
  }
}

function entryJson(log: Log): Record<string, unknown> {
  return {
    index: log.index,
    term: log.term,
    type: logTypeName(log.type),
    data: Buffer.from(log.data).toString('base64'),
    extensions: Buffer.from(log.extensions).toString('base64'),
    appendedAt: log.appendedAt,
  };
}

const UINT64_KEYS = new Set([KEY_CURRENT_TERM, KEY_LAST_VOTE_TERM]);

async function stableState(fs: FileSystem, dir: string): Promise<Record<string, unknown>> {
  const values = await readStableFile(fs, dir);
  const state: Record<string, unknown> = { [KEY_CURRENT_TERM]: 0, [KEY_LAST_VOTE_TERM]: 0, [KEY_LAST_VOTE_CAND]: '' };
  for (const [key, value] of values) {
    if (UINT64_KEYS.has(key) && value.length === 8) {
      const n = Buffer.from(value).readBigUInt64BE();
      state[key] = n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString();
    } else if (key === KEY_LAST_VOTE_CAND) state[key] = Buffer.from(value).toString('utf8');
    else state[key] = Buffer.from(value).toString('base64');
  }
  return state;
}
