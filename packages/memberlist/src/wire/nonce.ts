import { secureRandomBytes } from '@shoal/kit';
import type { RandomBytes } from './security.js';

/**
 * A RandomBytes source that draws from the OS CSPRNG in 4 KiB blocks and hands
 * out copies: one syscall per ~340 nonces instead of one per packet.
 */
export function pooledSecureRandom(blockSize = 4096, source: RandomBytes = secureRandomBytes): RandomBytes {
  let pool: Uint8Array = new Uint8Array(0);
  let at = 0;
  return (n: number): Uint8Array => {
    if (n > blockSize) return source(n);
    if (at + n > pool.length) {
      pool = source(blockSize);
      at = 0;
    }
    const out = pool.slice(at, at + n);
    pool.fill(0, at, at + n); // handed-out bytes do not linger in the pool
    at += n;
    return out;
  };
}

/** The default nonce source of the packet and stream encoders. */
export const defaultNonceSource: RandomBytes = pooledSecureRandom();
