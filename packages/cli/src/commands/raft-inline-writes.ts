/**
 * `shoal raft --inline-follower-writes`: while the server is not the leader,
 * its log's small durable writes are made on the main thread (kit's
 * NodeFileSystem inlineDurableWriteBytes) instead of on a libuv worker. A
 * follower has nothing to do while its write runs but wait for it, and the
 * hand-off to the worker and the wake-up after it are two thread switches
 * on a commit's path, each costing as much as a small write's flush when
 * the machine is busy (docs/raft.md, raft-cluster). A leader keeps the
 * worker: its write runs while it sends the same entries to the followers,
 * and a blocking write would hold those sends back.
 */
import type { NodeFileSystem } from '@shoal/kit';
import { Observer, type Raft, type RaftState } from '@shoal/raft';

/**
 * Groups up to this size (one client's entry, or a round of a few dozen)
 * are written inline; larger ones, whose flush takes milliseconds, still go
 * to a worker so the follower keeps reading meanwhile.
 */
export const INLINE_FOLLOWER_WRITE_BYTES = 16 * 1024;

/** The inline limit for a server in `state`. */
export function inlineWriteBytesFor(state: RaftState): number {
  return state === 'Leader' || state === 'Shutdown' ? 0 : INLINE_FOLLOWER_WRITE_BYTES;
}

/** Keeps `fs`'s inline limit in step with `raft`'s role from now on. */
export function inlineFollowerWrites(raft: Raft, fs: NodeFileSystem): Observer {
  const observer = new Observer({
    filter: (o) => o.data.type === 'state',
    onObservation: (o) => {
      if (o.data.type === 'state') fs.inlineDurableWriteBytes = inlineWriteBytesFor(o.data.state);
    },
  });
  // Drain the iterator side so its buffer never fills.
  void (async () => {
    for await (const _ of observer) {
      /* applied by onObservation */
    }
  })().catch(() => undefined);
  raft.registerObserver(observer);
  fs.inlineDurableWriteBytes = inlineWriteBytesFor(raft.state);
  return observer;
}
