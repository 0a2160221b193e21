// Soak: a 3-node shoal cluster (one process per node, loopback) under steady
// user messages and periodic hostile traffic, sampling each node's RSS and
// open descriptors every minute. Prints one JSON object at the end.
//
//   node --conditions=source --import tsx bench/memberlist-soak.ts [--minutes 30]
//
// Every node sends a 1 KB reliable user message to each other member every
// 100 ms. Each minute, node 0 gets: 200 idle connections for 10 s, 10 user
// messages claiming 20 MiB that stall after 8 MB, 20 compression bombs (39 MiB
// each), and garbage on UDP and TCP. Target (issue 17): RSS growth under 5 MB
// over the last 20 minutes (rss_trend_mb: the least-squares slope times the
// window), descriptors flat. Stops by itself after --minutes.
import { parseArgs } from 'node:util';
import { compressionBomb, garbage, idleConnections, sendPackets, stalledFrames } from '@shoal/memberlist/testing';
import { startNode } from './memberlist-hostile/host.js';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '30' } } });
const minutes = Math.max(1, Number(values.minutes));
const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const n0 = await startNode('soak-0', ['--chatty-ms', '100']);
const n1 = await startNode('soak-1', ['--chatty-ms', '100', '--join', n0.addr]);
const n2 = await startNode('soak-2', ['--chatty-ms', '100', '--join', n0.addr]);
const nodes = [n0, n1, n2];
const bomb = compressionBomb();
const samples: { minute: number; rss_mb: number[]; fds: number[]; members: number[]; received: number[] }[] = [];

async function sample(minute: number): Promise<void> {
  const s = await Promise.all(nodes.map((n) => n.stats()));
  samples.push({ minute, rss_mb: s.map((x) => +(x.rss / 1e6).toFixed(1)), fds: s.map((x) => x.fds), members: s.map((x) => x.members), received: s.map((x) => x.received) });
}

async function hostileMinute(): Promise<void> {
  const idle = idleConnections(n0.addr, 200);
  const stalled = await stalledFrames(n0.addr, 10, 20 * MiB, 8_000_000);
  await sendPackets(n0.addr, bomb, 20, 200);
  await garbage(n0.addr, 4096);
  await sleep(5_000);
  idle.stop();
  stalled.stop();
}

const started = Date.now();
await sample(0);
for (let m = 1; m <= minutes; m++) {
  await hostileMinute();
  const wait = started + m * 60_000 - Date.now();
  if (wait > 0) await sleep(wait);
  await sample(m);
}
const window = samples.filter((s) => s.minute >= Math.max(0, minutes - 20));
const first = window[0]!;
const last = window[window.length - 1]!;
/**
 * Growth over the window as the least-squares slope times its length: the
 * attacked node's RSS swings by ~20 MB with the phase of the hostile minute,
 * so the difference of two samples says more about that swing than a leak.
 */
function trend(values: number[]): number {
  const xs = window.map((s) => s.minute);
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = values.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (values[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
  }
  return +((sxy / sxx) * (last.minute - first.minute)).toFixed(2);
}
const perNode = (pick: (s: (typeof samples)[number]) => number[]): number[][] => nodes.map((_, i) => window.map((s) => pick(s)[i]!));
console.log(
  JSON.stringify({
    bench: 'memberlist-soak',
    minutes,
    window_minutes: last.minute - first.minute,
    rss_trend_mb: perNode((s) => s.rss_mb).map(trend),
    rss_range_mb: perNode((s) => s.rss_mb).map((v) => [Math.min(...v), Math.max(...v)]),
    rss_last_minus_first_mb: last.rss_mb.map((r, i) => +(r - first.rss_mb[i]!).toFixed(1)),
    fds_trend: perNode((s) => s.fds).map(trend),
    fds_range: perNode((s) => s.fds).map((v) => [Math.min(...v), Math.max(...v)]),
    dead_declarations: nodes.reduce((n, x) => n + x.leaves.length, 0),
    messages_received: last.received,
    samples,
  }),
);
await Promise.all(nodes.map((n) => n.stop()));
process.exit(0);
