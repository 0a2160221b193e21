// Issue 18 item 4: certificates made the Go reference's way (its tlsutil: a
// CA whose subject is only an organisation, node certificates with CN=node,
// IP SANs and no DNS SAN, keyEncipherment, SEC1 EC keys) work for shoal too,
// including the node-name check, with Go and shoal joining each other.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTlsMaterial } from '@shoal/memberlist-quic';
import { goTlsutilCertificates, startGoQuicNode } from '../harness/go-memberlist-quic-node.js';
import { ShoalNode } from '../harness/shoal-node.js';
import { quicTest, WAIT_MS } from './quic-mixed.js';

quicTest('(o) with certificates made like Go\'s tlsutil, shoal (requiring node names) and Go join each other both ways', 60_000, async (nodes) => {
  const dir = mkdtempSync(join(tmpdir(), 'shoal-quic-tlsutil-'));
  nodes.add({ stop: async () => rmSync(dir, { recursive: true, force: true }) });
  await goTlsutilCertificates(dir, ['go-o', 'shoal-o1', 'shoal-o2']);
  const files = (name: string): { caFile: string; certFile: string; keyFile: string } => ({ caFile: join(dir, 'ca.pem'), certFile: join(dir, `${name}.pem`), keyFile: join(dir, `${name}-key.pem`) });
  const shoalQuic = async (name: string): Promise<{ tls: { caPem: string; certPem: string; keyPem: string }; requireNodeName: boolean }> => {
    const material = await loadTlsMaterial(files(name));
    assert.equal(material.commonName, name);
    return { tls: { caPem: material.caPem, certPem: material.certPem, keyPem: material.keyPem }, requireNodeName: true };
  };

  const s1 = nodes.add(await ShoalNode.start({ name: 'shoal-o1', quic: await shoalQuic('shoal-o1') }));
  const go = nodes.add(await startGoQuicNode({ name: 'go-o', tls: files('go-o'), join: [s1.addr] }));
  const joined = await go.waitFor((e) => e.event === 'joined' || e.event === 'join-error', WAIT_MS, 'go-o to join shoal-o1');
  assert.equal(joined.event, 'joined', `go-o failed to join: ${joined.error}`);
  const s2 = nodes.add(await ShoalNode.start({ name: 'shoal-o2', quic: await shoalQuic('shoal-o2'), join: [go.addr] }));

  const all = ['go-o', 'shoal-o1', 'shoal-o2'];
  await s1.waitFor(() => s1.memberNames().join() === all.join(), WAIT_MS, 'shoal-o1 to list all three');
  await s2.waitFor(() => s2.memberNames().join() === all.join(), WAIT_MS, 'shoal-o2 to list all three');
  await go.waitFor(() => go.events.filter((e) => e.event === 'join').length >= 3, WAIT_MS, 'go-o to see all three');
  assert.deepEqual(await go.memberNames(), all);
  for (const s of [s1, s2]) assert.equal(s.metrics.counter('memberlist.quic.handshake.refused', { reason: 'wrong-name' }), 0);
});
