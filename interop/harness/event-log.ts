// An append-only log of events from one node (a child process or an
// in-process member), with bounded waits for the first event matching a
// predicate. Shared by the Go, `shoal member` and in-process node drivers.

/** The JSON-line event shape every driver reports (Go program, `shoal member`, in-process). */
export interface MemberEvent {
  event: string;
  /** The reporting node (Go program and in-process nodes set it). */
  self?: string;
  node?: string;
  addr?: string;
  meta?: string;
  /** alive | suspect | dead | left, on join/leave/update events where the driver can tell. */
  state?: string;
  data?: string;
  join?: boolean;
  error?: string;
  /** Wall-clock ms when the event happened (as the reporting process saw it). */
  t?: number;
  [key: string]: unknown;
}

export class EventLog<E extends object = MemberEvent> {
  readonly events: E[] = [];
  readonly #waiters = new Set<() => void>();
  #closedBecause: string | undefined;
  /** Extra context for timeout messages (stderr tail, recent logs). */
  readonly #context: () => string;

  constructor(context: () => string = () => '') {
    this.#context = context;
  }

  push(event: E): void {
    this.events.push(event);
    for (const wake of [...this.#waiters]) wake();
  }

  /** No more events will come (the process exited): pending and later waits fail at once. */
  close(reason: string): void {
    this.#closedBecause ??= reason;
    for (const wake of [...this.#waiters]) wake();
  }

  get closed(): boolean {
    return this.#closedBecause !== undefined;
  }

  /**
   * Resolves with the first event at index >= `from` (already seen or future)
   * matching `predicate`; rejects after `timeoutMs`, or when the log closes,
   * naming `what` and the last events.
   */
  waitFor(predicate: (e: E) => boolean, timeoutMs: number, what: string, from = 0): Promise<E> {
    return new Promise((resolve, reject) => {
      let scanned = from;
      const check = (): boolean => {
        for (; scanned < this.events.length; scanned++) {
          const e = this.events[scanned]!;
          if (predicate(e)) {
            cleanup();
            resolve(e);
            return true;
          }
        }
        if (this.#closedBecause !== undefined) {
          cleanup();
          reject(new Error(`${this.#closedBecause} before ${what}; ${this.describe()}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; ${this.describe()}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      if (!check()) this.#waiters.add(check);
    });
  }

  /** The last few events and any driver context, for failure messages. */
  describe(last = 8): string {
    const context = this.#context();
    const abbreviated = JSON.stringify(this.events.slice(-last), (_key, value: unknown) =>
      typeof value === 'string' && value.length > 200 ? `${value.slice(0, 200)}…(${value.length} chars)` : value);
    return `last events: ${abbreviated}${context ? `; ${context}` : ''}`;
  }
}

/**
 * Polls `probe` until it reports ok, at most `timeoutMs`: for conditions that
 * are states rather than events ("every node lists 6 members"). The failure
 * message carries the last observation.
 */
export async function eventually(probe: () => Promise<{ ok: boolean; detail: string }> | { ok: boolean; detail: string }, timeoutMs: number, what: string, intervalMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let detail = 'never observed';
  for (;;) {
    try {
      const r = await probe();
      if (r.ok) return;
      detail = r.detail;
    } catch (error) {
      detail = `probe failed: ${(error as Error).message}`;
    }
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last observation: ${detail}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
