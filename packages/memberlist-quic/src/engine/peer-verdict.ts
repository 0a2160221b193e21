// The JS verifyPeer hook's verdict on a peer's chain, with the QUIC close
// code a refusal is sent with.
import { CRYPTO_ERROR_BASE } from './errors.js';
import type { VerifyInfo, VerifyPeer } from './types.js';

/** A refused peer: why, and QUIC's CRYPTO_ERROR for the TLS alert. */
export interface PeerRefusal {
  reason: string;
  code: number;
}

/**
 * Runs the hook: null when it accepts the chain. A hook that throws refuses
 * with internal_error (80); a refusal that names no alert sends
 * bad_certificate (42).
 */
export function peerRefusal(verifyPeer: VerifyPeer, chain: readonly Uint8Array[], info: VerifyInfo): PeerRefusal | null {
  let result;
  try {
    result = verifyPeer(chain, info);
  } catch (e) {
    return { reason: `verifyPeer threw: ${(e as Error).message}`, code: CRYPTO_ERROR_BASE + 80 };
  }
  if (result.ok) return null;
  return { reason: result.reason, code: CRYPTO_ERROR_BASE + (result.alert ?? 42) };
}
