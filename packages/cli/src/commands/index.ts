import type { Command } from '../command.js';
export type { Command } from '../command.js';
import { memberCommand } from './member.js';
import { membersCommand } from './members.js';
import { demoCommand } from './demo.js';
import { simRaftCommand } from './sim-raft.js';
import { simMemberlistCommand } from './sim-memberlist.js';
import { lincheckCommand } from './lincheck.js';
import { raftLogCommand } from './raft-log.js';
import { raftCommand } from './raft.js';
import { tlsCaCommand, tlsCertCommand } from './tls.js';
import { agentCommand } from './agent.js';
import { kvDeleteCommand, kvGetCommand, kvPutCommand } from './kv.js';
import { lockCommand } from './lock.js';
import { operatorRaftListPeersCommand } from './operator.js';

// Each command lives in its own file; add it here to make it reachable.
export const commands: Command[] = [
  memberCommand,
  membersCommand,
  demoCommand,
  simRaftCommand,
  simMemberlistCommand,
  lincheckCommand,
  raftLogCommand,
  raftCommand,
  tlsCaCommand,
  tlsCertCommand,
  agentCommand,
  kvGetCommand,
  kvPutCommand,
  kvDeleteCommand,
  lockCommand,
  operatorRaftListPeersCommand,
];
