// A peer list fed by memberlist: client-side load balancing over whoever is
// in the cluster right now. Three members on loopback; member a keeps a peer
// list of the cluster, picks a peer per request with round robin, and stops
// picking c as soon as c leaves the cluster.
//
// Run: npx tsx examples/peerlist-over-memberlist.ts
import { realClock } from '@shoal/kit';
import { createNetMemberlist, defaultLocalConfig } from '@shoal/memberlist';
import { MemberlistBinding, MembershipGate, PeerList, roundRobin } from '@shoal/peerlist';
import { waitUntil } from './lib/wait-until.js';

const member = (name: string) => createNetMemberlist(defaultLocalConfig({ name, bindAddr: '127.0.0.1', bindPort: 0 }));
const [a, b, c] = [await member('a'), await member('b'), await member('c')];
await b.join([a.localNode().address]);
await c.join([a.localNode().address]);
await waitUntil('a sees three members', () => a.numMembers() === 3);

// The gate is the list's transport: it marks dead members unavailable while
// they wait out their grace period. The binding turns a's membership events
// into list updates. Peers are identified by member name here (default: address).
const gate = new MembershipGate();
const list = new PeerList({ transport: gate, implementation: roundRobin() });
const binding = new MemberlistBinding({ source: a, list, gate, clock: realClock, peerId: (m) => m.name });
list.start();
binding.start();
await waitUntil('the list holds three peers', () => list.numAvailable === 3);
console.log(`peers: ${list.peers().map((p) => p.id).sort().join(', ')}`);

/** Sends `count` requests, each to the peer the list chooses, and returns who served them. */
async function serve(count: number): Promise<string[]> {
  const servedBy: string[] = [];
  for (let i = 0; i < count; i++) {
    const chosen = await list.choose({ timeoutMs: 1_000 }); // a Promise only when no peer is available yet
    servedBy.push(chosen.id); // read what you need before onFinish: the object is recycled
    chosen.onFinish(); // pass the request's error, if any, so that strategies can react
  }
  return servedBy;
}
console.log(`6 requests served by: ${(await serve(6)).sort().join(' ')}`);

// c leaves gracefully: a hears it and the list drops c.
await c.leave(2_000);
await c.shutdown();
await waitUntil('c is out of the list', () => !list.peers().some((p) => p.id === 'c'));
console.log(`after c left, peers: ${list.peers().map((p) => p.id).sort().join(', ')}`);
console.log(`4 requests served by: ${(await serve(4)).sort().join(' ')}`);

// Stop the binding before the list, then memberlist.
binding.stop();
list.stop();
await a.shutdown();
await b.shutdown();
console.log('done');
