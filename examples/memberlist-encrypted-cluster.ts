// A three-member memberlist cluster on loopback whose gossip is encrypted with
// a shared key (AES-GCM, as Go memberlist). The members join, spread a
// broadcast by gossip, send one reliable user message, and one member leaves
// gracefully. A fourth node without the key is refused.
//
// Run: npx tsx examples/memberlist-encrypted-cluster.ts
import { randomBytes } from 'node:crypto';
import { utf8 } from '@shoal/kit';
import { createNetMemberlist, defaultLocalConfig, TransmitLimitedQueue, type Delegate, type Memberlist } from '@shoal/memberlist';
import { waitUntil } from './lib/wait-until.js';

const secretKey = randomBytes(32); // 16, 24 or 32 bytes: AES-128, -192 or -256
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/** Each member's user messages, deduplicated: gossip may deliver a broadcast more than once, as in Go. */
const received = new Map<string, Set<string>>();

/** Starts a member on 127.0.0.1 (port 0: the system picks one) that prints each new user message it receives. */
async function startMember(name: string, key: Uint8Array): Promise<{ list: Memberlist; broadcasts: TransmitLimitedQueue }> {
  // Each broadcast is sent retransmitMult × log10(members + 1) times, rounded up.
  const broadcasts = new TransmitLimitedQueue({ numNodes: () => list.numMembers(), retransmitMult: 3 });
  received.set(name, new Set());
  const delegate: Delegate = {
    nodeMeta: () => new Uint8Array(0),
    notifyMsg: (msg) => {
      const seen = received.get(name)!;
      if (!seen.has(text(msg))) console.log(`${name} received: ${text(msg)}`);
      seen.add(text(msg));
    },
    getBroadcasts: (overhead, limit) => broadcasts.getBroadcasts(overhead, limit), // piggybacked on gossip
    localState: () => new Uint8Array(0),
    mergeRemoteState: () => {},
  };
  const list = await createNetMemberlist(defaultLocalConfig({ name, bindAddr: '127.0.0.1', bindPort: 0, secretKey: key, delegate }));
  return { list, broadcasts };
}

const a = await startMember('a', secretKey);
const b = await startMember('b', secretKey);
const c = await startMember('c', secretKey);
const seed = a.list.localNode().address; // "127.0.0.1:PORT"
await b.list.join([seed]);
await c.list.join([seed]);
await waitUntil('every member sees three', () => [a, b, c].every((m) => m.list.numMembers() === 3));
console.log(`members: ${a.list.members().map((n) => n.name).sort().join(', ')}`);

// A node with another key cannot read or forge anything: its join fails.
const outsider = await startMember('outsider', randomBytes(32));
await outsider.list.join([seed]).then(
  () => console.log('outsider joined (unexpected)'),
  () => console.log('outsider without the key: join refused'),
);
await outsider.list.shutdown();

// A broadcast queued on a reaches b and c through gossip.
a.broadcasts.queueBroadcast({ message: () => utf8('config version 2'), invalidates: () => false, finished: () => {} });
await waitUntil('b and c received the broadcast', () => ['b', 'c'].every((n) => received.get(n)!.has('config version 2')));

// A user message over a TCP stream: sendReliable resolves once it is sent; a's delegate gets it soon after.
await b.list.sendReliable(a.list.members().find((n) => n.name === 'a')!, utf8('hello a, from b'));
await waitUntil('a received the message', () => received.get('a')!.has('hello a, from b'));

// c leaves gracefully: a and b see it leave at once instead of suspecting it.
a.list.on('leave', (node) => console.log(`a saw ${node.name} leave`));
await c.list.leave(2_000);
await c.list.shutdown();
await waitUntil('a and b see two members', () => a.list.numMembers() === 2 && b.list.numMembers() === 2);
await a.list.shutdown();
await b.list.shutdown();
console.log('done');
