import type { ListPeer } from './implementation.js';
import type { RandomOptions } from './random-options.js';
import { RandomPicker } from './random-picker.js';

/**
 * Power of two choices on pending requests (yarpc tworandomchoices): draw two
 * distinct peers uniformly, take the one with fewer pending requests, the first
 * on a tie. O(1); the pending count is the list's own, read from the peer.
 */
export class TwoRandomChoices extends RandomPicker {
  override choose(_key: string | undefined): ListPeer | undefined {
    const peers = this.peers;
    const n = peers.length;
    if (n <= 1) return peers[0];
    const index = this.index;
    const i = index.next(n);
    // The second draw skips the first, so the pair is always distinct and uniform.
    let j = index.next(n - 1);
    if (j >= i) j++;
    const a = peers[i]!;
    const b = peers[j]!;
    return b.pending < a.pending ? b : a;
  }
}

export function twoRandomChoices(options?: RandomOptions): TwoRandomChoices {
  return new TwoRandomChoices(options);
}
