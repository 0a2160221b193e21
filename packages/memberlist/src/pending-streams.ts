import type { Clock, Labels, Logger, Metrics, Timer } from '@shoal/kit';
import { splitHostPort } from './address.js';

/** How often evictions are logged at most: a flood of idle connections must not flood the log too. */
const LOG_EVERY_MS = 10_000;

export interface PendingStreamLimits {
  /** Most unidentified streams at once. */
  readonly max: number;
  /** Most unidentified streams at once from one remote IP. */
  readonly maxPerAddress: number;
  /** How long a stream may take to say what it is. */
  readonly firstMessageTimeoutMs: number;
}

/** One inbound stream that has not yet said what it is. */
export interface PendingStream {
  /** The stream said what it is: it leaves the pending set and its deadline stops. Idempotent. */
  identified(): void;
}

interface Entry {
  readonly host: string;
  readonly close: () => void;
  readonly timer: Timer;
}

/**
 * Inbound streams from accept until their first message says what it is
 * (push/pull, user message or ping, after decryption). Their number is capped
 * overall and per remote address, the oldest closed first, and each gets a
 * short deadline of its own: connections that send nothing cost a bounded
 * number of descriptors and never hold a slot a join needs.
 */
export class PendingStreams {
  readonly #limits: PendingStreamLimits;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #metrics: Metrics;
  readonly #labels: Labels | undefined;
  /** Insertion order is arrival order: the first entry is the oldest. */
  readonly #entries = new Map<object, Entry>();
  readonly #perHost = new Map<string, number>();
  #unloggedEvictions = 0;
  #lastLogAt = -Infinity;

  constructor(limits: PendingStreamLimits, clock: Clock, logger: Logger, metrics: Metrics, labels?: Labels) {
    this.#limits = limits;
    this.#clock = clock;
    this.#logger = logger;
    this.#metrics = metrics;
    this.#labels = labels;
  }

  /** Streams waiting to say what they are. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Admits a stream from `remoteAddr` ("ip:port"); `close` ends it. Makes room
   * first by closing the oldest pending stream from the same address, then
   * the oldest overall.
   */
  admit(remoteAddr: string, close: () => void): PendingStream {
    const host = splitHostPort(remoteAddr)?.host ?? remoteAddr;
    if ((this.#perHost.get(host) ?? 0) >= this.#limits.maxPerAddress) this.#evictOldest(host);
    if (this.#entries.size >= this.#limits.max) this.#evictOldest(undefined);
    const key = {};
    const timer = this.#clock.after(this.#limits.firstMessageTimeoutMs, () => {
      if (!this.#remove(key)) return;
      this.#metrics.incrCounter('memberlist.tcp.pending_timeout', 1, this.#labels);
      this.#logger.debug({ from: remoteAddr, ms: this.#limits.firstMessageTimeoutMs }, 'memberlist: stream sent no request in time');
      close();
    });
    this.#entries.set(key, { host, close, timer });
    this.#perHost.set(host, (this.#perHost.get(host) ?? 0) + 1);
    return { identified: () => void this.#remove(key) };
  }

  #evictOldest(host: string | undefined): void {
    for (const [key, entry] of this.#entries) {
      if (host !== undefined && entry.host !== host) continue;
      this.#remove(key);
      this.#metrics.incrCounter('memberlist.tcp.pending_evicted', 1, this.#labels);
      this.#noteEviction(entry.host, host !== undefined);
      entry.close();
      return;
    }
  }

  #remove(key: object): boolean {
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    entry.timer.cancel();
    this.#entries.delete(key);
    const n = (this.#perHost.get(entry.host) ?? 1) - 1;
    if (n === 0) this.#perHost.delete(entry.host);
    else this.#perHost.set(entry.host, n);
    return true;
  }

  #noteEviction(host: string, perAddress: boolean): void {
    this.#unloggedEvictions++;
    const now = this.#clock.now();
    if (now - this.#lastLogAt < LOG_EVERY_MS) return;
    this.#logger.warn(
      { evicted: this.#unloggedEvictions, lastFrom: host, limit: perAddress ? 'per address' : 'overall', max: this.#limits.max, maxPerAddress: this.#limits.maxPerAddress },
      'memberlist: too many inbound streams that sent no request; closed the oldest',
    );
    this.#unloggedEvictions = 0;
    this.#lastLogAt = now;
  }
}
