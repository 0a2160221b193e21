// The catalog tables (nodes, services on nodes, checks on nodes) and Consul's
// register/deregister rules. Writes that change nothing leave the indexes
// alone, so anti-entropy can re-register what is already there for free.
import { StateError } from '../errors.js';
import type { CheckSpec, NodeSpec, ServiceSpec } from './commands.js';
import type { CatalogNode, CatalogService, HealthCheck } from './records.js';
import type { TableName } from './tables.js';

export class Catalog {
  readonly nodes = new Map<string, CatalogNode>();
  /** node → service id → service. */
  readonly services = new Map<string, Map<string, CatalogService>>();
  /** node → check id → check. */
  readonly checks = new Map<string, Map<string, HealthCheck>>();

  clear(): void {
    this.nodes.clear();
    this.services.clear();
    this.checks.clear();
  }

  servicesOf(node: string): ReadonlyMap<string, CatalogService> {
    return this.services.get(node) ?? new Map();
  }

  checksOf(node: string): ReadonlyMap<string, HealthCheck> {
    return this.checks.get(node) ?? new Map();
  }

  /** Everything a register command is refused for, before anything changes. */
  registerError(node: string, service: ServiceSpec | undefined, checks: readonly CheckSpec[]): StateError | undefined {
    for (const c of checks) {
      if (c.serviceId !== '' && c.serviceId !== service?.id && !this.servicesOf(node).has(c.serviceId)) {
        return new StateError('ERR_MISSING_SERVICE', `Missing service registration`);
      }
    }
    return undefined;
  }

  /**
   * Upserts the node; returns the tables it changed. A spec without meta or
   * tagged addresses keeps the node's: the leader's reconcile and the agent's
   * anti-entropy each write what they own without undoing the other.
   */
  putNode(spec: NodeSpec, index: number): TableName[] {
    const existing = this.nodes.get(spec.node);
    const next: CatalogNode = {
      node: spec.node,
      id: spec.id,
      address: spec.address,
      datacenter: spec.datacenter,
      meta: { ...(spec.meta ?? existing?.meta ?? {}) },
      taggedAddresses: { ...(spec.taggedAddresses ?? existing?.taggedAddresses ?? {}) },
      createIndex: existing?.createIndex ?? index,
      modifyIndex: index,
    };
    if (existing && sameRecord(existing, next)) return [];
    this.nodes.set(spec.node, next);
    return ['nodes'];
  }

  /** Upserts a service on `node` (which must exist); refreshes its checks' copies of its name and tags. */
  putService(node: string, spec: ServiceSpec, index: number): TableName[] {
    const services = this.#mapFor(this.services, node);
    const existing = services.get(spec.id);
    const next: CatalogService = {
      node,
      id: spec.id,
      service: spec.service,
      tags: [...spec.tags],
      address: spec.address,
      port: spec.port,
      meta: { ...spec.meta },
      enableTagOverride: spec.enableTagOverride,
      createIndex: existing?.createIndex ?? index,
      modifyIndex: index,
    };
    if (existing && sameRecord(existing, next)) return [];
    services.set(spec.id, next);
    const touched: TableName[] = ['services'];
    for (const check of this.checksOf(node).values()) {
      if (check.serviceId !== spec.id) continue;
      this.#mapFor(this.checks, node).set(check.checkId, { ...check, serviceName: next.service, serviceTags: next.tags, modifyIndex: index });
      if (!touched.includes('checks')) touched.push('checks');
    }
    return touched;
  }

  /** Upserts a check on `node`; returns whether it changed. */
  putCheck(node: string, spec: CheckSpec, index: number): boolean {
    const checks = this.#mapFor(this.checks, node);
    const existing = checks.get(spec.checkId);
    const service = spec.serviceId === '' ? undefined : this.servicesOf(node).get(spec.serviceId);
    const next: HealthCheck = {
      node,
      checkId: spec.checkId,
      name: spec.name,
      status: spec.status,
      notes: spec.notes,
      output: spec.output,
      serviceId: spec.serviceId,
      type: spec.type,
      serviceName: service?.service ?? '',
      serviceTags: service ? [...service.tags] : [],
      createIndex: existing?.createIndex ?? index,
      modifyIndex: index,
    };
    if (existing && sameRecord(existing, next)) return false;
    checks.set(spec.checkId, next);
    return true;
  }

  deleteCheck(node: string, checkId: string): boolean {
    return this.checks.get(node)?.delete(checkId) ?? false;
  }

  /** Deletes a service and its checks; returns the ids of the checks deleted. */
  deleteService(node: string, serviceId: string): { deleted: boolean; checks: string[] } {
    const deleted = this.services.get(node)?.delete(serviceId) ?? false;
    const checks = [...this.checksOf(node).values()].filter((c) => c.serviceId === serviceId).map((c) => c.checkId);
    for (const id of checks) this.deleteCheck(node, id);
    return { deleted, checks };
  }

  deleteNode(node: string): boolean {
    this.services.delete(node);
    this.checks.delete(node);
    return this.nodes.delete(node);
  }

  /** Puts a record as it is (snapshot restore). */
  putRecord<V>(tables: Map<string, Map<string, V>>, node: string, id: string, record: V): void {
    this.#mapFor(tables, node).set(id, record);
  }

  #mapFor<V>(tables: Map<string, Map<string, V>>, node: string): Map<string, V> {
    let map = tables.get(node);
    if (!map) tables.set(node, (map = new Map()));
    return map;
  }
}

/** Equal apart from the indexes (records are plain JSON-able data). */
function sameRecord(a: { createIndex: number; modifyIndex: number }, b: { createIndex: number; modifyIndex: number }): boolean {
  return stableJson({ ...a, createIndex: 0, modifyIndex: 0 }) === stableJson({ ...b, createIndex: 0, modifyIndex: 0 });
}

/** JSON with object keys sorted, so that equal records compare equal whatever order their fields were built in. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const fields = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${fields.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
