// Keeps this agent's Lifeguard health score in its gossip tags, so every
// agent (and its dashboard) can show every member's score. memberlist has
// no event for a score change, so the agent samples it on its housekeeping
// tick. Each publication is a memberlist updateNode (a new incarnation
// gossiped to every member), so it is rate-limited: a changed score goes out
// at once when the last publication is at least `minIntervalMs` old, else at
// the first sample after that; an unchanged score publishes nothing, and a
// score that flaps back before the interval ends publishes nothing either.

import type { Clock } from '@shoal/kit';

export interface HealthScorePublisherOptions {
  readonly clock: Clock;
  /** Least time between two publications. */
  readonly minIntervalMs: number;
  /** The score now; undefined while there is none (gossip is not running). */
  readonly score: () => number | undefined;
  /** Puts `score` in the node meta and re-advertises it. */
  readonly publish: (score: number) => void;
}

export class HealthScorePublisher {
  readonly #o: HealthScorePublisherOptions;
  #published: number;
  #publishedAtMs = Number.NEGATIVE_INFINITY;

  /** `initial`: the score the meta already carries (memberlist starts every node at 0). */
  constructor(options: HealthScorePublisherOptions, initial: number) {
    this.#o = options;
    this.#published = initial;
  }

  /** The score the meta carries now. */
  get published(): number {
    return this.#published;
  }

  /** Samples the score; publishes it when it changed and the rate limit allows. */
  sample(): void {
    const score = this.#o.score();
    if (score === undefined || score === this.#published) return;
    const now = this.#o.clock.now();
    if (now - this.#publishedAtMs < this.#o.minIntervalMs) return;
    this.#published = score;
    this.#publishedAtMs = now;
    this.#o.publish(score);
  }
}
