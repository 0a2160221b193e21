import { freshSeed } from '../random-options.js';

/** The seed for a randomized test: PEERLIST_SEED if set (to replay), else a fresh one. */
export function testSeed(): number {
  const fromEnv = process.env['PEERLIST_SEED'];
  return fromEnv !== undefined ? Number(fromEnv) : freshSeed();
}

/** Runs `body`; on failure, prefixes the error with the seed and how to replay it. */
export async function withSeed(seed: number, body: (seed: number) => void | Promise<void>): Promise<void> {
  try {
    await body(seed);
  } catch (error) {
    if (error instanceof Error) error.message = `[seed ${seed}; replay with PEERLIST_SEED=${seed}] ${error.message}`;
    throw error;
  }
}
