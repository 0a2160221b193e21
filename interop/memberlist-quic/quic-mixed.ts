// Scaffolding of the mixed Go/shoal suite over QUIC: the Go program (built
// before any scenario's clock starts), one set of certificates per test file
// (a cluster CA and an unrelated one), and starters that give each node a
// certificate named after it.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { GoMemberlistNode } from '../harness/go-memberlist-node.js';
import { buildGoQuicNode, goQuicMissingReason, type GoQuicNodeOptions, startGoQuicNode } from '../harness/go-memberlist-quic-node.js';
import { type CaChoice, QuicCerts } from '../harness/quic-certs.js';
import { type Nodes, scenarioTest, WAIT_MS } from '../harness/scenario.js';
import { ShoalMemberProcess } from '../harness/shoal-member-process.js';
import { ShoalNode, type ShoalNodeOptions } from '../harness/shoal-node.js';

export { DETECT_MS, noiseText, sendUntilSeen, WAIT_MS } from '../harness/scenario.js';

const missing = goQuicMissingReason();

let certs: QuicCerts | undefined;
if (missing === undefined) {
  // A cold build of quic-go and memberlist takes 30-60 s.
  before(async () => {
    await buildGoQuicNode();
    certs = await QuicCerts.create();
  }, { timeout: 300_000 });
  after(() => certs?.remove());
}

export const quicTest = scenarioTest(missing);

function ready(): QuicCerts {
  if (!certs) throw new Error('certificates not created (before hook failed?)');
  return certs;
}

/** An in-process shoal node over QUIC, with a certificate for `name` from `ca`. */
export async function startShoal(options: ShoalNodeOptions & { ca?: CaChoice; datagrams?: boolean }): Promise<ShoalNode> {
  const files = await ready().node(options.name, options.ca);
  return ShoalNode.start({ ...options, quic: { tls: files.pem, ...(options.datagrams === false ? { datagrams: false } : {}) } });
}

/** A `shoal member --transport quic` process (for the node that is SIGKILLed). */
export async function startShoalProcess(name: string, join: string[]): Promise<ShoalMemberProcess> {
  const files = await ready().node(name);
  return ShoalMemberProcess.start({ name, join, quicTls: files });
}

/** Go nodes in one process; with `nodes` > 1 each of NAME-0, NAME-1, ... gets its own certificate. */
export async function startGo(options: Omit<GoQuicNodeOptions, 'tls'> & { ca?: CaChoice; trust?: CaChoice }): Promise<GoMemberlistNode> {
  const count = options.nodes ?? 1;
  let tls;
  if (count === 1) tls = await ready().node(options.name, options.ca, options.trust);
  else {
    for (let i = 0; i < count; i++) tls = await ready().node(`${options.name}-${i}`, options.ca, options.trust);
    tls = { caFile: tls!.caFile, certFile: `${ready().dir}/${options.name}-%d.pem`, keyFile: `${ready().dir}/${options.name}-%d-key.pem` };
  }
  return startGoQuicNode({ ...options, tls });
}

/** A shoal node and a Go node that joined it (Go initiating). */
export async function joinedPair(nodes: Nodes, suffix: string, options: { goState?: string; shoalState?: string; goDatagrams?: boolean } = {}): Promise<{ go: GoMemberlistNode; shoal: ShoalNode }> {
  const shoal = nodes.add(await startShoal({ name: `shoal-${suffix}`, ...(options.shoalState ? { state: options.shoalState } : {}) }));
  const go = nodes.add(await startGo({ name: `go-${suffix}`, join: [shoal.addr], ...(options.goState ? { state: options.goState } : {}), ...(options.goDatagrams === false ? { datagrams: false } : {}) }));
  const joined = await go.waitFor((e) => e.event === 'joined' || e.event === 'join-error', WAIT_MS, `go-${suffix} to join`);
  assert.equal(joined.event, 'joined', `go-${suffix} failed to join: ${joined.error}`);
  await shoal.waitFor((e) => e.event === 'join' && e.node === `go-${suffix}`, WAIT_MS, `shoal-${suffix} to see go-${suffix}`);
  return { go, shoal };
}
