// A client agent: no raft and no store; writes, barriers and session
// renewals go to the leader through the servers, and the HTTP API forwards
// what the agent does not answer itself to a server.

import { channelSettings, type AgentRole, type RoleContext } from './agent-role.js';
import { ClientReplicator } from './client-replicator.js';
import { LeaderChannel } from './leader-channel.js';
import { HttpForwarder } from './real-http-forwarder.js';
import { clientRouter } from './routers.js';

export function clientRole(context: RoleContext): AgentRole {
  const channel = new LeaderChannel({ ...channelSettings(context), router: clientRouter(context.directory) });
  const forwarder = new HttpForwarder({ directory: context.directory, clock: context.clock, logger: context.logger, metrics: context.metrics });
  return {
    replicator: new ClientReplicator(channel, context.directory),
    forwarder,
    membersChanged: () => {},
    housekeeping: () => {},
    hasRaftState: () => false,
    beforeGossipLeave: async () => ({ wasLeader: false }),
    afterGossipLeave: async () => {},
    close: async () => forwarder.close(),
  };
}
