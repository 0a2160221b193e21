// yarpc's per-strategy tables (TestRoundRobinList, TestRandPeer,
// TestTwoRandomChoicesPeer, TestPeerHeapList), run against every strategy here.
import { describe, test } from 'node:test';
import { fewestPending } from './fewest-pending.js';
import { hashRing } from './hash-ring.js';
import { outlierEjection } from './outlier-ejection.js';
import { peakEwma } from './peak-ewma.js';
import { pendingHeap } from './pending-heap.js';
import { randomPeer } from './random-peer.js';
import { roundRobin } from './round-robin.js';
import { runRow, type MakeImplementation } from './testing/harness.js';
import { testSeed, withSeed } from './testing/seed.js';
import { strategyTable } from './testing/table.js';
import { twoRandomChoices } from './two-random-choices.js';

const strategies: Record<string, MakeImplementation> = {
  'round-robin': () => roundRobin(),
  random: (_clock, seed) => randomPeer({ seed }),
  'two-random-choices': (_clock, seed) => twoRandomChoices({ seed }),
  'fewest-pending-heap': (_clock, seed) => pendingHeap({ seed }),
  'fewest-pending-buckets': () => fewestPending(),
  'hash-ring': (_clock, seed) => hashRing({ seed, replicas: 10 }),
  'peak-ewma': (clock, seed) => peakEwma({ clock, seed }),
  'outlier-ejection(round-robin)': (clock) => outlierEjection(roundRobin(), { clock }),
};

const seed = testSeed();
for (const [name, make] of Object.entries(strategies)) {
  describe(`${name} table`, () => {
    for (const row of strategyTable) {
      test(row.name, () => withSeed(seed, (s) => runRow(row, make, s)));
    }
  });
}
