// The npm `consul` client's lock helper (`consul.lock`) against a dev agent,
// and through a follower of three servers: two helpers contend for one key. The helper exists only in the client's 0.x
// line (it was removed in 1.0, and this package's other tests use consul@2),
// so it is a devDependency under an alias, `consul-lock-client` =
// consul@0.40.0, the last 0.x. Unchanged, it creates a session (TTL 15s,
// renewed at half of it; no LockDelay unless given, so the agent's default
// 15 s), waits on the key with blocking queries, acquires with ?acquire=,
// retries a refused acquire (lock-delay) after `lockretrytime`, watches the
// key while it holds it, and on release() releases the key and destroys its
// session.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryLogger, NodeFileSystem } from '@shoal/kit';
import { RaftState } from '@shoal/raft';
import { ClusterAgent } from './cluster/cluster-agent.js';
import { startDevAgent, type DevAgent } from './dev-agent.js';

interface Lock extends EventEmitter {
  acquire(): void;
  release(): void;
}
interface LockOptions {
  key: string;
  session?: string | { lockdelay?: string; ttl?: string; name?: string };
  value?: string;
  lockwaittime?: string;
  lockretrytime?: string;
}
type ConsulLockClient = new (options: { host: string; port: number }) => { lock(options: LockOptions): Lock };
// consul@0.x ships no types and is CommonJS.
const ConsulV0 = createRequire(import.meta.url)('consul-lock-client') as ConsulLockClient;

let agent: DevAgent;
before(async () => {
  agent = await startDevAgent({ http: '127.0.0.1:0', nodeName: 'lock-test' });
});
after(() => agent.close());

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function call(address: string, method: string, path: string): Promise<Response> {
  return fetch(`http://${address}${path}`, { method });
}
async function sessionOn(address: string, key: string): Promise<string | undefined> {
  const r = await call(address, 'GET', `/v1/kv/${key}`);
  if (r.status === 404) return undefined;
  return ((await r.json()) as { Session?: string }[])[0]!.Session;
}

/**
 * Two lock helpers on one key, with a check of mutual exclusion on every
 * event: an 'acquire' while the other still holds the lock fails the test.
 * A holder stops holding when the test calls its release() (the application
 * gives up the lock there, before the helper's 'release', which comes after
 * the agent answered) or when the helper emits 'release' (it saw its session
 * leave the key).
 */
function contenders(address: string, key: string, lockDelay: string) {
  const [host, port] = address.split(':');
  const client = new ConsulV0({ host: host!, port: Number(port) });
  let holder: string | undefined;
  const events: string[] = [];
  const errors: unknown[] = [];
  const acquired = new Map<string, () => void>();
  const ended = new Map<string, Promise<void>>();
  const locks = new Map<string, Lock>();
  for (const name of ['a', 'b']) {
    const lock = client.lock({ key, value: name, session: { lockdelay: lockDelay }, lockwaittime: '1s', lockretrytime: '100ms' });
    lock.on('acquire', () => {
      events.push(`${name} acquire`);
      if (holder !== undefined) errors.push(new Error(`${name} acquired while ${holder} holds the lock: ${events.join(', ')}`));
      holder = name;
      acquired.get(name)?.();
    });
    lock.on('release', () => {
      events.push(`${name} release`);
      if (holder === name) holder = undefined;
    });
    lock.on('error', (error: unknown) => errors.push(error));
    ended.set(name, new Promise((resolve) => lock.once('end', () => resolve())));
    locks.set(name, lock);
  }
  return {
    events,
    errors,
    get holder() {
      return holder;
    },
    /** Resolves with the first to acquire once one has, after both called acquire(). */
    start(): Promise<string> {
      const first = new Promise<string>((resolve) => {
        for (const name of locks.keys()) acquired.set(name, () => resolve(name));
      });
      for (const lock of locks.values()) lock.acquire();
      return first;
    },
    next(name: string): Promise<void> {
      return new Promise((resolve) => acquired.set(name, resolve));
    },
    release(name: string): void {
      if (holder === name) holder = undefined;
      locks.get(name)!.release();
    },
    ended(name: string): Promise<void> {
      return ended.get(name)!;
    },
  };
}

const other = (name: string): string => (name === 'a' ? 'b' : 'a');

/** Two helpers: one holds, the other waits, then takes over when the holder releases. */
async function releaseScenario(address: string, key: string): Promise<void> {
  // Consul applies lock-delay only when a session ends holding the key, not on an explicit release.
  const c = contenders(address, key, '5s');
  const first = await c.start();
  const holderSession = await sessionOn(address, key);
  assert.ok(holderSession, 'the holder\'s session is on the key');
  await sleep(1500); // longer than lockwaittime: the waiter's blocking query came back at least once
  assert.deepEqual(c.events, [`${first} acquire`], 'the other does not acquire while the lock is held');
  assert.equal(await sessionOn(address, key), holderSession);

  const second = other(first);
  const takenOver = c.next(second);
  const releasedAt = performance.now();
  c.release(first);
  await c.ended(first);
  await takenOver;
  assert.ok(performance.now() - releasedAt < 5000, 'no lock-delay after an explicit release');
  const secondSession = await sessionOn(address, key);
  assert.ok(secondSession && secondSession !== holderSession);
  assert.deepEqual(c.events, [`${first} acquire`, `${first} release`, `${second} acquire`]);

  c.release(second);
  await c.ended(second);
  assert.equal(await sessionOn(address, key), undefined, 'released');
  assert.deepEqual(c.errors, []);
}

/** Two helpers: one holds; its session is destroyed; the other acquires once the lock-delay has passed. */
async function destroyScenario(address: string, key: string): Promise<void> {
  // The helper's sessions have a 1 s lock-delay: the destroyed holder's helper
  // sees its session leave the key (and emits 'release') well before the waiter
  // may acquire, so the event check of mutual exclusion is sound.
  const c = contenders(address, key, '1s');
  const first = await c.start();
  const second = other(first);
  const holderSession = await sessionOn(address, key);
  assert.ok(holderSession);
  await sleep(300);
  assert.deepEqual(c.events, [`${first} acquire`]);

  const takenOver = c.next(second);
  const destroyedAt = performance.now();
  const destroyed = await call(address, 'PUT', `/v1/session/destroy/${holderSession}`);
  assert.equal(destroyed.status, 200);
  await c.ended(first); // its watch saw the key leave its session
  await takenOver;
  const waited = performance.now() - destroyedAt;
  assert.ok(waited >= 900, `the waiter acquired ${waited.toFixed(0)} ms after the destroy, inside the lock-delay`);
  assert.deepEqual(c.events, [`${first} acquire`, `${first} release`, `${second} acquire`]);
  const secondSession = await sessionOn(address, key);
  assert.ok(secondSession && secondSession !== holderSession);

  c.release(second);
  await c.ended(second);
  assert.equal(await sessionOn(address, key), undefined);
  assert.deepEqual(c.errors, []);
}

test('consul 0.x lock helper: two contenders, one holds, the other takes over when it releases', { timeout: 60_000 }, async () => {
  await releaseScenario(agent.address, 'lock/released');
});

test('consul 0.x lock helper: when the holder\'s session is destroyed, the waiter acquires after the lock-delay', { timeout: 60_000 }, async () => {
  await destroyScenario(agent.address, 'lock/destroyed');
});

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    await sleep(100);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

async function startServer(root: string, name: string, join_?: string[]): Promise<ClusterAgent> {
  const dataFs = new NodeFileSystem(join(root, name));
  await dataFs.mkdir('', { recursive: true });
  return ClusterAgent.start({
    name,
    logger: memoryLogger('warn'),
    dataFs,
    gossip: { bind: { host: '127.0.0.1', port: 0 }, profile: 'local' },
    join: join_,
    server: { raftBind: '127.0.0.1:0', bootstrapExpect: 3, raftConfig: { heartbeatTimeoutMs: 500, electionTimeoutMs: 500, leaderLeaseTimeoutMs: 250 } },
    http: '127.0.0.1:0',
    timing: { tickMs: 200, reconcileIntervalMs: 2_000, reconcileRetryMs: 300, leaveDrainMs: 10_000 },
  });
}

test('consul 0.x lock helper through a follower of three servers: release, then a destroyed holder', { timeout: 180_000 }, async () => {
  const root = await mkdtemp(join(tmpdir(), 'shoal-lock-'));
  const servers: ClusterAgent[] = [];
  try {
    servers.push(await startServer(root, 's1'));
    const seed = [servers[0]!.addresses.gossip];
    servers.push(await startServer(root, 's2', seed), await startServer(root, 's3', seed));
    const leader = await waitFor('a leader', () => servers.find((s) => s.raft?.state === RaftState.Leader));
    const follower = servers.find((s) => s !== leader)!;
    // The helper's sessions are on the follower's node: it must be in the catalog, passing serfHealth.
    await waitFor(`${follower.name} in the catalog`, () => leader.store?.catalog.checksOf(follower.name).get('serfHealth')?.status === 'passing');
    await releaseScenario(follower.addresses.http, 'lock/cluster-released');
    await destroyScenario(follower.addresses.http, 'lock/cluster-destroyed');
  } finally {
    for (const s of servers.reverse()) await s.stop().catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  }
});
