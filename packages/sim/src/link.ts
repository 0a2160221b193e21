import { constantLatency, uniformLatency, type Latency } from './latency.js';

/** How one direction of a link between two hosts behaves. Unset fields inherit the network default. */
export interface LinkOptions {
  /** One-way latency. Default: constant 1 ms. */
  latency?: Latency;
  /** Probability a datagram is lost. On streams a lost segment costs a retransmission delay instead. Default 0. */
  loss?: number;
  /** Probability a datagram is delivered twice (the copy draws its own latency). Default 0. */
  duplicate?: number;
  /** Probability a datagram is held back by an extra `reorderDelay`, so later ones overtake it. Default 0. */
  reorder?: number;
  /** Extra delay of a reordered datagram. Default uniform 0–10 ms. */
  reorderDelay?: Latency;
  /** Bandwidth in bytes per millisecond (1 Gbit/s = 125,000). Adds size/bandwidth per message. Default unlimited. */
  bytesPerMs?: number;
}

export interface Link {
  readonly latency: Latency;
  readonly loss: number;
  readonly duplicate: number;
  readonly reorder: number;
  readonly reorderDelay: Latency;
  readonly bytesPerMs: number;
}

export const DEFAULT_LINK: Link = {
  latency: constantLatency(1),
  loss: 0,
  duplicate: 0,
  reorder: 0,
  reorderDelay: uniformLatency(0, 10),
  bytesPerMs: Infinity,
};

function probability(name: string, p: number | undefined, fallback: number): number {
  if (p === undefined) return fallback;
  if (!(p >= 0 && p <= 1)) throw new RangeError(`${name} must be a probability in [0, 1], got ${p}`);
  return p;
}

/** `base` with the fields set in `options` replaced. */
export function mergeLink(base: Link, options: LinkOptions): Link {
  const bytesPerMs = options.bytesPerMs ?? base.bytesPerMs;
  if (!(bytesPerMs > 0)) throw new RangeError(`bytesPerMs must be > 0, got ${bytesPerMs}`);
  return {
    latency: options.latency ?? base.latency,
    loss: probability('loss', options.loss, base.loss),
    duplicate: probability('duplicate', options.duplicate, base.duplicate),
    reorder: probability('reorder', options.reorder, base.reorder),
    reorderDelay: options.reorderDelay ?? base.reorderDelay,
    bytesPerMs,
  };
}
