/** Every failure of the raft wire codec: one class, a stable code per cause. */
import { RaftError } from '../../errors.js';

export type WireErrorCode =
  /** The stream holds something that is not a well-formed message of the expected type. */
  | 'ERR_WIRE_MALFORMED'
  /** A request byte the configured generation does not know (Go drops the connection). */
  | 'ERR_WIRE_UNKNOWN_RPC'
  /** A message, or a length it claims, beyond the configured maximum. */
  | 'ERR_WIRE_TOO_LARGE'
  /** Asked to send an RPC the peer's generation cannot parse. */
  | 'ERR_WIRE_UNSUPPORTED';

export class WireError extends RaftError {
  declare readonly code: WireErrorCode;
  constructor(code: WireErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
