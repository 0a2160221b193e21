/**
 * @shoal/memberlist-quic: a QUIC transport with mutual TLS for
 * @shoal/memberlist (issue 18). The package is being built; nothing is
 * exported yet.
 */
export {};
