/** Go's Stats(): a node's counters as strings, under Go's keys. */
import { PROTOCOL_VERSION_MAX, PROTOCOL_VERSION_MIN, SNAPSHOT_VERSION_MAX, SNAPSHOT_VERSION_MIN } from '../config.js';
import { formatConfiguration, ServerSuffrage } from '../configuration.js';
import type { RaftCore } from './core.js';

export function statsOf(core: RaftCore): Record<string, string> {
  const latest = core.configurations.latest;
  let hasUs = false;
  let peers = 0;
  for (const s of latest.servers) {
    if (s.suffrage !== ServerSuffrage.Voter) continue;
    if (s.id === core.localId) hasUs = true;
    else peers++;
  }
  const lastContact = core.state === 'Leader' ? '0' : !core.everContacted ? 'never' : `${Math.max(0, core.clock.now() - core.lastContact).toFixed(3)}ms`;
  return {
    state: core.state,
    term: String(core.currentTerm),
    last_log_index: String(core.lastLogIndex),
    last_log_term: String(core.lastLogTerm),
    commit_index: String(core.commitIndex),
    applied_index: String(core.fsmRunner.appliedIndex),
    fsm_pending: String(core.fsmRunner.pending),
    last_snapshot_index: String(core.lastSnapshotIndex),
    last_snapshot_term: String(core.lastSnapshotTerm),
    protocol_version: String(core.config.protocolVersion),
    protocol_version_min: String(PROTOCOL_VERSION_MIN),
    protocol_version_max: String(PROTOCOL_VERSION_MAX),
    snapshot_version_min: String(SNAPSHOT_VERSION_MIN),
    snapshot_version_max: String(SNAPSHOT_VERSION_MAX),
    latest_configuration_index: String(core.configurations.latestIndex),
    latest_configuration: formatConfiguration(latest),
    num_peers: String(hasUs ? peers : 0),
    last_contact: lastContact,
  };
}
