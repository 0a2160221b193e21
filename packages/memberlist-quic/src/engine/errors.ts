import { ShoalError } from '@shoal/kit';

/** TLS alert names for the alerts a handshake can end with (RFC 8446 §6). */
const ALERTS: Record<number, string> = {
  0: 'close_notify', 10: 'unexpected_message', 40: 'handshake_failure', 42: 'bad_certificate',
  43: 'unsupported_certificate', 44: 'certificate_revoked', 45: 'certificate_expired',
  46: 'certificate_unknown', 47: 'illegal_parameter', 48: 'unknown_ca', 49: 'access_denied',
  50: 'decode_error', 51: 'decrypt_error', 70: 'protocol_version', 80: 'internal_error',
  116: 'certificate_required', 120: 'no_application_protocol',
};

/** QUIC's CRYPTO_ERROR range: 0x100 + TLS alert. */
export const CRYPTO_ERROR_BASE = 0x100;

/** Describes a QUIC transport error code (crypto errors by their TLS alert). */
export function describeTransportCode(code: number): string {
  if (code >= CRYPTO_ERROR_BASE && code <= 0x1ff) {
    const alert = code - CRYPTO_ERROR_BASE;
    return `tls alert ${ALERTS[alert] ?? alert}`;
  }
  return `transport error 0x${code.toString(16)}`;
}

/**
 * A handshake that did not produce a connection. `by` says who refused:
 * 'local' (our verifyPeer hook or our TLS stack), 'peer' (the peer closed it),
 * 'timeout'. `code` is the QUIC error code (0x100 + alert for TLS).
 */
export class QuicHandshakeError extends ShoalError {
  constructor(
    readonly by: 'local' | 'peer' | 'timeout',
    readonly transportCode: number,
    readonly reason: string,
    readonly remote: string,
  ) {
    super('ERR_QUIC_HANDSHAKE', `QUIC handshake with ${remote} failed (${by}): ${reason}`);
  }
}

/** The connection is closed; pending and later operations fail with this. */
export class QuicConnectionClosedError extends ShoalError {
  constructor(readonly reason: string) {
    super('ERR_QUIC_CLOSED', `QUIC connection closed: ${reason}`);
  }
}

/** The peer reset the stream (RESET_STREAM) or asked us to stop sending (STOP_SENDING). */
export class QuicStreamResetError extends ShoalError {
  constructor(readonly streamId: number, readonly errorCode: number, readonly direction: 'read' | 'write') {
    super('ERR_QUIC_STREAM_RESET', `QUIC stream ${streamId} ${direction === 'read' ? 'reset' : 'stopped'} by peer, code ${errorCode}`);
  }
}

/** The engine is closed. */
export class QuicEngineClosedError extends ShoalError {
  constructor() {
    super('ERR_QUIC_ENGINE_CLOSED', 'QUIC engine closed');
  }
}
