import type { Clock } from '@shoal/kit';
import type { Implementation, ListPeer } from './implementation.js';
import { IndexSource } from './index-source.js';
import { randomSource, type RandomOptions } from './random-options.js';

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
  readonly #index: IndexSource;
  readonly #decayMs: number;
  readonly #defaultRttMs: number;

  constructor(options: PeakEwmaOptions) {
    this.#clock = options.clock;
    this.#index = new IndexSource(randomSource(options));
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

  choose(_key: string | undefined, nowMs = NaN): ListPeer | undefined {
    const entries = this.#entries;
    const n = entries.length;
    if (n === 0) return undefined;
    if (n === 1) return entries[0]!.peer;
    const i = this.#index.next(n);
    let j = this.#index.next(n - 1);
    if (j >= i) j++;
    const a = entries[i]!;
    const b = entries[j]!;
    const now = nowMs === nowMs ? nowMs : this.#clock.now(); // NaN: called outside a list
    // Cost = decayed estimate × (pending + 1), written out so no double crosses a call.
    const costA = a.rttMs * Math.exp((a.stampMs - now) / this.#decayMs) * (a.peer.pending + 1);
    const costB = b.rttMs * Math.exp((b.stampMs - now) / this.#decayMs) * (b.peer.pending + 1);
    return costB < costA ? b.peer : a.peer;
  }

  finished(entry: EwmaEntry, _peer: ListPeer, _failed: boolean, latencyMs: number, nowMs = NaN): void {
    if (entry.index < 0 || !(latencyMs >= 0)) return;
    const now = nowMs === nowMs ? nowMs : this.#clock.now();
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

}

export function peakEwma(options: PeakEwmaOptions): PeakEwma {
  return new PeakEwma(options);
}
