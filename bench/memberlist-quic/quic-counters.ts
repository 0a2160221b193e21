// What a QUIC node's transport did during a burst join, from its metrics:
// dials and their wall time, dials avoided (waiting for the peer's own dial
// instead), duplicate connections (simultaneous dials, tie-broken), packets
// queued behind a dial, those that left early (with the dialler's Finished),
// and how long the oldest queued packet per dial waited. Summed over a
// cluster's nodes into the cluster rows (`quic` field), to show where a QUIC
// burst join spends its time beside the NetTransport's.
import type { InMemoryMetrics } from '@shoal/kit';

/** One node's figures (node-host.ts sends them with its stats). */
export interface QuicNodeCounters {
  dials: number;
  dialsAvoided: number;
  duplicates: number;
  queued: number;
  early: number;
  /** Count, sum and max (ms) of memberlist.quic.dial and memberlist.quic.packet.queue_wait. */
  dialMs: [number, number, number];
  queueWaitMs: [number, number, number];
}

export function quicNodeCounters(m: InMemoryMetrics): QuicNodeCounters {
  const timing = (name: string): [number, number, number] => {
    const t = m.timing(name);
    return t === undefined ? [0, 0, 0] : [t.count, t.sumMs, t.maxMs];
  };
  return {
    dials: m.counter('memberlist.quic.dial'),
    dialsAvoided: m.counter('memberlist.quic.dial.avoided'),
    duplicates: m.counter('memberlist.quic.conn.duplicate'),
    queued: m.counter('memberlist.quic.packet.queued'),
    early: m.counter('memberlist.quic.packet.early'),
    dialMs: timing('memberlist.quic.dial'),
    queueWaitMs: timing('memberlist.quic.packet.queue_wait'),
  };
}

/** The cluster's sums; mean and max of the dial and queue-wait times. */
export function sumQuicCounters(nodes: readonly QuicNodeCounters[]): Record<string, number> {
  const sum = (f: (c: QuicNodeCounters) => number): number => nodes.reduce((s, c) => s + f(c), 0);
  const round = (x: number): number => Math.round(x * 10) / 10;
  const mean = (f: (c: QuicNodeCounters) => [number, number, number]): number => {
    const n = sum((c) => f(c)[0]);
    return n === 0 ? 0 : round(sum((c) => f(c)[1]) / n);
  };
  const max = (f: (c: QuicNodeCounters) => [number, number, number]): number => round(Math.max(0, ...nodes.map((c) => f(c)[2])));
  return {
    dials: sum((c) => c.dials),
    dials_avoided: sum((c) => c.dialsAvoided),
    duplicates: sum((c) => c.duplicates),
    packets_queued: sum((c) => c.queued),
    packets_early: sum((c) => c.early),
    dial_ms_mean: mean((c) => c.dialMs),
    dial_ms_max: max((c) => c.dialMs),
    queue_wait_ms_mean: mean((c) => c.queueWaitMs),
    queue_wait_ms_max: max((c) => c.queueWaitMs),
  };
}
