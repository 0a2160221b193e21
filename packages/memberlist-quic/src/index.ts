/**
 * @shoal/memberlist-quic: a QUIC transport with mutual TLS for
 * @shoal/memberlist (issue 18). The package is being built; for now it
 * exports the QUIC engine (the layer under the transport).
 */
export * from './engine/index.js';
