// Smoke test of the Go rows of bench/memberlist-quic.ts: Go memberlist nodes,
// one per process, over quic-go and over the NetTransport, driven as the
// bench drives them (join the seed at once, settle, idle window, SIGKILL),
// give complete rows; the quic-go handshake program reports its count; the
// parser of its result line takes only a well-formed line; and the views that
// the per-process rows' figures come from.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { killAllHosts } from '../../bench/memberlist-cluster/host.js';
import { runClusterProcesses } from '../../bench/memberlist-quic/cluster-processes.js';
import type { ClusterRow, ClusterTransport } from '../../bench/memberlist-quic/cluster.js';
import { handshakeRows, parseGoHandshakes } from '../../bench/memberlist-quic/handshakes.js';
import { Views } from '../../bench/memberlist-quic/views.js';
import { makeCa } from '../../packages/memberlist-quic/src/engine/testing/certs.js';
import { buildGoQuicNode, goQuicMissingReason } from '../harness/go-memberlist-quic-node.js';

const missing = goQuicMissingReason();
process.on('exit', killAllHosts);

function assertRow(row: ClusterRow, transport: ClusterTransport): void {
  const shown = JSON.stringify(row);
  assert.equal(row.impl, 'go', shown);
  assert.equal(row.transport, transport, shown);
  assert.equal(row.layout, 'per-process', shown);
  assert.equal(row.nodes, 4, shown);
  assert.equal(row.killed, 1, shown);
  assert.ok(row.converge_ms >= 0 && row.converge_ms < 30_000, `convergence measured: ${shown}`);
  assert.ok(row.converge_95_ms !== undefined && row.converge_95_ms <= row.converge_ms, `most views complete no later than all: ${shown}`);
  assert.ok(row.converge_95_cpu_ms !== undefined && row.converge_95_cpu_ms >= 0, `CPU to most views measured: ${shown}`);
  assert.ok(row.converge_cpu_ms >= 0, `join CPU measured: ${shown}`);
  // No failure is detected before a probe interval (1 s) and the suspicion timeout have passed.
  assert.ok(row.detect_ms > 1000 && row.detect_ms < 30_000, `detection measured: ${shown}`);
  assert.ok(row.steady_cpu_ms_per_node_s > 0, `the processes' CPU was read: ${shown}`);
}

test(missing ? `bench Go rows (skipped: ${missing})` : 'bench Go rows: 4-node Go clusters over QUIC and over the NetTransport, one node per process, give complete rows', { skip: missing !== undefined, timeout: 300_000 }, async () => {
  await buildGoQuicNode(); // a cold build takes most of a minute; the clusters' clocks start after it
  const ca = await makeCa('bench-go-rows');
  const o = { nodes: 4, kill: 1, settleMs: 0, windowMs: 1000, timeoutMs: 30_000 };
  const [quic, net] = await Promise.all([runClusterProcesses('quic', ca, o, 'go'), runClusterProcesses('net', ca, o, 'go')]);
  assertRow(quic, 'quic');
  assertRow(net, 'net');
});

test(missing ? `bench handshake row, quic-go (skipped: ${missing})` : 'bench handshake row: quic-go completes the handshakes asked for and reports their CPU', { skip: missing !== undefined, timeout: 300_000 }, async () => {
  const [row] = await handshakeRows(await makeCa('bench-handshakes'), 10, ['quic-go']);
  assert.equal(row?.impl, 'quic-go');
  assert.equal(row?.n, 10);
  assert.ok(typeof row?.cpu_ms_per_handshake === 'number' && row.cpu_ms_per_handshake > 0, JSON.stringify(row));
});

test('parseGoHandshakes: the result line among others; a line of the wrong shape is no result', () => {
  const line = '{"cpu_ms":346.5,"event":"handshakes","n":200,"wall_ms":355.8}';
  assert.deepEqual(parseGoHandshakes(`noise\n{"event":"ready"}\n${line}\n`), { n: 200, cpuMs: 346.5, wallMs: 355.8 });
  assert.throws(() => parseGoHandshakes('{"event":"handshakes","n":"200","cpu_ms":1,"wall_ms":1}\n'), /no result line/);
  assert.throws(() => parseGoHandshakes('{"event":"handshakes","n":200,"wall_ms":1}\nnull\n[]\n'), /no result line/);
  assert.throws(() => parseGoHandshakes(''), /no result line/);
});

test('Views: complete views, the share of pairs known, and victims dropped, from join and leave events', () => {
  const views = new Views(2);
  const join = (self: string, node: string, t: number): void => views.onEvent({ event: 'join', self, node, t });
  join('a', 'a', 1);
  join('b', 'b', 2);
  join('a', 'b', 10);
  assert.equal(views.allComplete(['a', 'b']), undefined, 'b does not know a yet');
  assert.equal(views.pairsKnownAt(0.75), 10, 'three of four pairs were known at 10');
  assert.equal(views.pairsKnownAt(1), undefined);
  join('b', 'a', 30);
  assert.equal(views.allComplete(['a', 'b']), 30);
  assert.equal(views.pairsKnownAt(1), 30);
  assert.equal(views.allDropped(['a'], ['b']), undefined);
  views.onEvent({ event: 'leave', self: 'a', node: 'b', t: 40 });
  assert.equal(views.allDropped(['a'], ['b']), 40);
  join('a', 'b', 50);
  assert.equal(views.allDropped(['a'], ['b']), undefined, 'b is back in a\'s view');
  assert.equal(views.pairsKnownAt(1), 30, 'a pair known again counts from its first time');
});
