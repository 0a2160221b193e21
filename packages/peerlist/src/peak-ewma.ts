import type { Clock, Random } from '@shoal/kit';
import type { Implementation, ListPeer } from './implementation.js';
import { randomSource, type RandomOptions } from './random-peer.js';

export interface PeakEwmaOptions extends RandomOptions {
  /** Latency is measured on this clock (the list's clock must be the same one). */
  clock: Clock;
  /** Time constant of the moving average (Finagle and Linkerd use 10 s). */
  decayMs?: number;
  /** Estimate for a peer with no samples yet (Linkerd uses 30 ms). */
  defaultRttMs?: number;
}

interface EwmaEntry {
  readonly peer: ListPeer;
  index: number;
  /** Latency estimate in ms as of `stampMs`. */
  rttMs: number;
  stampMs: number;
  /** False until the first sample, which replaces the default rather than averaging with it. */
  measured: boolean;
}

/**
 * Latency-aware power of two choices (Finagle p2cPeakEwma, Linkerd2): of two
 * distinct random peers take the lower cost = latency estimate × (pending + 1).
 * The estimate jumps straight up to any slower sample ("peak") and otherwise
 * moves toward samples as an exponentially weighted average over time, so it
 * comes down slowly (by design: about decayMs × ln(ratio)); between samples it
 * decays toward zero, so an idle peer is eventually retried. A peer starts at
 * defaultRttMs until its first sample, which replaces that prior outright.
 */
export class PeakEwma implements Implementation<EwmaEntry> {
  readonly measuresLatency = true;
  readonly #entries: EwmaEntry[] = [];
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #decayMs: number;
  readonly #defaultRttMs: number;

  constructor(options: PeakEwmaOptions) {
    this.#clock = options.clock;
    this.#random = randomSource(options);
    this.#decayMs = options.decayMs ?? 10_000;
    this.#defaultRttMs = options.defaultRttMs ?? 30;
    if (!(this.#decayMs > 0)) throw new RangeError(`decayMs must be > 0, got ${this.#decayMs}`);
  }

  add(peer: ListPeer): EwmaEntry {
    const entry: EwmaEntry = { peer, index: this.#entries.length, rttMs: this.#defaultRttMs, stampMs: this.#clock.now(), measured: false };
    this.#entries.push(entry);
    return entry;
  }

  remove(_peer: ListPeer, entry: EwmaEntry): void {
    const last = this.#entries.pop()!;
    if (last !== entry) {
      this.#entries[entry.index] = last;
      last.index = entry.index;
    }
    entry.index = -1;
  }

  choose(_key: string | undefined): ListPeer | undefined {
    const entries = this.#entries;
    const n = entries.length;
    if (n === 0) return undefined;
    if (n === 1) return entries[0]!.peer;
    const i = this.#random.int(n);
    let j = this.#random.int(n - 1);
    if (j >= i) j++;
    const a = entries[i]!;
    const b = entries[j]!;
    const now = this.#clock.now();
    return this.#cost(b, now) < this.#cost(a, now) ? b.peer : a.peer;
  }

  finished(entry: EwmaEntry, _peer: ListPeer, _failed: boolean, latencyMs: number): void {
    if (entry.index < 0 || !(latencyMs >= 0)) return;
    const now = this.#clock.now();
    const weight = Math.exp(-(now - entry.stampMs) / this.#decayMs);
    entry.rttMs = !entry.measured || latencyMs > entry.rttMs ? latencyMs : entry.rttMs * weight + latencyMs * (1 - weight);
    entry.stampMs = now;
    entry.measured = true;
  }

  choosable(): number {
    return this.#entries.length;
  }

  /** The current latency estimate of a peer this implementation holds (tests). */
  estimateMs(id: string): number | undefined {
    const e = this.#entries.find((x) => x.peer.id === id);
    return e === undefined ? undefined : e.rttMs * Math.exp(-(this.#clock.now() - e.stampMs) / this.#decayMs);
  }

  #cost(e: EwmaEntry, now: number): number {
    const rtt = e.rttMs * Math.exp(-(now - e.stampMs) / this.#decayMs);
    return rtt * (e.peer.pending + 1);
  }
}

export function peakEwma(options: PeakEwmaOptions): PeakEwma {
  return new PeakEwma(options);
}
