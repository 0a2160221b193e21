/**
 * Commitment: the leader's record of which entries each voter stores (Go's
 * commitment.go). Only voters of the latest configuration count; the rule
 * itself (a majority, and only entries of the leader's own term, at or after
 * `startIndex`) is in rules/commit.ts.
 */
import type { Configuration, ServerID } from '../configuration.js';
import { ServerSuffrage } from '../configuration.js';
import { invariant } from '../errors.js';
import { leaderCommitIndex } from './rules/commit.js';

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
    const next = leaderCommitIndex(this.#commitIndex, [...this.#match.values()], this.startIndex);
    if (next === this.#commitIndex) return;
    invariant(next > this.#commitIndex, 'the leader commit index never goes back');
    this.#commitIndex = next;
    this.#onAdvance(next);
  }
}
