/**
 * A running 64-bit fingerprint of everything a simulation did: two independent
 * 32-bit lanes (FNV-1a over words, and a murmur3-style mixer) fed the same
 * stream of 32-bit words. Two runs with equal hashes executed the same events,
 * at the same virtual times, with (sampled) equal payloads.
 */

/** What an entry of the trace records; folded in as the first word of each entry. */
export const TraceKind = {
  timer: 1,
  packetDelivered: 2,
  packetDropped: 3,
  streamConnected: 4,
  streamData: 5,
  streamEnd: 6,
  streamReset: 7,
  dialRefused: 8,
  dialTimedOut: 9,
  nodeCrashed: 10,
  nodeRestarted: 11,
  diskCrashed: 12,
  diskSynced: 13,
  note: 14,
  partition: 15,
} as const;
export type TraceKind = (typeof TraceKind)[keyof typeof TraceKind];

/** How much of each payload the hash reads: all of it, its first and last 32 bytes, or only its length. */
export type TraceBytes = 'full' | 'sample' | 'length';

const SAMPLE_BYTES = 32;
const floatView = new Float64Array(1);
const floatWords = new Uint32Array(floatView.buffer);

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class TraceHash {
  #fnv = 0x811c9dc5;
  #murmur = 0x9747b28c;
  #entries = 0;
  readonly #bytesMode: TraceBytes;

  constructor(bytesMode: TraceBytes = 'sample') {
    this.#bytesMode = bytesMode;
  }

  /** Number of entries folded so far. */
  get entries(): number {
    return this.#entries;
  }

  /** Starts an entry of the given kind. */
  begin(kind: TraceKind): void {
    this.#entries++;
    this.word(kind);
  }

  /** Folds one 32-bit word. */
  word(w: number): void {
    this.#fnv = Math.imul(this.#fnv ^ w, 0x01000193);
    let k = Math.imul(w, 0xcc9e2d51);
    k = Math.imul(rotl(k, 15), 0x1b873593);
    const h = rotl(this.#murmur ^ k, 13);
    this.#murmur = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }

  /** Folds a float64 exactly (both halves of its bit pattern). */
  float(x: number): void {
    floatView[0] = x;
    this.word(floatWords[0]!);
    this.word(floatWords[1]!);
  }

  /** Folds a string (its UTF-16 code units, two per word). */
  string(s: string): void {
    this.word(s.length);
    for (let i = 0; i < s.length; i += 2) this.word(s.charCodeAt(i) | (i + 1 < s.length ? s.charCodeAt(i + 1) << 16 : 0));
  }

  /** Folds a payload: its length, then its bytes as the mode allows. */
  bytes(data: Uint8Array): void {
    const n = data.length;
    this.word(n);
    if (this.#bytesMode === 'length') return;
    if (this.#bytesMode === 'full' || n <= 2 * SAMPLE_BYTES) {
      this.#range(data, 0, n);
    } else {
      this.#range(data, 0, SAMPLE_BYTES);
      this.#range(data, n - SAMPLE_BYTES, n);
    }
  }

  #range(data: Uint8Array, from: number, to: number): void {
    let i = from;
    for (; i + 4 <= to; i += 4) this.word(data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
    if (i === to) return;
    let tail = 0;
    for (let shift = 0; i < to; i++, shift += 8) tail |= data[i]! << shift;
    this.word(tail);
  }

  /** The fingerprint as 16 lowercase hex digits. */
  hex(): string {
    const a = fmix(this.#fnv ^ this.#entries);
    const b = fmix(this.#murmur ^ Math.imul(this.#entries, 0x9e3779b9));
    return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
  }
}
