// Micro-benchmark of a typical gossip packet, TS beside Go in the same run:
// encode three alive messages, compound them, CRC-wrap, encrypt (AES-256-GCM,
// version 1, fresh random nonce), then decrypt, verify, split and decode.
// TS and Go run in alternating rounds and each reports its best round, so a
// busy machine skews both alike. Prints one JSON object per line: TS, Go, and
// the ratio ts/go of ns per op.
//   node --conditions=source --import tsx bench/memberlist-wire.ts [iterations-per-round] [rounds]
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { decodePacket, encodeMessage, encodePacket, Keyring, MessageType, type PacketMessage } from '@shoal/memberlist';
import { buildGoProgram, goMissingReason } from '../interop/harness/go-build.js';

const iterations = Number(process.argv[2] ?? 20_000);
const rounds = Number(process.argv[3] ?? 5);
const NAME = 'memberlist-wire/gossip-3-alive-crc-aes256gcm';

const alives: PacketMessage[] = [0, 1, 2].map((i) => ({
  type: MessageType.Alive,
  body: {
    incarnation: 100 + i,
    node: `node-${String(i).padStart(2, '0')}.cluster.local`,
    addr: Uint8Array.of(10, 0, 0, 10 + i),
    port: 7946,
    meta: new TextEncoder().encode('role=web;zone=eu-west-1a'),
    vsn: Uint8Array.of(1, 5, 2, 0, 0, 0),
  },
}));
const keyring = Keyring.create([], new Uint8Array(32));

function roundTrip(): number {
  const packet = encodePacket(alives.map(encodeMessage), { crc: true, keyring, encryptionVersion: 1 });
  const r = decodePacket(packet, { keyring });
  if (r.messages.length !== 3 || r.errors.length > 0 || !r.crc) throw new Error('round trip failed');
  return packet.length;
}

function benchTs(n: number): { nsPerOp: number; size: number } {
  for (let i = 0; i < n / 10 + 1; i++) roundTrip(); // warm up
  let size = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) size = roundTrip();
  return { nsPerOp: Number(process.hrtime.bigint() - start) / n, size };
}

async function benchGo(bin: string, n: number): Promise<{ nsPerOp: number; size: number }> {
  const { stdout } = await promisify(execFile)(bin, ['bench', String(n)]);
  const r = JSON.parse(stdout.trim()) as { ns_per_op: number; packet_bytes: number };
  return { nsPerOp: r.ns_per_op, size: r.packet_bytes };
}

function report(impl: string, results: { nsPerOp: number; size: number }[]): number {
  const sorted = results.map((r) => r.nsPerOp).sort((a, b) => a - b);
  const best = sorted[0]!;
  const size = results[0]!.size;
  const median = sorted[Math.floor(sorted.length / 2)]!;
  console.log(JSON.stringify({ bench: NAME, impl, iterations: iterations * rounds, rounds, packet_bytes: size, ns_per_op: best, ns_per_op_median: median, mb_per_s: (size / best) * 1e3 }));
  return best;
}

const missing = goMissingReason();
const bin = missing === undefined ? await buildGoProgram('memberlist/gowire', 'gowire') : undefined;
const tsRuns: { nsPerOp: number; size: number }[] = [];
const goRuns: { nsPerOp: number; size: number }[] = [];
for (let i = 0; i < rounds; i++) {
  tsRuns.push(benchTs(iterations));
  if (bin !== undefined) goRuns.push(await benchGo(bin, iterations));
}
const ts = report('ts', tsRuns);
if (bin === undefined) {
  console.log(JSON.stringify({ bench: NAME, impl: 'go', skipped: missing }));
} else {
  const go = report('go', goRuns);
  console.log(JSON.stringify({ bench: NAME, ratio_ts_over_go: ts / go, note: 'best-round ns/op, ts/go; < 1 means TS is faster' }));
}
