/**
 * @shoal/memberlist-quic: a QUIC transport with mutual TLS for
 * @shoal/memberlist (issue 18): the transport, the TLS identity tooling and
 * the QUIC engine under the transport.
 */
export {
  createCa,
  createNodeCertificate,
  DEFAULT_CA_COMMON_NAME,
  DEFAULT_CA_DAYS,
  DEFAULT_NODE_DAYS,
  loadTlsMaterial,
  MAX_DAYS,
  MAX_PEER_CHAIN_LENGTH,
  MAX_PEM_FILE_BYTES,
  parseCertificatePem,
  parseCertificatesPem,
  parsePrivateKeyPem,
  parseTlsMaterial,
  TlsMaterialError,
  verifyPeerCertificate,
  type CertificatePem,
  type CreateCaOptions,
  type CreateNodeCertificateOptions,
  type ParseTlsMaterialOptions,
  type PeerCertificateRejection,
  type PeerCertificateVerdict,
  type TlsKeyPurpose,
  type TlsMaterial,
  type TlsMaterialErrorCode,
  type TlsMaterialFiles,
  type TlsMaterialPem,
  type VerifyPeerCertificateOptions,
} from './tls/index.js';
export * from './engine/index.js';
/** memberlist's Transport over QUIC; its wire rules (framing, tie-break) stay internal. */
export { QuicTransport, type AppStreamHandler, type AppStreamInfo, type QuicConnectionInfo } from './transport/quic-transport.js';
export { QUIC_TRANSPORT_DEFAULTS, type QuicTransportConfig, type QuicTransportTls } from './transport/config.js';
export { ALPN_MEMBERLIST, ALPN_SHOAL } from './transport/framing.js';
