/**
 * Commitment: the leader's view of which entries a quorum of voters stores
 * (Go's commitment.go). Only voters of the latest configuration count; the
 * commit index advances only to entries of the leader's own term (Raft
 * §5.4.2), i.e. at or after `startIndex`.
 */
import type { Configuration, ServerID } from '../configuration.js';
import { ServerSuffrage } from '../configuration.js';
import { invariant } from '../errors.js';

export class Commitment {
  #match = new Map<ServerID, number>();
  #commitIndex = 0;
  readonly startIndex: number;
  readonly #onAdvance: (commitIndex: number) => void;

  constructor(configuration: Configuration, startIndex: number, onAdvance: (commitIndex: number) => void) {
    invariant(startIndex >= 1, 'commitment startIndex must be at least 1');
    this.startIndex = startIndex;
    this.#onAdvance = onAdvance;
    this.setConfiguration(configuration);
  }

  get commitIndex(): number {
    return this.#commitIndex;
  }

  matchIndex(id: ServerID): number | undefined {
    return this.#match.get(id);
  }

  /** Switches to a new voter set, keeping known match indexes. */
  setConfiguration(configuration: Configuration): void {
    const old = this.#match;
    this.#match = new Map();
    for (const s of configuration.servers) if (s.suffrage === ServerSuffrage.Voter) this.#match.set(s.id, old.get(s.id) ?? 0);
    this.#recalculate();
  }

  /** Records that `id` stores every entry up to `matchIndex` matching the leader. */
  match(id: ServerID, matchIndex: number): void {
    const prev = this.#match.get(id);
    if (prev !== undefined && matchIndex > prev) {
      this.#match.set(id, matchIndex);
      this.#recalculate();
    }
  }

  #recalculate(): void {
    if (this.#match.size === 0) return;
    const sorted = [...this.#match.values()].sort((a, b) => a - b);
    // The highest index stored by a majority: with n voters, the ((n-1)/2)-th smallest.
    const quorumMatch = sorted[Math.floor((sorted.length - 1) / 2)]!;
    if (quorumMatch > this.#commitIndex && quorumMatch >= this.startIndex) {
      this.#commitIndex = quorumMatch;
      this.#onAdvance(quorumMatch);
    }
  }
}
