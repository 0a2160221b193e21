import type { ListPeer } from './implementation.js';
import type { RandomOptions } from './random-options.js';
import { RandomPicker } from './random-picker.js';

/** Uniformly random choice among available peers (yarpc randpeer). O(1). */
export class RandomPeer extends RandomPicker {
  override choose(_key: string | undefined): ListPeer | undefined {
    const peers = this.peers;
    const n = peers.length;
    if (n === 0) return undefined;
    return peers[this.index.next(n)];
  }
}

export function randomPeer(options?: RandomOptions): RandomPeer {
  return new RandomPeer(options);
}
