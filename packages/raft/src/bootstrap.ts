/**
 * Offline operations on a server's stores (Go's api.go): bootstrapping a new
 * cluster, checking for existing state, reading the persisted configuration,
 * and forced recovery after losing quorum.
 */
import type { Config } from './config.js';
import { SNAPSHOT_VERSION_MAX, validateConfig } from './config.js';
import type { Configuration } from './configuration.js';
import { cloneConfiguration } from './configuration.js';
import { checkConfiguration } from './node/rules/configuration-change.js';
import { decodeConfiguration, encodeConfiguration } from './configuration-codec.js';
import { CantBootstrapError, KeyNotFoundError, RaftError } from './errors.js';
import type { FSM } from './fsm.js';
import { FsmRunner } from './node/fsm-runner.js';
import { silentLogger } from '@shoal/kit';
import type { Log } from './log.js';
import { EMPTY_BYTES, LogType } from './log.js';
import type { SnapshotStore } from './storage/snapshot.js';
import type { LogStore, StableStore } from './storage/stores.js';
import { KEY_CURRENT_TERM } from './storage/stores.js';
import type { Transport } from './transport/transport.js';

async function readTerm(stable: StableStore): Promise<number> {
  try {
    return await stable.getUint64(KEY_CURRENT_TERM);
  } catch (err) {
    if (err instanceof KeyNotFoundError || (err instanceof Error && err.message === 'not found')) return 0;
    throw err;
  }
}

/** True when the server has a term, any log entry, or any snapshot. */
export async function hasExistingState(logs: LogStore, stable: StableStore, snapshots: SnapshotStore): Promise<boolean> {
  if ((await readTerm(stable)) > 0) return true;
  if ((await logs.lastIndex()) > 0) return true;
  return (await snapshots.list()).length > 0;
}

/** The stores and transport `bootstrapCluster` and `recoverCluster` take, with the node's configuration. */
export interface StoresArgs {
  config: Config;
  logs: LogStore;
  stable: StableStore;
  snapshots: SnapshotStore;
  transport: Transport;
}

/** The entry bootstrap writes: the configuration at index 1, term 1. */
export function bootstrapEntry(configuration: Configuration): Log {
  return { index: 1, term: 1, type: LogType.Configuration, data: encodeConfiguration(configuration), extensions: EMPTY_BYTES, appendedAt: 0 };
}

/**
 * Initialises a new server's stores with `configuration` (all voters of the
 * new cluster). Throws CantBootstrapError when state exists.
 */
export async function bootstrapCluster(args: StoresArgs & { configuration: Configuration }): Promise<void> {
  validateConfig(args.config);
  checkConfiguration(args.configuration);
  if (await hasExistingState(args.logs, args.stable, args.snapshots)) throw new CantBootstrapError();
  await args.stable.setUint64(KEY_CURRENT_TERM, 1);
  await args.logs.storeLog(bootstrapEntry(args.configuration));
}

/** The latest persisted configuration, without starting raft (Go's GetConfiguration). */
export async function getConfiguration(args: { logs: LogStore; snapshots: SnapshotStore }): Promise<{ configuration: Configuration; index: number }> {
  let configuration: Configuration = { servers: [] };
  let index = 0;
  const newest = (await args.snapshots.list())[0];
  let from = 1;
  if (newest !== undefined) {
    configuration = cloneConfiguration(newest.configuration);
    index = newest.configurationIndex;
    from = newest.index + 1;
  }
  const first = await args.logs.firstIndex();
  const last = await args.logs.lastIndex();
  for (let i = Math.max(from, first); first > 0 && i <= last; i++) {
    const entry = await args.logs.getLog(i);
    if (entry.type === LogType.Configuration) {
      configuration = decodeConfiguration(entry.data);
      index = entry.index;
    }
  }
  return { configuration, index };
}

/**
 * Forces a new configuration after quorum is lost (Go's RecoverCluster):
 * replays the newest snapshot and every later command into `fsm` (a
 * throwaway instance), writes a snapshot at the last index with the given
 * configuration, and deletes the whole log. Everything in the log becomes
 * committed: unsafe by design, for disaster recovery only.
 */
export async function recoverCluster(args: StoresArgs & { fsm: FSM; configuration: Configuration }): Promise<void> {
  validateConfig(args.config);
  checkConfiguration(args.configuration);
  if (!(await hasExistingState(args.logs, args.stable, args.snapshots))) {
    throw new RaftError('ERR_NO_EXISTING_STATE', 'refused to recover cluster with no initial state, this is probably an operator error');
  }
  const runner = new FsmRunner(args.fsm, args.config.logger ?? silentLogger);
  let lastIndex = 0;
  let lastTerm = 0;
  const metas = await args.snapshots.list();
  for (const meta of metas) {
    try {
      const opened = await args.snapshots.open(meta.id);
      if (!args.config.noSnapshotRestoreOnStart) await runner.restore(opened.source, meta.index, meta.term);
      else {
        await opened.source.close();
        runner.assumeApplied(meta.index, meta.term);
      }
      lastIndex = meta.index;
      lastTerm = meta.term;
      break;
    } catch (err) {
      args.config.logger?.warn({ err, id: meta.id }, 'failed to restore snapshot');
    }
  }
  if (metas.length > 0 && lastIndex === 0) throw new RaftError('ERR_SNAPSHOT', 'failed to restore any of the available snapshots');
  const first = await args.logs.firstIndex();
  const last = await args.logs.lastIndex();
  for (let i = Math.max(lastIndex + 1, first); first > 0 && i <= last; i++) {
    const entry = await args.logs.getLog(i);
    // Entries apply contiguously; the runner asserts it, so feed every type.
    if (i !== runner.appliedIndex + 1) runner.assumeApplied(i - 1, lastTerm);
    runner.enqueue([{ log: entry, future: undefined }]);
    lastIndex = entry.index;
    lastTerm = entry.term;
  }
  await runner.drain();
  const { snapshot } = await runner.snapshot();
  try {
    const sink = await args.snapshots.create(SNAPSHOT_VERSION_MAX, lastIndex, lastTerm, args.configuration, 1, args.transport);
    await snapshot.persist(sink);
  } finally {
    snapshot.release();
  }
  if (first > 0 && last >= first) await args.logs.deleteRange(first, last);
}
