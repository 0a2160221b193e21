import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '@shoal/kit';
import { evictionVerdict, type EvictionPolicy, type PooledConnectionState } from './eviction.js';

const policy: EvictionPolicy = { maxConnectionAgeMs: 60_000, drainGraceMs: 1_000, drainTimeoutMs: 10_000 };

test('evictionVerdict, table', () => {
  const clock = new ManualClock();
  clock.advance(100_000);
  const at = (ago: number): number => clock.now() - ago;
  const base: PooledConnectionState = { createdAt: at(1_000), closed: false, drainingSince: undefined, openStreams: 0 };
  const cases: { name: string; s: Partial<PooledConnectionState>; p?: Partial<EvictionPolicy>; want: string }[] = [
    { name: 'young and open', s: {}, want: 'keep' },
    { name: 'closed by QUIC (idle timeout, peer, shutdown)', s: { closed: true }, want: 'forget' },
    { name: 'closed while draining', s: { closed: true, drainingSince: at(5) }, want: 'forget' },
    { name: 'past max age', s: { createdAt: at(60_000) }, want: 'retire' },
    { name: 'max age off', s: { createdAt: at(10_000_000) }, p: { maxConnectionAgeMs: 0 }, want: 'keep' },
    { name: 'draining, streams open, within grace', s: { drainingSince: at(10), openStreams: 2 }, want: 'keep' },
    { name: 'draining, no streams, within grace', s: { drainingSince: at(999) }, want: 'keep' },
    { name: 'draining, no streams, grace over', s: { drainingSince: at(1_000) }, want: 'close' },
    { name: 'draining, streams still open after grace', s: { drainingSince: at(5_000), openStreams: 1 }, want: 'keep' },
    { name: 'draining past the drain timeout, streams or not', s: { drainingSince: at(10_000), openStreams: 3 }, want: 'close' },
    { name: 'draining and old: drain rules, not retire', s: { drainingSince: at(10), createdAt: at(90_000) }, want: 'keep' },
  ];
  for (const c of cases) assert.equal(evictionVerdict({ ...base, ...c.s }, clock, { ...policy, ...c.p }), c.want, c.name);
});
