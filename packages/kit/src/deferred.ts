/** A promise with its resolve and reject exposed: the building block for futures. */
export class Deferred<T> {
  readonly promise: Promise<T>;
  #resolve!: (value: T | PromiseLike<T>) => void;
  #reject!: (reason: unknown) => void;
  #settled = false;

  constructor() {
    this.promise = new Promise<T>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // A caller that drops the promise must not cause an unhandled rejection;
    // whoever awaits it still sees the rejection.
    this.promise.catch(() => undefined);
  }

  /** True once resolve or reject has been called. */
  get settled(): boolean {
    return this.#settled;
  }

  /** Resolves unless already settled; returns whether this call settled it. */
  resolve(value: T): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    this.#resolve(value);
    return true;
  }

  /** Rejects unless already settled; returns whether this call settled it. */
  reject(reason: unknown): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    this.#reject(reason);
    return true;
  }
}
