import type { Random } from '@shoal/kit';

/** Cluster size above which the push/pull interval starts to stretch (Go's pushPullScaleThreshold). */
export const PUSH_PULL_SCALE_THRESHOLD = 32;

/**
 * The base suspicion timeout: mult × max(1, log10(max(1, n))) × interval, the
 * log term truncated to thousandths as Go does.
 */
export function suspicionTimeout(suspicionMult: number, n: number, intervalMs: number): number {
  const nodeScale = Math.max(1, Math.log10(Math.max(1, n)));
  return (suspicionMult * Math.floor(nodeScale * 1000) * intervalMs) / 1000;
}

/** How many times a broadcast is sent: mult × ceil(log10(n + 1)). */
export function retransmitLimit(retransmitMult: number, n: number): number {
  return retransmitMult * Math.ceil(Math.log10(n + 1));
}

/** The push/pull interval for n nodes: unchanged up to 32, then × (ceil(log2 n − log2 32) + 1). */
export function pushPullScale(intervalMs: number, n: number): number {
  if (n <= PUSH_PULL_SCALE_THRESHOLD) return intervalMs;
  const multiplier = Math.ceil(Math.log2(n) - Math.log2(PUSH_PULL_SCALE_THRESHOLD)) + 1;
  return multiplier * intervalMs;
}

/** A uniform integer in [0, n), or 0 when n is 0 (Go's randomOffset). */
export function randomOffset(random: Random, n: number): number {
  return n === 0 ? 0 : random.int(n);
}

/**
 * Up to k distinct items drawn at random, skipping those `exclude` rejects
 * (Go's kRandomNodes). Like Go it gives up after 3n draws, so with few
 * eligible items it may return fewer than k.
 */
export function kRandomNodes<T>(random: Random, k: number, items: readonly T[], exclude?: (item: T) => boolean): T[] {
  const n = items.length;
  const out: T[] = [];
  if (k <= 0 || n === 0) return out;
  outer: for (let i = 0; i < 3 * n && out.length < k; i++) {
    const item = items[random.int(n)]!;
    if (exclude && exclude(item)) continue;
    for (let j = 0; j < out.length; j++) if (out[j] === item) continue outer;
    out.push(item);
  }
  return out;
}

/** The same over indexes 0..n-1: for tables that keep their rows in arrays. */
export function kRandomIndexes(random: Random, k: number, n: number, exclude?: (index: number) => boolean): number[] {
  const out: number[] = [];
  if (k <= 0 || n === 0) return out;
  outer: for (let i = 0; i < 3 * n && out.length < k; i++) {
    const idx = random.int(n);
    if (exclude && exclude(idx)) continue;
    for (let j = 0; j < out.length; j++) if (out[j] === idx) continue outer;
    out.push(idx);
  }
  return out;
}

/** A random stagger in [0, intervalMs) for the first tick of a periodic task. */
export function randomStagger(random: Random, intervalMs: number): number {
  return intervalMs > 0 ? random.float() * intervalMs : 0;
}
