// `shoal agent` servers under SIGKILL (issue 16 item 3): three server
// processes on loopback with data directories, the leader SIGKILLed and
// restarted on the same directory and ports while clients work.
//
// A: the npm `consul` client's scenario (KV and cas, a transaction, sessions
//    and the lock recipe with two contenders, a watch, a service with a TTL
//    check and its health) runs in rounds against a follower, and keeps
//    getting right answers. A call that fails with a 5xx or a connection
//    error during an election is retried, as real Consul clients must; a
//    write whose outcome was unknown is settled by reading, never assumed.
// B: six clients do get/put/cas through the HTTP API of random agents (the
//    three servers and a client agent); the history is linearizable by
//    `shoal lincheck`, every acknowledged write is in the final values or
//    superseded, and every restarted server rejoins.
// The longer run is bench/agent-crash-soak.ts; docs/agent-cluster.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Consul from 'consul';
import { AgentCluster, type AgentServer, LeaderKiller } from '../testing/agent-cluster.js';
import { runAgentCrash } from '../testing/agent-crash-run.js';
import { historyJson, type KvHistoryOp, runLincheck } from '../testing/agent-kv-workload.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Item {
  Key: string;
  Value: string | null;
  ModifyIndex: number;
  LockIndex: number;
  Session?: string;
}

interface ConsulError {
  statusCode?: number;
  message?: string;
}

/** What a client may retry: no answer at all, or a 5xx (an election: "No cluster leader"). */
function transient(error: unknown): boolean {
  const status = (error as ConsulError).statusCode;
  return status === undefined || status >= 500;
}

class Retrier {
  retries = 0;
  readonly reasons = new Map<string, number>();

  /** Calls `fn` until it answers, retrying transient failures for up to `ms`; anything else is thrown. */
  async call<T>(what: string, fn: () => Promise<T>, ms = 40_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      try {
        return await fn();
      } catch (error) {
        if (!transient(error) || Date.now() > deadline) throw new Error(`${what}: ${(error as ConsulError).statusCode ?? ''} ${(error as Error).message}`, { cause: error });
        this.note(error);
        await sleep(200);
      }
    }
  }

  note(error: unknown): void {
    this.retries++;
    const why = `${(error as ConsulError).statusCode ?? 'no answer'} ${String((error as Error).message).slice(0, 40)}`;
    this.reasons.set(why, (this.reasons.get(why) ?? 0) + 1);
  }

  /** Polls `probe` (transient failures count as "not yet") until it returns something other than undefined or false. */
  async eventually<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 40_000): Promise<T> {
    const deadline = Date.now() + ms;
    let last = '';
    for (;;) {
      try {
        const value = await probe();
        if (value !== undefined && value !== false) return value;
      } catch (error) {
        if (!transient(error)) throw error;
        this.note(error);
        last = (error as Error).message;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${last})` : ''}`);
      await sleep(200);
    }
  }
}

/** A value as the client answers it (it decodes KV values; a transaction's results stay base64). */
const text = (item: Item | undefined): string | undefined => (item === undefined ? undefined : (item.Value ?? ''));

function consulAt(server: AgentServer): Consul {
  const [host, port] = server.http.split(':');
  // Every request gives up after 25 s (a lost answer, then, not a hang): the client's `timeout` default.
  return new Consul({ host: host!, port: Number(port), defaults: { timeout: 25_000 } as never });
}

/**
 * A cas that may be retried: a try whose outcome is unknown is settled by
 * reading the key (nobody else writes it): our value there means it took
 * effect; the old index still there means it did not, and it is tried again.
 * Returns true when the swap happened; false only from a clean answer.
 */
async function casSettled(r: Retrier, consul: Consul, key: string, value: string, index: number): Promise<boolean> {
  const deadline = Date.now() + 40_000;
  for (;;) {
    try {
      return Boolean(await consul.kv.set({ key, value, cas: index }));
    } catch (error) {
      if (!transient(error) || Date.now() > deadline) throw error;
      r.note(error);
    }
    const now = await r.call(`read ${key} after a cas of unknown outcome`, async () => (await consul.kv.get(key)) as Item | undefined);
    if (text(now) === value) return true;
    assert.equal(now?.ModifyIndex, index, `${key} changed, but not to the value of the cas of unknown outcome: ${JSON.stringify(now)}`);
    await sleep(200);
  }
}

interface LockBook {
  /** Who the test believes holds the lock now. */
  holder: string | undefined;
  /** LockIndex seen at each acquisition, in order. */
  readonly lockIndexes: number[];
}

/**
 * Consul's lock recipe with the client's calls, on `consul`: create a session,
 * acquire the key; while another session holds it, block on the key until it
 * is free. On acquiring, the book must say nobody holds it, and the key must
 * name this session with a LockIndex one past the previous acquisition's.
 */
async function contend(r: Retrier, consul: Consul, key: string, name: string, book: LockBook): Promise<{ session: string; release(): Promise<void> }> {
  const { ID: session } = await r.call(`${name}: session create`, async () => (await consul.session.create({ name, lockdelay: '0s' })) as { ID: string });
  let index: number | undefined;
  for (;;) {
    // Acquiring again with the session that holds the key answers true: a retry of an unknown acquire is safe.
    if (await r.call(`${name}: acquire`, async () => Boolean(await consul.kv.set({ key, value: name, acquire: session })))) break;
    const current = await r.call(`${name}: block on ${key}`, async () => (await consul.kv.get({ key, ...(index === undefined ? {} : { index, wait: '3s' }) })) as Item);
    index = current.ModifyIndex;
  }
  assert.equal(book.holder, undefined, `${name} acquired ${key} while ${book.holder} holds it`);
  book.holder = name;
  const held = await r.call(`${name}: read ${key}`, async () => (await consul.kv.get(key)) as Item);
  assert.equal(held.Session, session, `${name} acquired ${key}, but it names session ${held.Session}`);
  const previous = book.lockIndexes.at(-1);
  if (previous !== undefined) assert.equal(held.LockIndex, previous + 1, `LockIndex after ${name} acquired`);
  book.lockIndexes.push(held.LockIndex);
  return {
    session,
    release: async () => {
      // Once the release is sent, the other may have the lock.
      book.holder = undefined;
      await r.call(`${name}: release`, async () => Boolean(await consul.kv.set({ key, value: name, release: session })));
      const after = await r.call(`${name}: read ${key} after release`, async () => (await consul.kv.get(key)) as Item);
      assert.notEqual(after.Session, session, `${key} still held by ${name} after its release`);
      await r.call(`${name}: session destroy`, () => consul.session.destroy(session));
    },
  };
}

/** One round of the consul client's scenario against `target`; every answer checked. */
async function round(r: Retrier, cluster: AgentCluster, target: AgentServer, n: number): Promise<void> {
  const consul = consulAt(target);
  const others: Consul[] = [];
  const p = `crash-a/r${n}`;
  try {
    // KV: an acknowledged write is what every server reads after it.
    assert.equal(await r.call('set a', () => consul.kv.set(`${p}/a`, `one-${n}`)), true);
    const a = await r.call('get a', async () => (await consul.kv.get(`${p}/a`)) as Item);
    assert.equal(text(a), `one-${n}`);
    for (const other of cluster.servers.filter((s) => s !== target)) {
      const c = consulAt(other);
      others.push(c);
      // Another server may be down now: it is asked until it answers (a restart takes seconds).
      assert.equal(text(await r.call(`get a from ${other.name}`, async () => (await c.kv.get(`${p}/a`)) as Item)), `one-${n}`, `read through ${other.name}`);
    }
    // cas: a stale index never swaps; the current one swaps, and the value shows.
    // (The client answers false as a falsy value, not always `false`.)
    assert.equal(Boolean(await r.call('cas stale', () => consul.kv.set({ key: `${p}/a`, value: 'stale', cas: a.ModifyIndex - 1 }))), false);
    assert.equal(await casSettled(r, consul, `${p}/a`, `two-${n}`, a.ModifyIndex), true, 'cas with the current index');
    assert.equal(text(await r.call('get a after cas', async () => (await consul.kv.get(`${p}/a`)) as Item)), `two-${n}`);

    // A transaction, all or nothing (setting the same value again is harmless, so it is retried).
    const txn = (operations: object[]): Promise<unknown> => consul.transaction.create(operations as never);
    const ok = (await r.call('txn', () => txn([
      { KV: { Verb: 'set', Key: `${p}/txn/x`, Value: Buffer.from(`x${n}`).toString('base64') } },
      { KV: { Verb: 'get', Key: `${p}/txn/x` } },
    ]))) as { Results: { KV: Item }[] };
    assert.equal(Buffer.from(ok.Results[1]!.KV.Value ?? '', 'base64').toString(), `x${n}`);
    await assert.rejects(
      r.call('failing txn', () => txn([
        { KV: { Verb: 'set', Key: `${p}/txn/y`, Value: '' } },
        { KV: { Verb: 'check-not-exists', Key: `${p}/txn/x` } },
      ])),
      (error: Error) => (error.cause as ConsulError | undefined)?.statusCode === 409,
    );
    assert.equal(await r.call('get y', () => consul.kv.get(`${p}/txn/y`)), undefined, 'a failed transaction wrote nothing');

    // Sessions and the lock recipe: two contenders, never both holding the lock.
    const book: LockBook = { holder: undefined, lockIndexes: [] };
    const lockKey = `${p}/leader`;
    const second = consulAt(target);
    others.push(second);
    const alpha = await contend(r, consul, lockKey, 'alpha', book);
    const beta = contend(r, second, lockKey, 'beta', book);
    await sleep(300);
    assert.equal(book.holder, 'alpha', 'beta waits while alpha holds the lock');
    await alpha.release();
    const betaLock = await beta;
    assert.equal(book.holder, 'beta');
    await betaLock.release();
    assert.equal(book.lockIndexes.length, 2);

    // A watch (blocking queries) sees v0, then v1, and nothing else.
    await r.call('set w0', () => consul.kv.set(`${p}/watched`, 'v0'));
    const seen: string[] = [];
    const watch = consul.watch({ method: consul.kv.get, options: { key: `${p}/watched`, wait: '3s' }, backoffFactor: 50, backoffMax: 1000 });
    try {
      watch.on('change', (data: Item | undefined) => void (data !== undefined && seen.push(text(data)!)));
      watch.on('error', (error: unknown) => r.note(error));
      await r.eventually('the watch to see v0', async () => seen.includes('v0'));
      await r.call('set w1', () => consul.kv.set(`${p}/watched`, 'v1'));
      await r.eventually('the watch to see v1', async () => seen.includes('v1'));
    } finally {
      watch.end();
    }
    assert.deepEqual(seen, ['v0', 'v1']);

    // A service with a TTL check on the target agent, and its health as the servers see it.
    const service = `billing-${n}`;
    await r.call('register', () => consul.agent.service.register({ name: service, id: `${service}-1`, port: 9000, check: { ttl: '60s' } as never }));
    const passing = async (): Promise<string[]> =>
      ((await consul.health.service({ service, passing: true })) as { Node: { Node: string }; Service: { ID: string } }[]).map((h) => `${h.Node.Node}/${h.Service.ID}`);
    await r.eventually('the service in the catalog', async () => ((await consul.catalog.service.nodes(service)) as unknown[]).length === 1);
    assert.deepEqual(await r.call('health before pass', passing), [], 'a TTL check starts critical');
    await r.call('pass', () => consul.agent.check.pass(`service:${service}-1`));
    await r.eventually('the service passing', async () => (await passing()).join() === `${target.name}/${service}-1`);
    await r.call('fail', () => consul.agent.check.fail(`service:${service}-1`));
    await r.eventually('the service failing', async () => (await passing()).length === 0);
    await r.call('deregister', () => consul.agent.service.deregister(`${service}-1`));
    await r.eventually('the service gone', async () => ((await consul.catalog.service.nodes(service)) as unknown[]).length === 0);
  } finally {
    consul.destroy();
    for (const c of others) c.destroy();
  }
}

test('the consul client through a follower gets right answers while the leader is SIGKILLed and restarted, between and during rounds', { timeout: 120_000 }, async () => {
  const started = Date.now();
  const root = await mkdtemp(join(tmpdir(), 'shoal-agent-crash-a-'));
  let cluster: AgentCluster | undefined;
  try {
    cluster = await AgentCluster.start({ root });
    const c = cluster;
    let target: AgentServer | undefined;
    let inRound = false;
    const kills = { during: 0, between: 0 };
    const killer = new LeaderKiller(c, {
      intervalMs: [2000, 4000],
      downMs: [300, 1500],
      spare: () => target?.name,
      onKill: () => void (inRound ? kills.during++ : kills.between++),
    });
    const r = new Retrier();
    killer.start();
    // Rounds for what is left of 75 s after the start-up, at least 45 s; then the killer stops (a restart at most) and the checks run.
    const end = Math.max(started + 75_000, Date.now() + 45_000);
    let rounds = 0;
    while (Date.now() < end) {
      // Every third round starts right after a kill, while the cluster elects.
      if (rounds % 3 === 2) {
        // Between rounds no server needs sparing: the last round's target, had it become leader, would stop every kill.
        target = undefined;
        const before = killer.stats.kills;
        const waitEnd = Date.now() + 10_000;
        while (killer.stats.kills === before && Date.now() < waitEnd) await sleep(50);
      }
      // The round's agent: a running server that does not lead now (the killer spares it).
      // (During an election there is no leader: any running server will do; the killer spares it should it win.)
      const leader = await c.leader();
      const candidates = c.ready().filter((s) => s !== leader);
      target = candidates[Math.floor(Math.random() * candidates.length)];
      if (target === undefined) {
        await sleep(100);
        continue;
      }
      inRound = true;
      try {
        await round(r, c, target, rounds);
      } catch (error) {
        throw new Error(`round ${rounds} on ${target.name} failed: ${(error as Error).message}\nnemesis: ${killer.log.join(', ')}${c.stderrs()}`, { cause: error });
      }
      inRound = false;
      rounds++;
    }
    target = undefined;
    await killer.stop();
    const summary = { rounds, ...killer.stats, kills, retries: r.retries, reasons: Object.fromEntries(r.reasons), unexpectedExits: c.unexpectedExits };
    console.log(`agent crash test A: ${JSON.stringify(summary)}`);
    assert.equal(c.unexpectedExits, 0, c.stderrs());
    assert.ok(rounds >= 3, `only ${rounds} rounds`);
    assert.ok(killer.stats.leaderKills >= 3, `only ${killer.stats.leaderKills} leader kills`);
    assert.ok(kills.during >= 1, 'no kill during a round');
    assert.ok(kills.between >= 1, 'no kill between rounds');
  } finally {
    await cluster?.killAll();
    await rm(root, { recursive: true, force: true });
  }
});

test('concurrent KV clients on random agents while the leader is SIGKILLed: the history is linearizable by `shoal lincheck`, no acknowledged write lost', { timeout: 120_000 }, async () => {
  const report = await runAgentCrash({ durationMs: 20_000, clients: 6, keys: 4, clientAgents: 1, intervalMs: [1500, 3000], downMs: [300, 1200], leaderChance: 1 });
  const { nemesisLog, missing, finals: _finals, ...figures } = report;
  console.log(`agent crash test B: ${JSON.stringify(figures)}`);
  const context = `\n${JSON.stringify({ nemesisLog, missing, lincheck: report.lincheck })}`;
  assert.deepEqual(report.apiErrors, [], context);
  assert.equal(report.unexpectedExits, 0, context);
  assert.equal(report.lincheck.exit, 0, `shoal lincheck ${report.historyFile}: ${context}`);
  assert.equal(report.ackedWritesMissing, 0, context);
  assert.ok(report.rejoined.ok, `the servers did not become one cluster again: ${report.rejoined.missing.join('; ')}${context}`);
  assert.ok(report.leaderKills >= 2, `only ${report.leaderKills} leader kills${context}`);
  assert.ok(report.operations.ok >= 100 && report.operations.writesOk >= 30 && report.operations.casSwapped >= 5, `too few operations: ${JSON.stringify(report.operations)}`);

  // The check is not vacuous: the same history with one key's final read changed to a value
  // that another acknowledged write certainly replaced before it is rejected.
  const history = JSON.parse(await readFile(report.historyFile, 'utf8')) as KvHistoryOp[];
  const doctored = doctor(history);
  assert.ok(doctored !== undefined, 'no stale value to doctor a final read with');
  const file = `${report.historyFile}.doctored.json`;
  await writeFile(file, historyJson(doctored));
  const verdict = await runLincheck(file, 60_000);
  assert.equal(verdict.exit, 1, `the doctored history passed: ${JSON.stringify(verdict.report)}`);
  await rm(file, { force: true });
  await rm(report.historyFile, { force: true });
});

/** The history with the last read of some key answering a value an acknowledged write replaced before that read began; undefined if there is none. */
function doctor(history: KvHistoryOp[]): KvHistoryOp[] | undefined {
  const acked = (o: KvHistoryOp): boolean => o.return !== null && (o.op === 'put' || (o.op === 'cas' && o.output === true));
  for (let i = history.length - 1; i >= 0; i--) {
    const read = history[i]!;
    if (read.op !== 'get' || read.return === null) continue;
    const writes = history.filter((o) => o.key === read.key && acked(o) && o.return! < read.call);
    const stale = writes.find((w) => writes.some((w2) => w2.call > w.return! && w2.value !== w.value));
    if (stale === undefined) continue;
    return history.map((o, j) => (j === i ? { ...o, output: stale.value! } : o));
  }
  return undefined;
}
