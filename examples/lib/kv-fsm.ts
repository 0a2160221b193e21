// The state machine the raft examples replicate: a key-value map driven by
// commands "set KEY VALUE". Raft applies committed commands in log order on
// every server, so every server's map ends up the same.
import type { FSM, FSMSnapshot, Log, SnapshotSink, SnapshotSource } from '@shoal/raft';

export class KeyValueFSM implements FSM {
  readonly data = new Map<string, string>();

  /** Applies one committed command; what it returns is the `response` of the leader's `apply`. */
  apply(log: Log): string | undefined {
    const [op, key, value] = new TextDecoder().decode(log.data).split(' ');
    if (op !== 'set' || key === undefined || value === undefined) return undefined;
    const previous = this.data.get(key);
    this.data.set(key, value);
    return previous;
  }

  /** The whole map as JSON: raft persists it in a snapshot, then compacts the log behind it. */
  snapshot(): FSMSnapshot {
    const bytes = new TextEncoder().encode(JSON.stringify([...this.data]));
    return {
      async persist(sink: SnapshotSink): Promise<void> {
        await sink.write(bytes).then(() => sink.close(), async (error: unknown) => {
          await sink.cancel();
          throw error;
        });
      },
      release(): void {},
    };
  }

  /** Replaces the map with a snapshot's. */
  async restore(source: SnapshotSource): Promise<void> {
    const chunks: Uint8Array[] = [];
    for await (const chunk of source) chunks.push(chunk);
    await source.close();
    this.data.clear();
    for (const [key, value] of JSON.parse(Buffer.concat(chunks).toString('utf8')) as [string, string][]) this.data.set(key, value);
  }

  /** The map as "k=v, k=v", sorted by key. */
  toString(): string {
    return [...this.data].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`).join(', ');
  }
}
