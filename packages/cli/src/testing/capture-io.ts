// The IO of an in-process `shoal` run (main() with it), captured as text for
// the tests to read. Not shipped.
import type { CommandIO } from '../command.js';

export interface CapturedIO {
  readonly io: CommandIO;
  /** Standard output so far. */
  readonly out: string;
  /** Standard error so far. */
  readonly err: string;
}

export function captureIo(signal = new AbortController().signal): CapturedIO {
  let out = '';
  let err = '';
  return {
    io: { out: (t: string) => void (out += t), err: (t: string) => void (err += t), signal },
    get out() {
      return out;
    },
    get err() {
      return err;
    },
  };
}
