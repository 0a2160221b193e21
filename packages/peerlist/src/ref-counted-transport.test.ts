import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '@shoal/kit';
import { PeerListError, PeerListErrorCode as E } from './errors.js';
import { PeerList } from './peer-list.js';
import { RefCountedTransport, RetainablePeer } from './ref-counted-transport.js';
import { roundRobin } from './round-robin.js';
import type { PeerSubscriber } from './transport.js';

class CountingPeer extends RetainablePeer {
  releases = 0;
  override released(): void {
    super.released();
    this.releases++;
  }
}

const subscriber = (log: string[], name: string): PeerSubscriber => ({ notifyStatusChanged: (id) => log.push(`${name}:${id}`) });

test('retain is get-or-create with a reference count; the last release lets go', () => {
  const transport = new RefCountedTransport((id) => new CountingPeer(id, 'available'));
  const log: string[] = [];
  const s1 = subscriber(log, 's1');
  const s2 = subscriber(log, 's2');
  const p1 = transport.retainPeer('a', s1);
  const p2 = transport.retainPeer('a', s2);
  assert.equal(p1, p2);
  assert.equal(p1.references, 2);
  transport.releasePeer('a', s1);
  assert.equal(p1.releases, 0);
  assert.deepEqual(transport.retainedIds(), ['a']);
  transport.releasePeer('a', s2);
  assert.equal(p1.releases, 1);
  assert.equal(p1.status, 'unavailable');
  assert.deepEqual(transport.retainedIds(), []);
  assert.notEqual(transport.retainPeer('a', s1), p1, 'a released peer is created afresh');
});

test('release errors have stable codes', () => {
  const transport = new RefCountedTransport((id) => new RetainablePeer(id));
  const code = (f: () => void): string => {
    try {
      f();
    } catch (e) {
      return (e as PeerListError).code;
    }
    return 'none';
  };
  const log: string[] = [];
  assert.equal(code(() => transport.releasePeer('x', subscriber(log, 's'))), E.TransportHasNoReferenceToPeer);
  transport.retainPeer('x', subscriber(log, 'owner'));
  assert.equal(code(() => transport.releasePeer('x', subscriber(log, 'stranger'))), E.PeerHasNoReferenceToSubscriber);
});

test('a status change notifies every subscriber once; an unchanged status notifies nobody', () => {
  const transport = new RefCountedTransport((id) => new RetainablePeer(id));
  const log: string[] = [];
  const peer = transport.retainPeer('a', subscriber(log, 's1'));
  transport.retainPeer('a', subscriber(log, 's2'));
  peer.setStatus('connecting');
  peer.setStatus('connecting');
  assert.deepEqual(log, ['s1:a', 's2:a']);
});

test('two lists share one transport peer, and each sees its status', () => {
  const transport = new RefCountedTransport((id) => new RetainablePeer(id, 'available'));
  const make = (): PeerList<RetainablePeer> => {
    const l = new PeerList({ transport, implementation: roundRobin(), clock: new ManualClock() });
    l.update({ additions: ['a', 'b'] });
    l.start();
    return l;
  };
  const one = make();
  const two = make();
  assert.equal(transport.peer('a')!.references, 2);
  transport.peer('a')!.setStatus('unavailable');
  assert.deepEqual([one.numAvailable, two.numAvailable], [1, 1]);
  one.stop();
  assert.equal(transport.peer('a')!.references, 1);
  two.stop();
  assert.deepEqual(transport.retainedIds(), []);
});
