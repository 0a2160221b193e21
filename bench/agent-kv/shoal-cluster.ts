// Three `shoal agent --server --bootstrap-expect 3` processes on loopback
// (one per server, durable raft stores, fsync on) as a KvCluster. With
// `cpuProfileDir`, each agent writes a .cpuprofile there on stop(), which
// then lets them leave on SIGTERM instead of killing them.
import { AgentCluster, withTimeout } from '../../packages/cli/src/testing/agent-cluster.js';
import { withCpuProfiling } from '../raft-cluster/cpu-profile-env.js';
import type { KvCluster } from './kv-cluster.js';

export async function startShoalCluster(root: string, cpuProfileDir?: string): Promise<KvCluster> {
  const cluster = await withCpuProfiling(cpuProfileDir, () => AgentCluster.start({ root, logLevel: 'warn' }));
  const leader = await cluster.waitForLeader(30_000);
  return {
    impl: 'shoal',
    endpoints: cluster.servers.map((s) => s.http),
    leader: leader.http,
    pids: Object.fromEntries(cluster.servers.map((s) => [s.http, s.process!.child.pid!])),
    async stop() {
      if (cpuProfileDir !== undefined) {
        // A clean exit writes the profile; the followers go first, so the leader does not wait for an election.
        const order = [...cluster.servers].sort((a, b) => Number(a.http === leader.http) - Number(b.http === leader.http));
        for (const s of order) {
          if (!s.running) continue;
          s.killRequested = true;
          s.process!.child.kill('SIGTERM');
          await withTimeout(s.process!.exit, 20_000, `${s.name} did not exit on SIGTERM`).catch(() => undefined);
        }
      }
      await cluster.killAll();
    },
  };
}
