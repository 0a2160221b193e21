// Issue 17 figures: a shoal member (its own process) under hostile traffic on
// loopback. Prints one JSON object per scenario.
//
//   node --conditions=source --import tsx bench/memberlist-hostile.ts [--scenario idle|stalled|bomb|all]
//
//   idle     200 idle TCP connections (reopened as they close) against a seed, then
//            a join through it, without and with a key: join ok / latency.
//   stalled  20 (then 80) connections each start a user message claiming 20 MiB, send
//            19 MB and stall: the target's RSS growth (its own process), peak over 5 s,
//            at 5 s and after a forced GC (run with NODE_OPTIONS=--expose-gc), beside the
//            same attack on floor.ts, a bare node:net server holding the same 64 MiB.
//   bomb     3-node cluster; 100 UDP packets of ~31 KB that decompress to 39 MiB each,
//            one every 200 ms, to one node: its CPU-seconds over the 20 s, and the dead
//            declarations (leave events) any node saw until 3 s after.
// Measure an older build by running this script from a worktree of it (with
// bench/memberlist-hostile/ and packages/memberlist/src/testing/hostile-peer.ts copied in).
import { parseArgs } from 'node:util';
import { createNetMemberlist, defaultLocalConfig } from '@shoal/memberlist';
import { compressionBomb, idleConnections, sendPackets, stalledFrames } from '@shoal/memberlist/testing';
import { FLOOR, startNode, type NodeProcess } from './memberlist-hostile/host.js';

const { values } = parseArgs({ options: { scenario: { type: 'string', default: 'all' } } });
const MiB = 1024 * 1024;
const KEY = '000102030405060708090a0b0c0d0e0f';
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const emit = (o: Record<string, unknown>): void => console.log(JSON.stringify(o));
const mb = (b: number): number => +(b / 1e6).toFixed(1);

async function idle(keyed: boolean): Promise<void> {
  const seed = await startNode('seed', keyed ? ['--key', KEY] : []);
  const joiner = await createNetMemberlist(
    defaultLocalConfig({ name: 'joiner', bindAddr: '127.0.0.1', bindPort: 0, secretKey: keyed ? Buffer.from(KEY, 'hex') : undefined }),
  );
  const attack = idleConnections(seed.addr, 200);
  await sleep(1_000);
  const started = performance.now();
  let ok = true;
  let error: string | undefined;
  try {
    await joiner.join([seed.addr]);
  } catch (e) {
    ok = false;
    error = (e as Error).message;
  }
  const ms = performance.now() - started;
  emit({ scenario: 'idle', keyed, idle_connections: 200, join_ok: ok, join_ms: Math.round(ms), error, connections_opened: attack.opened() });
  attack.stop();
  await joiner.shutdown();
  await seed.stop();
}

async function stalledOnce(target: NodeProcess, connections: number): Promise<Record<string, number>> {
  await sleep(1_000);
  const before = await target.stats();
  const attack = await stalledFrames(target.addr, connections, 20 * MiB, 19_000_000);
  // Sample for 5 s (within the 10 s TCPTimeout, while the frames are held).
  let peak = before.rss;
  let last = before;
  for (let i = 0; i < 20; i++) {
    await sleep(250);
    last = await target.stats();
    peak = Math.max(peak, last.rss);
  }
  target.gc();
  await sleep(300);
  const collected = await target.stats();
  attack.stop();
  await target.stop();
  return {
    rss_before_mb: mb(before.rss),
    rss_peak_growth_mb: mb(peak - before.rss),
    rss_growth_at_5s_mb: mb(last.rss - before.rss),
    // With --expose-gc (NODE_OPTIONS): what stays once garbage is collected, and the live buffers in it.
    rss_growth_after_gc_mb: mb(collected.rss - before.rss),
    array_buffers_after_gc_mb: mb(collected.array_buffers),
  };
}

async function stalled(): Promise<void> {
  for (const connections of [20, 80]) {
    // The LAN TCPTimeout (10 s), as `shoal member` runs by default: the frames stay held that long.
    const shoal = await stalledOnce(await startNode('target', ['--tcp-timeout-ms', '10000']), connections);
    const floor = await stalledOnce(await startNode('floor', ['--budget-mib', '64'], FLOOR), connections);
    emit({ scenario: 'stalled', connections, claim_mib: 20, sent_mb: 19, budget_mib: 64, shoal, floor, peak_growth_over_floor: +(shoal.rss_peak_growth_mb! / floor.rss_peak_growth_mb!).toFixed(2) });
  }
}

async function bomb(): Promise<void> {
  const n0 = await startNode('n0');
  const n1 = await startNode('n1', ['--join', n0.addr]);
  const n2 = await startNode('n2', ['--join', n0.addr]);
  await sleep(2_000);
  const packet = compressionBomb();
  const before = await n0.stats();
  const started = performance.now();
  await sendPackets(n0.addr, packet, 100, 200);
  const sendSeconds = (performance.now() - started) / 1000;
  const after = await n0.stats();
  await sleep(3_000);
  const members = await Promise.all([n0, n1, n2].map(async (n) => (await n.stats()).members));
  emit({
    scenario: 'bomb',
    packets: 100,
    packet_bytes: packet.length,
    decompressed_mib: 39,
    seconds: +sendSeconds.toFixed(1),
    target_cpu_s: +((after.cpu_ms - before.cpu_ms) / 1000).toFixed(2),
    dead_declarations: n0.leaves.length + n1.leaves.length + n2.leaves.length,
    members_after: members,
  });
  await Promise.all([n0, n1, n2].map((n) => n.stop()));
}

const s = values.scenario!;
if (s === 'idle' || s === 'all') {
  await idle(false);
  await idle(true);
}
if (s === 'stalled' || s === 'all') await stalled();
if (s === 'bomb' || s === 'all') await bomb();
process.exit(0);
