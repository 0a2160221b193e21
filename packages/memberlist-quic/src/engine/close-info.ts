// Why a connection ended, read from quiche's error state: the typed error of
// a failed handshake, and the close info of an established connection.
import { CRYPTO_ERROR_BASE, describeTransportCode, QuicHandshakeError } from './errors.js';
import type { NativeConnection } from './native.js';
import type { QuicCloseInfo } from './types.js';

const decoder = new TextDecoder();

/** The handshake ended without a connection: who ended it and why. */
export function handshakeFailure(conn: NativeConnection, remote: string): QuicHandshakeError {
  const peer = conn.peerError();
  const local = conn.localError();
  if (peer != null) {
    const reason = decoder.decode(peer.reason) || describeTransportCode(peer.errorCode);
    return new QuicHandshakeError('peer', peer.errorCode, peer.isApp ? `application close ${peer.errorCode}: ${reason}` : reason, remote);
  }
  if (local != null) {
    const reason = decoder.decode(local.reason) || describeTransportCode(local.errorCode);
    return new QuicHandshakeError('local', local.errorCode, reason, remote);
  }
  if (conn.isTimedOut()) return new QuicHandshakeError('timeout', 0, 'handshake idle timeout', remote);
  return new QuicHandshakeError('local', 0, 'connection closed during handshake', remote);
}

/** How an established connection closed. */
export function closeInfoOf(conn: NativeConnection): QuicCloseInfo {
  const peer = conn.peerError();
  if (peer != null) return { initiator: 'peer', isApp: peer.isApp, code: peer.errorCode, reason: decoder.decode(peer.reason) };
  if (conn.isTimedOut()) return { initiator: 'idle-timeout', isApp: false, code: 0, reason: 'idle timeout' };
  const local = conn.localError();
  return { initiator: 'local', isApp: local?.isApp ?? false, code: local?.errorCode ?? 0, reason: local ? decoder.decode(local.reason) : '' };
}

/** The peer refused our certificate right after the handshake (a client verifies last): a TLS alert in a transport close. */
export function refusedByPeer(info: QuicCloseInfo, remote: string): QuicHandshakeError | null {
  if (info.initiator !== 'peer' || info.isApp || info.code < CRYPTO_ERROR_BASE || info.code > 0x1ff) return null;
  return new QuicHandshakeError('peer', info.code, info.reason || describeTransportCode(info.code), remote);
}
