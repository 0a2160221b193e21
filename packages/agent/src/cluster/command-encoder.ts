// How a Command becomes the bytes of a raft log entry: the state store's
// codec, injected, so the cluster layer never depends on the store's format.

import type { Command } from '../state/commands.js';

export interface CommandEncoder {
  encode(command: Command): Uint8Array;
}
