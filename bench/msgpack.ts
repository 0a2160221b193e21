// msgpack codec hot path (memberlist packets). Run: node --conditions=source --import tsx bench/msgpack.ts [--quick]
// Prints one JSON object per case: {"bench":"msgpack.<case>","ns_per_op":...,"ops":...,"bytes":...}.
import { decode, decodeFrom, encode, field, struct, t, Writer, type MsgType } from '@shoal/kit';

const quick = process.argv.includes('--quick');
const ops = quick ? 50_000 : 500_000;

const Ping = struct({
  seqNo: field('SeqNo', t.uint32),
  node: field('Node', t.str),
  sourceAddr: field('SourceAddr', t.bytes, { omitEmpty: true }),
  sourcePort: field('SourcePort', t.uint16, { omitEmpty: true }),
  sourceNode: field('SourceNode', t.str, { omitEmpty: true }),
});
const Alive = struct({
  incarnation: field('Incarnation', t.uint32),
  node: field('Node', t.str),
  addr: field('Addr', t.bytes),
  port: field('Port', t.uint16),
  meta: field('Meta', t.bytes),
  vsn: field('Vsn', t.bytes),
});

const ping = { seqNo: 123456, node: 'node-b.dc1', sourceAddr: Uint8Array.of(10, 0, 0, 7), sourcePort: 7946, sourceNode: 'node-a.dc1' };
const alive = {
  incarnation: 42, node: 'node-a.dc1', addr: Uint8Array.of(10, 0, 0, 7), port: 7946,
  meta: new TextEncoder().encode('role=web,zone=a'), vsn: Uint8Array.of(1, 5, 2, 2, 5, 4),
};

let sink = 0;

function run(name: string, bytes: number, fn: () => void): void {
  for (let i = 0; i < ops / 10; i++) fn(); // warm-up
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < ops; i++) fn();
  const cpu = process.cpuUsage(cpu0);
  const ms = performance.now() - t0;
  // cpu_ns_per_op (user+system CPU time) is steadier than wall time on a shared machine.
  console.log(JSON.stringify({
    bench: `msgpack.${name}`,
    ns_per_op: Math.round((ms * 1e6) / ops),
    cpu_ns_per_op: Math.round(((cpu.user + cpu.system) * 1e3) / ops),
    ops,
    bytes,
  }));
}

function cases<T>(label: string, type: MsgType<T>, value: T): void {
  const bytes = encode(type, value);
  run(`encode.${label}`, bytes.length, () => {
    sink += encode(type, value).length;
  });
  const w = new Writer();
  run(`encode-reused-writer.${label}`, bytes.length, () => {
    w.reset();
    w.u8(0);
    w.encode(type, value);
    sink += w.length;
  });
  run(`decode.${label}`, bytes.length, () => {
    sink += decode(type, bytes) === undefined ? 0 : 1;
  });
  run(`decodeFrom.${label}`, bytes.length, () => {
    const r = decodeFrom(type, bytes, 0);
    sink += r.needMore ? 0 : r.offset;
  });
}

cases('ping', Ping, ping);
cases('alive', Alive, alive);
if (sink === 42) console.log('');
