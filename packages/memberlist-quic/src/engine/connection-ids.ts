// Random connection IDs, drawn from blocks of random bytes: a randomFillSync
// call cost 3–12 µs here (hot loop to handshake profile) almost whatever the
// size, and every handshake needs an ID on each side.
import { randomFillSync } from 'node:crypto';

export class ConnectionIdSource {
  #block = Buffer.alloc(0);
  #used = 0;

  constructor(
    readonly length: number,
    readonly perBlock = 256,
  ) {}

  /** A fresh ID. Its bytes are never reused: a new block replaces a used-up one (IDs handed out may still be views of the old). */
  next(): Buffer {
    if (this.#used + this.length > this.#block.length) {
      this.#block = randomFillSync(Buffer.allocUnsafe(this.length * this.perBlock));
      this.#used = 0;
    }
    const id = this.#block.subarray(this.#used, this.#used + this.length);
    this.#used += this.length;
    return id;
  }
}
