/**
 * A FaultyFileSystem for each server of a TestCluster, the same one across
 * the server's restarts: the environment wraps the server's disk again on
 * every start, and a test's fault rules must follow the server, not the start.
 */
import type { FileSystem } from '@shoal/kit';
import type { ClusterServer } from './cluster-server.js';
import { FaultyFileSystem } from './faulty-fs.js';

export interface FaultyDisks {
  /** Each server's faulty disk, by server id, once the server has started. */
  readonly disks: Map<string, FaultyFileSystem>;
  /** For TestCluster.create's `wrapFileSystem`. */
  readonly wrapFileSystem: (server: ClusterServer, fs: FileSystem) => FileSystem;
}

export function faultyDiskPerServer(): FaultyDisks {
  const disks = new Map<string, FaultyFileSystem>();
  const wrapped = new Map<string, FileSystem>();
  return {
    disks,
    wrapFileSystem: (server, fs) => {
      if (wrapped.get(server.id) === fs) return disks.get(server.id)!;
      const faulty = new FaultyFileSystem(fs, server.node.clock);
      wrapped.set(server.id, fs);
      disks.set(server.id, faulty);
      return faulty;
    },
  };
}
