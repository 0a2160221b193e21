/**
 * The FSM's own serial queue (Go's runFSM goroutine): applies committed
 * entries in order, takes FSM snapshots between applies, restores snapshots.
 * It tracks the index actually applied, which reads wait on.
 */
import type { RaftLogger } from '../config.js';
import { decodeConfiguration } from '../configuration-codec.js';
import { invariant, NothingNewToSnapshotError } from '../errors.js';
import type { FSM, FSMSnapshot } from '../fsm.js';
import { isBatchingFSM, isConfigurationStore } from '../fsm.js';
import type { Log } from '../log.js';
import { LogType } from '../log.js';
import type { LogFuture } from '../log-future.js';
import { SerialQueue } from './serial-queue.js';
import type { SnapshotSource } from '../storage/snapshot.js';

export interface CommittedEntry {
  log: Log;
  /** The leader's waiting caller, when there is one. */
  future: LogFuture | undefined;
}

interface Waiter {
  index: number;
  resolve: () => void;
}

export class FsmRunner {
  readonly #fsm: FSM;
  readonly #logger: RaftLogger;
  readonly #queue = new SerialQueue();
  #appliedIndex = 0;
  #appliedTerm = 0;
  #waiters: Waiter[] = [];
  /** Observers of applied entries (the simulator's state-machine-safety check). */
  onApplied: ((log: Log) => void) | undefined;

  readonly #onFatal: (err: unknown) => void;
  readonly #maxBatch: number;

  /**
   * `onFatal` hears of failures that leave the FSM out of step with the log
   * (the node must stop); a BatchingFSM gets at most `maxBatch` entries per
   * applyBatch (config.maxAppendEntries).
   */
  constructor(fsm: FSM, logger: RaftLogger, onFatal: (err: unknown) => void = () => {}, maxBatch = 64) {
    this.#fsm = fsm;
    this.#logger = logger;
    this.#onFatal = onFatal;
    this.#maxBatch = maxBatch;
  }

  get appliedIndex(): number {
    return this.#appliedIndex;
  }

  get appliedTerm(): number {
    return this.#appliedTerm;
  }

  /** Jobs queued or running. */
  get pending(): number {
    return this.#queue.pending;
  }

  /**
   * Queues committed entries; they are applied in order after everything
   * queued before. A job whose FSM answers without promises runs in one go,
   * so the leader's callers of a whole commit hear back in the same turn,
   * and their next applies reach the leader together (one write) rather
   * than as the first few of them and then the rest.
   */
  enqueue(entries: CommittedEntry[]): void {
    if (entries.length === 0) return;
    void this.#queue.run(() => this.#applyAll(entries)).catch((err: unknown) => {
      this.#logger.error({ err }, 'failed to apply entries to the FSM');
      this.#onFatal(err);
    });
  }

  async #applyAll(entries: CommittedEntry[]): Promise<void> {
    const batching = isBatchingFSM(this.#fsm) ? this.#fsm : undefined;
    let i = 0;
    while (i < entries.length) {
      const entry = entries[i]!;
      const { log } = entry;
      if (batching !== undefined && (log.type === LogType.Command || log.type === LogType.Configuration)) {
        let j = i;
        while (j < entries.length && j - i < this.#maxBatch && (entries[j]!.log.type === LogType.Command || entries[j]!.log.type === LogType.Configuration)) j++;
        const batch = entries.slice(i, j);
        let responses: unknown[];
        try {
          const result = batching.applyBatch(batch.map((e) => e.log));
          responses = isThenable(result) ? await result : result;
        } catch (err) {
          responses = batch.map(() => err);
        }
        invariant(responses.length === batch.length, `applyBatch returned ${responses.length} responses for ${batch.length} entries`);
        batch.forEach((e, k) => this.#applied(e, responses[k]));
        i = j;
        continue;
      }
      let response: unknown;
      if (log.type === LogType.Command) {
        try {
          const result = this.#fsm.apply(log);
          response = isThenable(result) ? await result : result;
        } catch (err) {
          response = err;
        }
      } else if (log.type === LogType.Configuration && isConfigurationStore(this.#fsm)) {
        this.#fsm.storeConfiguration(log.index, decodeConfiguration(log.data));
      }
      this.#applied(entry, response);
      i++;
    }
  }

  #applied(entry: CommittedEntry, response: unknown): void {
    const { log } = entry;
    invariant(log.index === this.#appliedIndex + 1, () => `FSM applied index ${log.index} after ${this.#appliedIndex} (must be contiguous)`);
    this.#appliedIndex = log.index;
    this.#appliedTerm = log.term;
    this.onApplied?.(log);
    entry.future?.respond(response);
    this.#wake();
  }

  /** A snapshot of the FSM at the index applied when the job runs. */
  snapshot(): Promise<{ snapshot: FSMSnapshot; index: number; term: number }> {
    return this.#queue.run(async () => {
      if (this.#appliedIndex === 0) throw new NothingNewToSnapshotError();
      const snapshot = await this.#fsm.snapshot();
      return { snapshot, index: this.#appliedIndex, term: this.#appliedTerm };
    });
  }

  /** Replaces the FSM's state; afterwards the FSM is at index/term. */
  restore(source: SnapshotSource, index: number, term: number): Promise<void> {
    return this.#queue.run(async () => {
      try {
        await this.#fsm.restore(source);
      } finally {
        await source.close();
      }
      this.#appliedIndex = index;
      this.#appliedTerm = term;
      this.#wake();
    });
  }

  /** Sets the applied position without touching the FSM (start-up without restore). */
  assumeApplied(index: number, term: number): void {
    this.#appliedIndex = index;
    this.#appliedTerm = term;
  }

  /** Resolves once the FSM has applied `index` (or a snapshot past it). */
  waitApplied(index: number): Promise<void> {
    if (this.#appliedIndex >= index) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ index, resolve }));
  }

  #wake(): void {
    if (this.#waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const w of this.#waiters) {
      if (w.index <= this.#appliedIndex) w.resolve();
      else still.push(w);
    }
    this.#waiters = still;
  }

  /** Resolves when every queued job has run. */
  drain(): Promise<void> {
    return this.#queue.drain();
  }
}

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
