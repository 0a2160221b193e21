/**
 * An AppendPipeline for transports whose RPCs are independent promises: at
 * most `max` requests in flight, answers released strictly in send order
 * (what Go's pipeline decoder guarantees by reading one connection in order).
 */
import type { Clock } from '@shoal/kit';
import type { AppendEntriesRequest, AppendEntriesResponse } from '../commands.js';
import { PipelineShutdownError } from '../errors.js';
import type { AppendFuture, AppendPipeline } from './transport.js';

export class OrderedPipeline implements AppendPipeline {
  readonly target: string;
  readonly #send: (req: AppendEntriesRequest) => Promise<AppendEntriesResponse>;
  readonly #max: number;
  readonly #clock: Clock;
  readonly #onClose: () => void;
  #inFlight = 0;
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;
  readonly #waiters: (() => void)[] = [];
  readonly #rejectors = new Set<(e: unknown) => void>();

  constructor(send: (req: AppendEntriesRequest) => Promise<AppendEntriesResponse>, target: string, max: number, clock: Clock, onClose: () => void = () => {}) {
    this.#send = send;
    this.target = target;
    this.#max = Math.max(1, max);
    this.#clock = clock;
    this.#onClose = onClose;
  }

  async appendEntries(req: AppendEntriesRequest): Promise<AppendFuture> {
    while (this.#inFlight >= this.#max && !this.#closed) await new Promise<void>((r) => this.#waiters.push(r));
    if (this.#closed) throw new PipelineShutdownError();
    this.#inFlight++;
    const startMs = this.#clock.now();
    const raw = this.#send(req);
    raw.catch(() => undefined);
    const previous = this.#tail;
    const response = new Promise<AppendEntriesResponse>((resolve, reject) => {
      this.#rejectors.add(reject);
      previous
        .then(() => raw)
        .then(resolve, reject)
        .finally(() => {
          this.#rejectors.delete(reject);
          this.#inFlight--;
          this.#waiters.shift()?.();
        });
    });
    response.catch(() => undefined);
    this.#tail = response.catch(() => undefined);
    return { startMs, request: req, response };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose();
    for (const reject of this.#rejectors) reject(new PipelineShutdownError());
    for (const w of this.#waiters.splice(0)) w();
  }
}
