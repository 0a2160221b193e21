import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareDiallers, diallerOf, keepConnection, type Dialler } from './tie-break.js';

const S = 'shoal-quic/1';
const G = 'memberlist-quic/1';
const n1: Dialler = { name: 'node-1', addr: '127.0.0.1:7001' };
const n2: Dialler = { name: 'node-2', addr: '127.0.0.1:7000' };
const n1b: Dialler = { name: 'node-1', addr: '127.0.0.1:6999' }; // same CN, lower address

test('keepConnection, table', () => {
  const cases: { name: string; existing: [string, Dialler]; candidate: [string, Dialler]; want: 'existing' | 'candidate' }[] = [
    { name: 'lower CN dialled the existing one', existing: [S, n1], candidate: [S, n2], want: 'existing' },
    { name: 'lower CN dialled the candidate', existing: [S, n2], candidate: [S, n1], want: 'candidate' },
    { name: 'CN decides before address', existing: [S, n2], candidate: [S, n1], want: 'candidate' },
    { name: 'equal CNs: lower address wins', existing: [S, n1], candidate: [S, n1b], want: 'candidate' },
    { name: 'equal CNs: lower address wins (existing)', existing: [S, n1b], candidate: [S, n1], want: 'existing' },
    { name: 'same dialler (redial): newer', existing: [S, n1], candidate: [S, n1], want: 'candidate' },
    { name: 'Go peer: first stays', existing: [G, n2], candidate: [G, n1], want: 'existing' },
    { name: 'mixed ALPNs: first stays', existing: [G, n2], candidate: [S, n1], want: 'existing' },
  ];
  for (const c of cases) {
    const got = keepConnection({ alpn: c.existing[0], dialler: c.existing[1] }, { alpn: c.candidate[0], dialler: c.candidate[1] });
    assert.equal(got, c.want, c.name);
  }
});

test('both sides of a simultaneous dial keep the same connection, whatever order they saw them in', () => {
  // Connection X was dialled by node-1, Y by node-2. Each side describes each
  // connection's dialler from its own view (diallerOf), and may see X or Y first.
  const nodes = [n1, n2];
  const kept = new Set<string>();
  for (const [i, self] of nodes.entries()) {
    const peer = nodes[1 - i]!;
    const conns = [
      { id: 'X', role: self === n1 ? 'client' : 'server', alpn: S },
      { id: 'Y', role: self === n2 ? 'client' : 'server', alpn: S },
    ] as const;
    for (const order of [[0, 1], [1, 0]]) {
      const [first, second] = [conns[order[0]!]!, conns[order[1]!]!];
      const keep = keepConnection({ alpn: first.alpn, dialler: diallerOf(first.role, self, peer) }, { alpn: second.alpn, dialler: diallerOf(second.role, self, peer) });
      kept.add(keep === 'existing' ? first.id : second.id);
    }
  }
  assert.deepEqual([...kept], ['X']);
});

test('names compare as UTF-8 bytes, so a Go port computes the same order', () => {
  // U+FF5E (3 UTF-8 bytes, EF BD 9E) vs U+1F600 (4 bytes, F0 ...): bytes say FF5E first; UTF-16 code units say the opposite.
  assert.ok(compareDiallers({ name: '\uff5e', addr: '' }, { name: '\u{1f600}', addr: '' }) < 0);
  assert.ok('\uff5e' > '\u{1f600}'); // why plain string comparison would not do
});
