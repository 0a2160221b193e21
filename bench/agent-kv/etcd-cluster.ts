// Three etcd members (the Debian package's /usr/bin/etcd, 3.4) on loopback,
// each on its own data directory with etcd's defaults (fsync on), as a
// KvCluster: the reference the agent is measured against. Every member is
// SIGKILLed when this process exits, however it exits.
import { spawn, spawnSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { trackChild } from '../../interop/harness/children.js';
import { freePorts, httpCall } from '../../packages/cli/src/testing/agent-cluster.js';
import type { KvCluster } from './kv-cluster.js';

export const ETCD_BIN = process.env.ETCD_BIN ?? '/usr/bin/etcd';

/** `etcd --version`'s first line, or undefined when there is no etcd to run. */
export function etcdVersion(): string | undefined {
  const run = spawnSync(ETCD_BIN, ['--version'], { encoding: 'utf8' });
  return run.status === 0 ? run.stdout.split('\n')[0]!.trim() : undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The leader's endpoint when every member answers its status and all name the same leader. */
async function agreedLeader(endpoints: readonly string[]): Promise<string | undefined> {
  const statuses = await Promise.all(
    endpoints.map(async (e) => {
      try {
        const answer = await httpCall(e, 'POST', '/v3/maintenance/status', '{}', 2000);
        const status = JSON.parse(answer.body) as { header?: { member_id?: string }; leader?: string };
        return answer.status === 200 ? status : undefined;
      } catch {
        return undefined;
      }
    }),
  );
  if (statuses.some((s) => s?.leader === undefined || s.leader === '0')) return undefined;
  const leaders = new Set(statuses.map((s) => s!.leader));
  if (leaders.size !== 1) return undefined;
  const i = statuses.findIndex((s) => s!.header?.member_id === [...leaders][0]);
  return i < 0 ? undefined : endpoints[i];
}

export async function startEtcdCluster(root: string): Promise<KvCluster> {
  const names = ['e1', 'e2', 'e3'];
  const ports = await freePorts(names.length * 2);
  const client = (i: number): string => `127.0.0.1:${ports[i * 2]}`;
  const peer = (i: number): string => `http://127.0.0.1:${ports[i * 2 + 1]}`;
  const initialCluster = names.map((n, i) => `${n}=${peer(i)}`).join(',');
  const stderr = names.map(() => '');
  const children = await Promise.all(
    names.map(async (name, i) => {
      const dataDir = join(root, name);
      await mkdir(dataDir, { recursive: true });
      const child = trackChild(
        spawn(ETCD_BIN, [
          '--name', name, '--data-dir', dataDir,
          '--listen-client-urls', `http://${client(i)}`, '--advertise-client-urls', `http://${client(i)}`,
          '--listen-peer-urls', peer(i), '--initial-advertise-peer-urls', peer(i),
          '--initial-cluster', initialCluster, '--initial-cluster-token', 'agent-kv-bench', '--initial-cluster-state', 'new',
          '--logger', 'zap', '--log-level', 'error',
        ], { stdio: ['ignore', 'ignore', 'pipe'] }),
      );
      child.stderr.on('data', (d: Buffer) => (stderr[i] = (stderr[i] + d.toString()).slice(-4000)));
      return child;
    }),
  );
  const endpoints = names.map((_, i) => client(i));
  const stop = async (): Promise<void> => {
    await Promise.all(
      children.map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise<void>((resolve) => (c.once('exit', () => resolve()), c.kill('SIGKILL'))))),
    );
  };
  const deadline = Date.now() + 30_000;
  let leader: string | undefined;
  while ((leader = await agreedLeader(endpoints)) === undefined) {
    const dead = children.findIndex((c) => c.exitCode !== null);
    if (dead >= 0 || Date.now() > deadline) {
      await stop();
      throw new Error(`etcd: ${dead >= 0 ? `${names[dead]} exited (${children[dead]!.exitCode})` : 'no leader within 30 s'}: ${stderr.join('\n---\n')}`);
    }
    await sleep(100);
  }
  return { impl: 'etcd', endpoints, leader, pids: Object.fromEntries(children.map((c, i) => [endpoints[i]!, c.pid!])), stop };
}
