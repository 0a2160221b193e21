import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Deferred, RealClock } from '@shoal/kit';
import type { QuicStream } from '../engine/types.js';
import { QuicStreamConn } from './stream-conn.js';

/** Records what the connection hands to the stream; reads end when `fin` resolves. */
function fakeStream(): { stream: QuicStream; calls: string[]; fin: Deferred<null> } {
  const calls: string[] = [];
  const fin = new Deferred<null>();
  const text = (d?: Uint8Array): string => Buffer.from(d ?? new Uint8Array(0)).toString();
  const stream: QuicStream = {
    id: 0,
    bidi: true,
    local: true,
    read: () => fin.promise,
    write: (d) => {
      calls.push(`write ${text(d)}`);
      return Promise.resolve();
    },
    end: (d) => {
      calls.push(`end ${text(d)}`);
      return Promise.resolve();
    },
    reset: (code) => void calls.push(`reset ${code}`),
    stopReading: (code) => {
      calls.push(`stopReading ${code}`);
      fin.resolve(null);
    },
    done: new Promise(() => undefined),
    async *[Symbol.asyncIterator]() {
      /* unused */
    },
  };
  return { stream, calls, fin };
}

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

test('writes and a close in the same turn reach the stream as one end() (the FIN rides with the data)', async () => {
  const { stream, calls, fin } = fakeStream();
  const conn = new QuicStreamConn(stream, 'peer', { prefix: Buffer.from('K') });
  conn.write(Buffer.from('head,'));
  conn.write(Buffer.from('body'));
  conn.close();
  await settle();
  assert.deepEqual(calls, ['end Khead,body']);
  fin.resolve(null);
});

test('a write in an earlier turn goes at once; the close sends the FIN after it', async () => {
  const { stream, calls, fin } = fakeStream();
  const conn = new QuicStreamConn(stream, 'peer');
  conn.write(Buffer.from('first'));
  await settle();
  assert.deepEqual(calls, ['write first']);
  conn.write(Buffer.from('second'));
  conn.close();
  await settle();
  assert.deepEqual(calls, ['write first', 'end second']);
  fin.resolve(null);
});

test('close with nothing written sends a bare FIN (with the prefix when it never went out)', async () => {
  const { stream, calls, fin } = fakeStream();
  const conn = new QuicStreamConn(stream, 'peer', { prefix: Buffer.from('K') });
  conn.close();
  await settle();
  assert.deepEqual(calls, ['end K']);
  fin.resolve(null);
});

test('after close, a peer that never sends its FIN: the stream stops reading once finWait passes', async () => {
  const { stream, calls } = fakeStream();
  const conn = new QuicStreamConn(stream, 'peer', { finWait: { clock: new RealClock({ unref: true }), ms: 30 } });
  conn.close();
  await settle();
  assert.deepEqual(calls, ['end ']);
  await new Promise((r) => setTimeout(r, 80));
  assert.deepEqual(calls, ['end ', 'stopReading 0']);
});

test('after close, the peer\'s FIN in time: no stopReading', async () => {
  const { stream, calls, fin } = fakeStream();
  const conn = new QuicStreamConn(stream, 'peer', { finWait: { clock: new RealClock({ unref: true }), ms: 30 } });
  conn.close();
  fin.resolve(null);
  await new Promise((r) => setTimeout(r, 80));
  assert.deepEqual(calls, ['end ']);
});
