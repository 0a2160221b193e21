// The catalog writes the leader makes so every agent's node and its
// serfHealth check follow gossip (Consul's leader reconcile). Pure: members
// and a read view of the catalog in, commands out; no command when the
// catalog already agrees, so running it again changes nothing.
//
//  - alive: the node is registered with its ID and address, serfHealth passing;
//  - failed: serfHealth critical, which invalidates the node's sessions;
//  - left: the node is deregistered, with everything on it;
//  - a node with a serfHealth check that no member accounts for any more
//    (failed longer than the reconnect timeout) is reaped: deregistered,
//    unless `reapAbsent` is off (a leader that has just started and does not
//    know every member yet).
// Nodes without a serfHealth check were registered through the catalog API
// for things that run no agent; they are not gossip's to manage.

import { nodeSpecOf, type Member } from '../member-view.js';
import type { CheckSpec, Command } from '../state/commands.js';
import { SERF_HEALTH_CHECK, type CatalogNode, type HealthCheck, type HealthStatus } from '../state/records.js';

/** What the reconcile reads of the catalog: the state store's catalog (state/catalog.ts) is one. */
export interface CatalogView {
  /** Every node in the catalog, by name. */
  readonly nodes: ReadonlyMap<string, CatalogNode>;
  /** The checks of `node` (node-level and service-level), by check ID. */
  checksOf(node: string): ReadonlyMap<string, HealthCheck>;
}

/** The serfHealth check's name and outputs, as Consul writes them (tools match on them). */
export const SERF_HEALTH_NAME = 'Serf Health Status';
export const SERF_ALIVE_OUTPUT = 'Agent alive and reachable';
export const SERF_FAILED_OUTPUT = 'Agent not live or unreachable';

export interface CatalogPlanInput {
  readonly datacenter: string;
  /** The leader's own node name: never reaped. */
  readonly selfName: string;
  readonly members: readonly Member[];
  readonly catalog: CatalogView;
  /** Whether nodes no member accounts for are deregistered. */
  readonly reapAbsent: boolean;
}

export function planCatalogWrites({ datacenter, selfName, members, catalog, reapAbsent }: CatalogPlanInput): Command[] {
  const writes: Command[] = [];
  const accounted = new Set<string>();
  for (const member of members) {
    if (member.tags.datacenter !== datacenter) continue;
    accounted.add(member.name);
    const node = catalog.nodes.get(member.name);
    if (member.status === 'left') {
      if (node !== undefined && member.name !== selfName) writes.push({ type: 'deregister', node: member.name });
      continue;
    }
    const status: HealthStatus = member.status === 'alive' ? 'passing' : 'critical';
    const check = catalog.checksOf(member.name).get(SERF_HEALTH_CHECK);
    const nodeAgrees = node !== undefined && node.id === member.tags.nodeId && node.address === member.address;
    if (nodeAgrees && check !== undefined && check.status === status) continue;
    writes.push({ type: 'register', node: nodeSpecOf(member), checks: [serfHealth(status)] });
  }
  if (!reapAbsent) return writes;
  for (const node of catalog.nodes.values()) {
    if (accounted.has(node.node) || node.node === selfName || node.datacenter !== datacenter) continue;
    if (catalog.checksOf(node.node).has(SERF_HEALTH_CHECK)) writes.push({ type: 'deregister', node: node.node });
  }
  return writes;
}

function serfHealth(status: HealthStatus): CheckSpec {
  return {
    checkId: SERF_HEALTH_CHECK,
    name: SERF_HEALTH_NAME,
    status,
    notes: '',
    output: status === 'passing' ? SERF_ALIVE_OUTPUT : SERF_FAILED_OUTPUT,
    serviceId: '',
    type: '',
  };
}
