// This agent's own services and checks (Consul's local state), and the TTL
// timers of its checks: a TTL check not updated within its TTL turns critical.
// Anti-entropy copies this state into the catalog.
import type { Clock, Timer } from '@shoal/kit';
import type { CheckSpec, ServiceSpec } from '../state/commands.js';
import type { HealthStatus } from '../state/records.js';

export interface LocalCheck {
  readonly spec: CheckSpec;
  /** 0: no TTL (the check changes only when told to). */
  readonly ttlMs: number;
}

export const TTL_EXPIRED_OUTPUT = 'TTL expired';

export class LocalState {
  readonly #clock: Clock;
  readonly #services = new Map<string, ServiceSpec>();
  readonly #checks = new Map<string, LocalCheck>();
  readonly #timers = new Map<string, Timer>();
  readonly #listeners = new Set<() => void>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  services(): ReadonlyMap<string, ServiceSpec> {
    return this.#services;
  }

  checks(): ReadonlyMap<string, LocalCheck> {
    return this.#checks;
  }

  /** Calls `listener` after every change; returns an unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Adds or replaces a service with its checks (the service's old checks go). */
  addService(service: ServiceSpec, checks: readonly LocalCheck[]): void {
    for (const c of [...this.#checks.values()]) if (c.spec.serviceId === service.id) this.#dropCheck(c.spec.checkId);
    this.#services.set(service.id, service);
    for (const c of checks) this.#putCheck(c);
    this.#changed();
  }

  /** Removes a service and its checks; false when there is none. */
  removeService(id: string): boolean {
    if (!this.#services.delete(id)) return false;
    for (const c of [...this.#checks.values()]) if (c.spec.serviceId === id) this.#dropCheck(c.spec.checkId);
    this.#changed();
    return true;
  }

  /** Sets a check's status and output and restarts its TTL; false when there is no such check. */
  updateCheck(checkId: string, status: HealthStatus, output: string): boolean {
    const check = this.#checks.get(checkId);
    if (!check) return false;
    this.#putCheck({ ...check, spec: { ...check.spec, status, output } });
    this.#changed();
    return true;
  }

  /** Stops every TTL timer. */
  close(): void {
    for (const t of this.#timers.values()) t.cancel();
    this.#timers.clear();
  }

  #putCheck(check: LocalCheck): void {
    this.#checks.set(check.spec.checkId, check);
    this.#timers.get(check.spec.checkId)?.cancel();
    if (check.ttlMs > 0) this.#timers.set(check.spec.checkId, this.#clock.after(check.ttlMs, () => this.#expire(check.spec.checkId)));
  }

  #expire(checkId: string): void {
    const check = this.#checks.get(checkId);
    if (!check) return;
    this.#checks.set(checkId, { ...check, spec: { ...check.spec, status: 'critical', output: TTL_EXPIRED_OUTPUT } });
    this.#timers.delete(checkId);
    this.#changed();
  }

  #dropCheck(checkId: string): void {
    this.#checks.delete(checkId);
    this.#timers.get(checkId)?.cancel();
    this.#timers.delete(checkId);
  }

  #changed(): void {
    for (const l of this.#listeners) l();
  }
}
