/**
 * Loading a node's state from its stores at start (Go's NewRaft): term, last
 * log entry, the newest loadable snapshot (restored into the FSM unless
 * configured otherwise), and configurations from entries after it. Commands
 * are not replayed: they are applied again once the leader's commit index
 * arrives.
 */
import type { LoadedState, RaftCore } from './core.js';
import { RaftError } from '../errors.js';
import { KEY_CURRENT_TERM } from '../storage/stores.js';

export async function startUp(core: RaftCore): Promise<void> {
  const loaded: LoadedState = { term: await core.readUint64(KEY_CURRENT_TERM), lastLogIndex: 0, lastLogTerm: 0, snapshot: undefined };
  const lastIndex = await core.logs.lastIndex();
  if (lastIndex > 0) {
    const last = await core.logs.getLog(lastIndex);
    loaded.lastLogIndex = last.index;
    loaded.lastLogTerm = last.term;
  }

  const metas = await core.snapshots.list();
  for (const meta of metas) {
    try {
      const opened = await core.snapshots.open(meta.id);
      if (core.config.noSnapshotRestoreOnStart) {
        await opened.source.close();
        core.fsmRunner.assumeApplied(meta.index, meta.term);
      } else await core.fsmRunner.restore(opened.source, meta.index, meta.term);
      loaded.snapshot = { index: meta.index, term: meta.term, configuration: meta.configuration, configurationIndex: meta.configurationIndex };
      break;
    } catch (err) {
      core.logger.error({ err, id: meta.id }, 'failed to restore snapshot');
    }
  }
  if (metas.length > 0 && loaded.snapshot === undefined) throw new RaftError('ERR_SNAPSHOT', 'failed to load any existing snapshots');
  if (loaded.snapshot !== undefined && (await core.dropLogBehindSnapshot(loaded.snapshot.index))) {
    // core.load puts the log's end at the snapshot's.
    loaded.lastLogIndex = 0;
    loaded.lastLogTerm = 0;
  }
  core.load(loaded);

  const first = await core.logs.firstIndex();
  if (first > 0) {
    for (let i = Math.max(core.lastSnapshotIndex + 1, first); i <= core.lastLogIndex; i++) {
      core.processConfigurationEntry(await core.logs.getLog(i));
    }
  }
}
