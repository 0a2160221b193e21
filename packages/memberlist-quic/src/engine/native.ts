// The one import of @matrixai/quic's native quiche binding (napi-rs). Only
// the binding is used: none of the package's JS (sockets, locks, timers).
import quiche from '@matrixai/quic/native/quiche.js';
import type { Config, Connection, RecvInfo, Host } from '@matrixai/quic/native/types.js';

export { quiche };
export type { Config as NativeConfig, Connection as NativeConnection, RecvInfo as NativeRecvInfo, Host as NativeHostPort };

/** quiche's Shutdown enum values. */
export const SHUTDOWN_READ = 0;
export const SHUTDOWN_WRITE = 1;

/** The error code inside a quiche "StreamReset(n)" / "StreamStopped(n)" error, or null. */
export function streamErrorCode(e: unknown, kind: 'StreamReset' | 'StreamStopped'): number | null {
  const msg = (e as Error | undefined)?.message;
  if (typeof msg !== 'string' || !msg.startsWith(kind + '(')) return null;
  const n = Number(msg.slice(kind.length + 1, -1));
  return Number.isFinite(n) ? n : 0;
}

const SIGALGS = [
  'ecdsa_secp256r1_sha256', 'ecdsa_secp384r1_sha384', 'ecdsa_secp521r1_sha512', 'ed25519',
  'rsa_pss_rsae_sha256', 'rsa_pss_rsae_sha384', 'rsa_pss_rsae_sha512',
  'rsa_pkcs1_sha256', 'rsa_pkcs1_sha384', 'rsa_pkcs1_sha512',
].join(':');

export interface NativeConfigOptions {
  cert: string;
  key: string;
  alpn: readonly string[];
  idleTimeoutMs: number;
  maxUdpPayload: number;
  datagrams: boolean;
  maxStreamsBidi: number;
  maxStreamsUni: number;
  streamWindow: number;
  connectionWindow: number;
}

/**
 * A quiche Config with TLS 1.3 and a peer certificate required on both sides,
 * but with native chain failures allowed: the JS verifyPeer hook decides.
 * BoringSSL gets no CA, so its chain check fails at once on the missing
 * issuer instead of checking the peer's signature (the hook checks it, once
 * per peer certificate): in 300 sequential handshakes between two engines,
 * ~0.15 ms of CPU per handshake (both ends) less, about a tenth.
 */
export function buildNativeConfig(o: NativeConfigOptions): Config {
  const enc = new TextEncoder();
  const cfg = quiche.Config.withBoringSslCtx(true, true, null, [enc.encode(o.key)], [enc.encode(o.cert)], SIGALGS);
  cfg.grease(true);
  cfg.setMaxIdleTimeout(o.idleTimeoutMs);
  cfg.setMaxRecvUdpPayloadSize(o.maxUdpPayload);
  cfg.setMaxSendUdpPayloadSize(o.maxUdpPayload);
  cfg.setInitialMaxData(o.connectionWindow);
  cfg.setInitialMaxStreamDataBidiLocal(o.streamWindow);
  cfg.setInitialMaxStreamDataBidiRemote(o.streamWindow);
  cfg.setInitialMaxStreamDataUni(o.streamWindow);
  cfg.setInitialMaxStreamsBidi(o.maxStreamsBidi);
  cfg.setInitialMaxStreamsUni(o.maxStreamsUni);
  cfg.setMaxStreamWindow(Math.max(o.streamWindow, 16 * 1024 * 1024));
  cfg.setMaxConnectionWindow(Math.max(o.connectionWindow, 24 * 1024 * 1024));
  cfg.enableDgram(o.datagrams, 1024, 1024);
  cfg.setDisableActiveMigration(true);
  cfg.setApplicationProtos([...o.alpn]);
  return cfg;
}
