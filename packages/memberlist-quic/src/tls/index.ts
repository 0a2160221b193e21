/** TLS identity for memberlist-quic: certificate tooling like Go's tlsutil, and peer verification. */
export { TlsMaterialError, type TlsMaterialErrorCode } from './errors.js';
export {
  createCa,
  createNodeCertificate,
  DEFAULT_CA_COMMON_NAME,
  DEFAULT_CA_DAYS,
  DEFAULT_NODE_DAYS,
  MAX_DAYS,
  type CertificatePem,
  type CreateCaOptions,
  type CreateNodeCertificateOptions,
} from './create.js';
export { parseCertificatePem, parseCertificatesPem, parsePrivateKeyPem } from './pem.js';
export { parseTlsMaterial, type ParseTlsMaterialOptions, type TlsMaterial, type TlsMaterialPem } from './material.js';
export { loadTlsMaterial, MAX_PEM_FILE_BYTES, type TlsMaterialFiles } from './load-real.js';
export {
  MAX_PEER_CHAIN_LENGTH,
  verifyPeerCertificate,
  type PeerCertificateRejection,
  type PeerCertificateVerdict,
  type TlsKeyPurpose,
  type VerifyPeerCertificateOptions,
} from './verify.js';
