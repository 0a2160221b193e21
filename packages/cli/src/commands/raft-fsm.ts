// The state machine `shoal raft` runs, the same as interop/raft-node/fsm.go's:
// an append-only list of commands and a running sha256 over each applied
// command followed by "\n". Its snapshot is the JSON array of the commands,
// so a Go server and a shoal server install each other's snapshots.
import { createHash, type Hash } from 'node:crypto';
import type { FSM, FSMSnapshot, Log, SnapshotSink, SnapshotSource } from '@shoal/raft';

const NEWLINE = new Uint8Array([0x0a]);
const CHUNK_CHARS = 256 * 1024;

export class CommandLogFSM implements FSM {
  #commands: string[] = [];
  #digest: Hash = createHash('sha256');
  readonly #decoder = new TextDecoder();
  readonly #onRestore: (applied: number) => void;

  /** `onRestore` is told how many commands each restored snapshot held. */
  constructor(onRestore: (applied: number) => void = () => {}) {
    this.#onRestore = onRestore;
  }

  apply(log: Log): unknown {
    this.#commands.push(this.#decoder.decode(log.data));
    this.#digest.update(log.data);
    this.#digest.update(NEWLINE);
    return undefined;
  }

  /** How many commands were applied, and the digest over them (hex). */
  summary(): { applied: number; digest: string } {
    return { applied: this.#commands.length, digest: this.#digest.copy().digest('hex') };
  }

  snapshot(): FSMSnapshot {
    // The list only grows (restore swaps in a new one), so its prefix of this
    // length stays as it is while persist encodes it.
    const list = this.#commands;
    const length = list.length;
    return {
      async persist(sink: SnapshotSink): Promise<void> {
        try {
          const text = JSON.stringify(list.slice(0, length));
          const encoder = new TextEncoder();
          for (let at = 0; at < text.length; at += CHUNK_CHARS) await sink.write(encoder.encode(text.slice(at, at + CHUNK_CHARS)));
          await sink.close();
        } catch (error) {
          await sink.cancel().catch(() => undefined);
          throw error;
        }
      },
      release(): void {},
    };
  }

  async restore(source: SnapshotSource): Promise<void> {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of source) chunks.push(Buffer.from(chunk));
    } finally {
      await source.close();
    }
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (!Array.isArray(parsed) || !parsed.every((c) => typeof c === 'string')) throw new Error('snapshot is not a JSON array of strings');
    const digest = createHash('sha256');
    for (const command of parsed as string[]) {
      digest.update(command, 'utf8');
      digest.update(NEWLINE);
    }
    this.#commands = parsed as string[];
    this.#digest = digest;
    this.#onRestore(parsed.length);
  }
}
