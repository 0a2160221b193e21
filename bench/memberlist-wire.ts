// Micro-benchmark of a typical gossip packet, TS beside Go in the same run:
// encode three alive messages, compound them, CRC-wrap, encrypt (AES-256-GCM,
// version 1, fresh random nonce), then decrypt, verify, split and decode.
// TS and Go run in alternating rounds and each reports its best round, so a
// busy machine skews both alike. Prints one JSON object per line: TS, Go, and
// the ratio ts/go of ns per op.
//   node --conditions=source --import tsx bench/memberlist-wire.ts [iterations-per-round] [rounds]
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { decodePacket, encodeMessage, encodePacket, Keyring, MessageType, type PacketMessage } from '@shoal/memberlist/wire';
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

interface Round {
  nsPerOp: number;
  /** CPU time (user + system, all threads) per op: steadier than wall time on a shared machine. */
  cpuNsPerOp: number;
  size: number;
}

function benchTs(n: number): Round {
  for (let i = 0; i < n / 10 + 1; i++) roundTrip(); // warm up
  let size = 0;
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  for (let i = 0; i < n; i++) size = roundTrip();
  const cpu = process.cpuUsage(cpuStart);
  return { nsPerOp: Number(process.hrtime.bigint() - start) / n, cpuNsPerOp: ((cpu.user + cpu.system) * 1000) / n, size };
}

async function benchGo(bin: string, n: number): Promise<Round> {
  const { stdout } = await promisify(execFile)(bin, ['bench', String(n)]);
  const r = JSON.parse(stdout.trim()) as { ns_per_op: number; cpu_ns_per_op: number; packet_bytes: number };
  return { nsPerOp: r.ns_per_op, cpuNsPerOp: r.cpu_ns_per_op, size: r.packet_bytes };
}

const best = (xs: number[]): number => Math.min(...xs);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function report(impl: string, results: Round[]): { wall: number; cpu: number } {
  const wall = best(results.map((r) => r.nsPerOp));
  const cpu = best(results.map((r) => r.cpuNsPerOp));
  const size = results[0]!.size;
  console.log(
    JSON.stringify({
      bench: NAME,
      impl,
      iterations: iterations * rounds,
      rounds,
      packet_bytes: size,
      ns_per_op: wall,
      ns_per_op_median: median(results.map((r) => r.nsPerOp)),
      cpu_ns_per_op: cpu,
      mb_per_s: (size / wall) * 1e3,
      cpu_mb_per_s: (size / cpu) * 1e3,
    }),
  );
  return { wall, cpu };
}

const missing = goMissingReason();
const bin = missing === undefined ? await buildGoProgram('memberlist/gowire', 'gowire') : undefined;
const tsRuns: Round[] = [];
const goRuns: Round[] = [];
for (let i = 0; i < rounds; i++) {
  tsRuns.push(benchTs(iterations));
  if (bin !== undefined) goRuns.push(await benchGo(bin, iterations));
}
const ts = report('ts', tsRuns);
if (bin === undefined) {
  console.log(JSON.stringify({ bench: NAME, impl: 'go', skipped: missing }));
} else {
  const go = report('go', goRuns);
  console.log(
    JSON.stringify({ bench: NAME, ratio_ts_over_go: ts.wall / go.wall, cpu_ratio_ts_over_go: ts.cpu / go.cpu, note: 'best-round ns/op (wall and CPU), ts/go; < 1 means TS is faster' }),
  );
}
