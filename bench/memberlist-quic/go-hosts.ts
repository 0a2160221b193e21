// The Go reference as an oracle for the cluster rows: one Go memberlist 0.2.2
// node per process, over the Go QUIC transport of the reference design
// (interop/memberlist-quic-node: quic-go 0.29, mutual TLS) or over Go's own
// NetTransport (interop/memberlist-node), with Go's DefaultLocalConfig as the
// shoal rows use shoal's (the same intervals). Both programs run without what
// only the interop tests need (the close tracer, the in-memory metrics sink),
// so neither pays for instrumentation the other lacks.
import { buildGoProgram, goMissingReason } from '../../interop/harness/go-build.js';
import { buildGoQuicNode, goQuicMissingReason } from '../../interop/harness/go-memberlist-quic-node.js';
import type { LaunchSpec } from '../memberlist-cluster/host.js';
import type { ClusterTransport } from './cluster.js';

/** PEM files of one node (the CA's and its own). */
export interface NodeCertFiles {
  ca: string;
  cert: string;
  key: string;
}

/** Builds the Go program of a transport (cached under interop/bin) and returns how to start one node of it. */
export async function goNodeLauncher(kind: ClusterTransport): Promise<(name: string, certs: NodeCertFiles | undefined) => LaunchSpec> {
  const missing = kind === 'quic' ? goQuicMissingReason() : goMissingReason();
  if (missing !== undefined) throw new Error(missing);
  if (kind === 'net') {
    const bin = await buildGoProgram('memberlist-node', 'memberlist-node');
    return (name) => ({ command: bin, args: ['-name', name, '-bind', '127.0.0.1:0', '-profile', 'local', '-metrics=false'] });
  }
  const bin = await buildGoQuicNode();
  return (name, certs) => {
    if (certs === undefined) throw new Error('a Go QUIC node needs certificate files');
    return { command: bin, args: ['-name', name, '-bind', '127.0.0.1:0', '-close-events=false', '-tls-ca', certs.ca, '-tls-cert', certs.cert, '-tls-key', certs.key] };
  };
}

/** The quic-go handshake program: memberlist-quic-node in its -handshakes mode. */
export async function goHandshakeCommand(n: number, certs: NodeCertFiles): Promise<LaunchSpec> {
  const missing = goQuicMissingReason();
  if (missing !== undefined) throw new Error(missing);
  const bin = await buildGoQuicNode();
  return { command: bin, args: ['-handshakes', String(n), '-tls-ca', certs.ca, '-tls-cert', certs.cert, '-tls-key', certs.key] };
}
