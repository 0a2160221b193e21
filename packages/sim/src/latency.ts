/**
 * Delay distributions for links (one-way latency) and for slow nodes
 * (processing delay). All draws come from the Random passed in, so they
 * replay from the simulation seed. Results are never negative.
 */
import type { Random } from '@shoal/kit';

export interface Latency {
  /** Draws one delay in milliseconds (>= 0). */
  sample(random: Random): number;
  /** Human-readable form, for logs and test names. */
  readonly description: string;
}

function check(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a finite number >= 0, got ${value}`);
}

/** Always `ms`. Draws nothing from the generator. */
export function constantLatency(ms: number): Latency {
  check('ms', ms);
  return { sample: () => ms, description: `constant(${ms}ms)` };
}

/** Uniform in [minMs, maxMs). */
export function uniformLatency(minMs: number, maxMs: number): Latency {
  check('minMs', minMs);
  check('maxMs', maxMs);
  if (maxMs < minMs) throw new RangeError(`uniformLatency: maxMs ${maxMs} < minMs ${minMs}`);
  const span = maxMs - minMs;
  return { sample: (r) => minMs + r.float() * span, description: `uniform(${minMs}..${maxMs}ms)` };
}

/** A standard normal deviate (Box–Muller, one draw per call pair of uniforms). */
function gaussian(random: Random): number {
  const u = 1 - random.float(); // (0, 1]: log(0) is impossible
  const v = random.float();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Normal with the given mean and standard deviation, cut off below at `minMs` (default 0). */
export function normalLatency(meanMs: number, stdDevMs: number, minMs = 0): Latency {
  check('meanMs', meanMs);
  check('stdDevMs', stdDevMs);
  check('minMs', minMs);
  return {
    sample: (r) => Math.max(minMs, meanMs + stdDevMs * gaussian(r)),
    description: `normal(mean ${meanMs}ms, sd ${stdDevMs}ms, min ${minMs}ms)`,
  };
}

/**
 * Log-normal with the given median and shape `sigma` (0.5 is a moderate tail):
 * the usual shape of network round trips, plus `minMs` as a floor offset.
 */
export function logNormalLatency(medianMs: number, sigma: number, minMs = 0): Latency {
  check('medianMs', medianMs);
  check('sigma', sigma);
  check('minMs', minMs);
  return {
    sample: (r) => minMs + medianMs * Math.exp(sigma * gaussian(r)),
    description: `logNormal(median ${medianMs}ms, sigma ${sigma}, min ${minMs}ms)`,
  };
}

/** `base` plus a uniform jitter in [0, jitterMs). */
export function withJitter(base: Latency, jitterMs: number): Latency {
  check('jitterMs', jitterMs);
  return {
    sample: (r) => base.sample(r) + r.float() * jitterMs,
    description: `${base.description} + jitter(${jitterMs}ms)`,
  };
}
