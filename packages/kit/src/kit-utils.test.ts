import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { createLogger, jsonLines, memoryLogger, silentLogger, type Logger } from './logger.js';
import { InMemoryMetrics, noopMetrics } from './metrics.js';
import { Deferred } from './deferred.js';
import { ManualClock } from './manual-clock.js';
import { TimeoutError, timeoutSignal, withTimeout } from './timeout.js';
import { sleep } from './clock.js';
import { RealClock } from './real-clock.js';

test('pino satisfies Logger', () => {
  const lines: string[] = [];
  const logger: Logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(s) });
  logger.info({ node: 'a' }, 'joined');
  logger.child({ component: 'x' }).warn('careful');
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, /"node":"a".*"msg":"joined"/);
  silentLogger.error({ x: 1 }, 'nothing happens');
});

test('createLogger filters by level, merges bindings, and serializes errors', () => {
  const log = memoryLogger('info');
  log.debug('hidden');
  log.child({ node: 'n1' }).warn({ err: new Error('boom') }, 'failed');
  assert.equal(log.entries.length, 1);
  const e = log.entries[0]!;
  assert.equal(e.level, 'warn');
  assert.equal(e.node, 'n1');
  assert.equal((e.err as { message: string }).message, 'boom');
  let out = '';
  createLogger(jsonLines((l) => (out += l), () => 5), 'trace').info({ b: new Uint8Array([1, 255]) }, 'x');
  assert.deepEqual(JSON.parse(out), { time: 5, b: '01ff', level: 'info', msg: 'x' });
});

test('metrics aggregate with labels and export Prometheus text', () => {
  const m = new InMemoryMetrics();
  m.incrCounter('memberlist.msg.alive');
  m.incrCounter('memberlist.msg.alive', 2);
  m.incrCounter('raft.rpc', 1, { type: 'vote', b: 'x' });
  m.setGauge('memberlist.health.score', 3);
  m.addTiming('memberlist.probeNode', 10);
  m.addTiming('memberlist.probeNode', 30);
  assert.equal(m.counter('memberlist.msg.alive'), 3);
  assert.equal(m.counter('raft.rpc', { b: 'x', type: 'vote' }), 1);
  assert.deepEqual(m.timing('memberlist.probeNode'), { count: 2, sumMs: 40, minMs: 10, maxMs: 30 });
  const text = m.toPrometheus();
  assert.match(text, /# TYPE memberlist_msg_alive counter\nmemberlist_msg_alive 3\n/);
  assert.match(text, /raft_rpc\{b="x",type="vote"\} 1/);
  assert.match(text, /memberlist_probeNode_sum 0.04\nmemberlist_probeNode_count 2/);
  noopMetrics.incrCounter('ignored');
});

test('Deferred settles once', async () => {
  const d = new Deferred<number>();
  assert.equal(d.settled, false);
  assert.equal(d.resolve(1), true);
  assert.equal(d.reject(new Error('late')), false);
  assert.equal(await d.promise, 1);
});

test('Deferred: a dropped rejection is not unhandled; an awaited one still rejects', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    new Deferred<void>().reject(new Error('dropped'));
    const awaited = new Deferred<void>();
    awaited.reject(new Error('seen'));
    await assert.rejects(awaited.promise, /seen/);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

test('ManualClock fires timers in time order, repeats, and cancels', () => {
  const clock = new ManualClock();
  const seen: string[] = [];
  clock.after(30, () => seen.push(`a@${clock.now()}`));
  const t = clock.every(10, () => seen.push(`e@${clock.now()}`));
  clock.after(10, () => seen.push(`b@${clock.now()}`));
  assert.equal(clock.nextTimerAt(), 10);
  clock.advance(35);
  assert.equal(clock.nextTimerAt(), 40);
  t.cancel();
  assert.equal(clock.nextTimerAt(), undefined);
  clock.advance(100);
  assert.deepEqual(seen, ['e@10', 'b@10', 'e@20', 'a@30', 'e@30']);
  assert.equal(clock.now(), 135);
  assert.equal(clock.pendingCount, 0);
});

test('withTimeout resolves, times out, and aborts', async () => {
  const clock = new ManualClock();
  assert.equal(await withTimeout(clock, Promise.resolve(7), 10), 7);

  const never = new Promise<number>(() => {});
  const timed = withTimeout(clock, never, 10);
  clock.advance(10);
  await assert.rejects(timed, (e: unknown) => e instanceof TimeoutError && e.code === 'ERR_TIMEOUT');

  const ac = new AbortController();
  const aborted = withTimeout(clock, never, 1000, ac.signal);
  ac.abort(new Error('stop'));
  await assert.rejects(aborted, /stop/);
  assert.equal(clock.pendingCount, 0, 'the timer is cancelled on abort');
});

test('timeoutSignal aborts on the clock or with a parent', () => {
  const clock = new ManualClock();
  const t = timeoutSignal(clock, 50);
  clock.advance(49);
  assert.equal(t.signal.aborted, false);
  clock.advance(1);
  assert.ok(t.signal.reason instanceof TimeoutError);

  const parent = new AbortController();
  const u = timeoutSignal(clock, 50, parent.signal);
  parent.abort('bye');
  assert.equal(u.signal.reason, 'bye');
  assert.equal(clock.pendingCount, 0);
});

test('sleep on the real clock and on an aborted signal', async () => {
  await sleep(new RealClock(), 1);
  const ac = new AbortController();
  ac.abort(new Error('no'));
  await assert.rejects(sleep(new ManualClock(), 5, ac.signal), /no/);
});
