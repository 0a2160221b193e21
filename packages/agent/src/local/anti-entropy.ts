// Anti-entropy: keeps the catalog's record of this node (the node, its
// services and checks) equal to the local state. It syncs after every local
// change and periodically, writing only what differs from the catalog when it
// can read one (servers), everything otherwise (clients), and retries failures.
// Its node is written as the leader's reconcile writes it (nodeSpecOf), so the
// two never undo each other.
import type { Clock, Logger, Timer } from '@shoal/kit';
import { silentLogger } from '@shoal/kit';
import type { Replicator } from '../replicator.js';
import type { CheckSpec, Command, NodeSpec, ServiceSpec } from '../state/commands.js';
import { SERF_HEALTH_CHECK, type CatalogNode, type CatalogService, type HealthCheck } from '../state/records.js';
import { SingleFlight } from '../single-flight.js';
import type { LocalState } from './local-state.js';

/** What anti-entropy reads of the catalog: the state store's catalog (state/catalog.ts) is one. */
export interface NodeCatalogView {
  readonly nodes: ReadonlyMap<string, CatalogNode>;
  servicesOf(node: string): ReadonlyMap<string, CatalogService>;
  checksOf(node: string): ReadonlyMap<string, HealthCheck>;
}

export interface AntiEntropyOptions {
  readonly local: LocalState;
  readonly replicator: Replicator;
  readonly node: NodeSpec;
  readonly clock: Clock;
  /** The local copy of the catalog (servers); without it every sync writes everything. */
  readonly catalog?: NodeCatalogView;
  readonly logger?: Logger;
  /** Full sync period; Consul's is about a minute. Default 60 s. */
  readonly intervalMs?: number;
  /** Delay before retrying a failed sync. Default 1 s. */
  readonly retryMs?: number;
}

export class AntiEntropy {
  readonly #o: AntiEntropyOptions;
  readonly #logger: Logger;
  /** One sync at a time; a change during a sync makes one more follow it. */
  readonly #flight: SingleFlight;
  #periodic: Timer | undefined;
  #retry: Timer | undefined;
  #unsubscribe: (() => void) | undefined;
  #stopped = false;

  constructor(options: AntiEntropyOptions) {
    this.#o = options;
    this.#logger = options.logger ?? silentLogger;
    this.#flight = new SingleFlight(() => this.#sync());
  }

  start(): void {
    this.#unsubscribe = this.#o.local.onChange(() => void this.syncNow());
    this.#periodic = this.#o.clock.every(this.#o.intervalMs ?? 60_000, () => void this.syncNow());
    void this.syncNow();
  }

  stop(): void {
    this.#stopped = true;
    this.#unsubscribe?.();
    this.#periodic?.cancel();
    this.#retry?.cancel();
  }

  /**
   * Syncs now, or once more right after the sync in flight; resolves when
   * that sync is done. A failed sync is logged and retried (retryMs), not thrown.
   */
  syncNow(): Promise<void> {
    return this.#flight.request();
  }

  async #sync(): Promise<void> {
    try {
      for (const command of this.#plan()) {
        if (this.#stopped) return;
        await this.#o.replicator.write(command);
      }
    } catch (error) {
      this.#logger.warn({ err: error }, 'anti-entropy sync failed; retrying');
      this.#retry?.cancel();
      if (!this.#stopped) this.#retry = this.#o.clock.after(this.#o.retryMs ?? 1000, () => void this.syncNow());
    }
  }

  /** The writes that make the catalog match the local state. */
  #plan(): Command[] {
    const { local, node } = this.#o;
    const view = this.#o.catalog;
    const catalog = view && { node: view.nodes.get(node.node), services: view.servicesOf(node.node), checks: view.checksOf(node.node) };
    const out: Command[] = [];
    const checks = [...local.checks().values()].map((c) => c.spec);
    const nodeDiffers = !catalog?.node || !sameNode(catalog.node, node);
    let nodeWritten = false;
    for (const service of local.services().values()) {
      const own = checks.filter((c) => c.serviceId === service.id);
      const current = catalog?.services.get(service.id);
      if (catalog && !nodeDiffers && current && sameService(current, service) && own.every((c) => sameCheck(catalog.checks.get(c.checkId), c))) continue;
      out.push({ type: 'register', node, service, checks: own });
      nodeWritten = true;
    }
    const nodeChecks = checks.filter((c) => c.serviceId === '');
    const staleNodeChecks = catalog ? nodeChecks.filter((c) => !sameCheck(catalog.checks.get(c.checkId), c)) : nodeChecks;
    if (staleNodeChecks.length > 0 || (nodeDiffers && !nodeWritten)) out.push({ type: 'register', node, checks: staleNodeChecks });
    if (catalog) {
      for (const id of catalog.services.keys()) if (!local.services().has(id)) out.push({ type: 'deregister', node: node.node, serviceId: id });
      for (const c of catalog.checks.values()) {
        // serfHealth belongs to the leader; a removed service's checks go with it.
        if (c.checkId === SERF_HEALTH_CHECK || local.checks().has(c.checkId) || (c.serviceId !== '' && !local.services().has(c.serviceId))) continue;
        out.push({ type: 'deregister', node: node.node, checkId: c.checkId });
      }
    }
    return out;
  }
}

function sameNode(a: CatalogNode, b: NodeSpec): boolean {
  return a.id === b.id && a.address === b.address && a.datacenter === b.datacenter;
}

function sameService(a: CatalogService, b: ServiceSpec): boolean {
  return a.service === b.service && a.address === b.address && a.port === b.port && a.enableTagOverride === b.enableTagOverride &&
    JSON.stringify(a.tags) === JSON.stringify(b.tags) && JSON.stringify(a.meta) === JSON.stringify(b.meta);
}

function sameCheck(a: HealthCheck | undefined, b: CheckSpec): boolean {
  return a !== undefined && a.status === b.status && a.output === b.output && a.name === b.name && a.notes === b.notes && a.serviceId === b.serviceId && a.type === b.type;
}
