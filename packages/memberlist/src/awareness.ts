import { noopMetrics, type Labels, type Metrics } from '@shoal/kit';

/**
 * Lifeguard's local health score (Go's awareness): an integer in
 * [0, max − 1]; 0 is healthy. Failed probes and refutations raise it, good
 * probes lower it, and timeouts stretch by (score + 1) so a struggling node
 * slows down instead of accusing healthy peers.
 */
export class Awareness {
  readonly max: number;
  #score = 0;
  readonly #metrics: Metrics;
  readonly #labels: Labels | undefined;

  constructor(max: number, metrics: Metrics = noopMetrics, labels?: Labels) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`awareness max must be an integer >= 1, got ${max}`);
    this.max = max;
    this.#metrics = metrics;
    this.#labels = labels;
    // Reported from the start (Go reports only changes), so a scrape of a healthy node shows its 0.
    metrics.setGauge('memberlist.health.score', 0, labels);
  }

  /** Adds `delta`, clamped to the range; reports the new score when it changed. */
  applyDelta(delta: number): void {
    const initial = this.#score;
    const next = Math.min(this.max - 1, Math.max(0, initial + delta));
    this.#score = next;
    if (next !== initial) this.#metrics.setGauge('memberlist.health.score', next, this.#labels);
  }

  get score(): number {
    return this.#score;
  }

  /** `timeoutMs × (score + 1)`. */
  scaleTimeout(timeoutMs: number): number {
    return timeoutMs * (this.#score + 1);
  }
}
