// Drives interop/memberlist-quic-node: Go memberlist 0.2.2 nodes over QUIC
// (quic-go 0.29, the Go reference's protocol) in a child process. Same event
// and command protocol as interop/memberlist-node, plus transport counters in
// `stats` and a `quic-closed` event for every connection closed with a QUIC
// transport error (a refused certificate is a CRYPTO_ERROR, 0x100 + TLS alert).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { buildGoProgram, goMissingReason } from './go-build.js';
import { type GoEvent, GoMemberlistNode } from './go-memberlist-node.js';

const run = promisify(execFile);

/** The Go libraries the program needs (Debian: golang-github-hashicorp-memberlist-dev, golang-github-lucas-clemente-quic-go-dev). */
export const GO_QUIC_LIBRARIES = ['memberlist', 'github.com/lucas-clemente/quic-go'];

export function goQuicMissingReason(): string | undefined {
  return goMissingReason(GO_QUIC_LIBRARIES);
}

export function buildGoQuicNode(): Promise<string> {
  return buildGoProgram('memberlist-quic-node', 'memberlist-quic-node');
}

export interface GoQuicNodeOptions {
  name: string;
  bind?: string;
  join?: string[];
  /** TLS files; with `nodes` > 1, a `%d` in certFile/keyFile is the node index. */
  tls: { caFile: string; certFile: string; keyFile: string };
  meta?: string;
  state?: string;
  /** Nodes in this process, named NAME-0, NAME-1, ... when more than one. */
  nodes?: number;
  pushPullMs?: number;
  /** Offer QUIC datagrams (default true). */
  datagrams?: boolean;
  verbose?: boolean;
}

export async function startGoQuicNode(options: GoQuicNodeOptions): Promise<GoMemberlistNode> {
  const bin = await buildGoQuicNode();
  const args = ['-name', options.name, '-bind', options.bind ?? '127.0.0.1:0', '-tls-ca', options.tls.caFile, '-tls-cert', options.tls.certFile, '-tls-key', options.tls.keyFile];
  if (options.join?.length) args.push('-join', options.join.join(','));
  if (options.meta) args.push('-meta', options.meta);
  if (options.state) args.push('-state', options.state);
  if (options.nodes) args.push('-nodes', String(options.nodes));
  if (options.pushPullMs !== undefined) args.push('-pushpull', String(options.pushPullMs));
  if (options.datagrams === false) args.push('-datagrams=false');
  if (options.verbose) args.push('-v');
  return GoMemberlistNode.launch(bin, args, options.name, options.nodes ?? 1);
}

/**
 * Writes DIR/ca.pem and, for each name, DIR/NAME.pem and DIR/NAME-key.pem,
 * made the way the Go reference's tlsutil makes them (CA subject O= only,
 * node CN=NAME with IP SAN 127.0.0.1 and no DNS SAN, SEC1 EC keys).
 */
export async function goTlsutilCertificates(dir: string, names: readonly string[]): Promise<void> {
  const bin = await buildGoQuicNode();
  await run(bin, ['-gen-ca', dir]);
  for (const name of names) await run(bin, ['-gen-cert', dir, '-name', name]);
}

/** The Go node's transport counters (quic.packet.sent.datagram, quic.packet.received.stream, ...). */
export async function goQuicCounters(node: GoMemberlistNode, self?: string): Promise<Record<string, number>> {
  const reply = await node.request(self ? `@${self} stats` : 'stats', 'stats');
  if (reply.event === 'error') throw new Error(`stats: ${reply.error}`);
  return reply.counters as Record<string, number>;
}

/** Connections the Go node closed itself because the peer's certificate failed its checks. */
export function goRefusals(node: GoMemberlistNode): GoEvent[] {
  return node.events.filter((e) => e.event === 'quic-closed' && e.crypto === true && e.local === true);
}
