/**
 * Snapshots and log compaction (Go's runSnapshots, takeSnapshot,
 * compactLogs): a jittered timer checks the threshold; users can ask for one;
 * only one snapshot is taken at a time. The FSM snapshot is captured between
 * applies, persisted concurrently with them, then the log is trimmed.
 */
import type { Timer } from '@shoal/kit';
import { SNAPSHOT_VERSION_MAX } from '../config.js';
import { cloneConfiguration } from '../configuration.js';
import type { RaftCore } from './core.js';
import { NothingNewToSnapshotError, SnapshotError } from '../errors.js';
import { SerialQueue } from './serial-queue.js';
import type { OpenedSnapshot, SnapshotMeta } from '../storage/snapshot.js';
import { randomTimeout } from './timing.js';

export interface SnapshotResult {
  /** Metadata of the snapshot just written. */
  meta: SnapshotMeta;
  /** Opens it for reading (Go's SnapshotFuture.Open). */
  open(): Promise<OpenedSnapshot>;
}

export class Snapshotter {
  readonly #core: RaftCore;
  readonly #queue = new SerialQueue();
  #timer: Timer | undefined;
  #stopped = false;

  constructor(core: RaftCore) {
    this.#core = core;
  }

  start(): void {
    this.#arm();
  }

  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
  }

  /** Re-arms the periodic check (after reloadConfig changed the interval). */
  rearm(): void {
    this.#timer?.cancel();
    this.#arm();
  }

  #arm(): void {
    if (this.#stopped) return;
    const core = this.#core;
    this.#timer = core.clock.after(randomTimeout(core.random, core.config.snapshotIntervalMs), () => {
      if (this.#stopped || core.isShutdown) return;
      if (this.shouldSnapshot()) {
        this.take().catch((err: unknown) => {
          if (!(err instanceof NothingNewToSnapshotError)) core.logger.error({ err }, 'failed to take snapshot');
        }).finally(() => this.#arm());
      } else this.#arm();
    });
  }

  /** Enough entries since the last snapshot (Go's shouldSnapshot). */
  shouldSnapshot(): boolean {
    const core = this.#core;
    return core.lastLogIndex - core.lastSnapshotIndex >= core.config.snapshotThreshold;
  }

  /** Takes a snapshot now (queued behind one already running). */
  take(): Promise<SnapshotResult> {
    return this.#queue.run(() => this.#take());
  }

  async #take(): Promise<SnapshotResult> {
    const core = this.#core;
    const { snapshot, index, term } = await core.fsmRunner.snapshot();
    try {
      if (index <= core.lastSnapshotIndex) throw new NothingNewToSnapshotError();
      const configs = core.configurations;
      if (configs.committedIndex > index) {
        throw new SnapshotError(
          `cannot take snapshot now, wait until the configuration entry at ${configs.committedIndex} has been applied (have applied ${index})`,
        );
      }
      const configuration = cloneConfiguration(configs.committed);
      const sink = await core.snapshots.create(SNAPSHOT_VERSION_MAX, index, term, configuration, configs.committedIndex, core.transport);
      try {
        await snapshot.persist(sink);
      } catch (err) {
        await sink.cancel();
        throw new SnapshotError(`failed to persist snapshot: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
      const id = sink.id;
      await core.serial.run(async () => {
        if (index > core.lastSnapshotIndex) core.recordSnapshot(index, term);
        await core.compactLogs(index);
      });
      core.logger.info({ id, index }, 'snapshot complete');
      const listed = (await core.snapshots.list()).find((m) => m.id === id);
      const meta: SnapshotMeta = listed ?? {
        version: SNAPSHOT_VERSION_MAX,
        id,
        index,
        term,
        peers: new Uint8Array(0),
        configuration,
        configurationIndex: configs.committedIndex,
        size: 0,
      };
      return { meta, open: () => core.snapshots.open(id) };
    } finally {
      snapshot.release();
    }
  }
}
