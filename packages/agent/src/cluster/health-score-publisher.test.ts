import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '@shoal/kit';
import { HealthScorePublisher } from './health-score-publisher.js';

const INTERVAL_MS = 5_000;

/** A publisher on a manual clock, sampled each second as the agent's housekeeping tick does. */
function setup(initial = 0): { clock: ManualClock; publisher: HealthScorePublisher; published: [number, number][]; setScore: (s: number | undefined) => void } {
  const clock = new ManualClock();
  let score: number | undefined = initial;
  const published: [number, number][] = [];
  const publisher = new HealthScorePublisher({ clock, minIntervalMs: INTERVAL_MS, score: () => score, publish: (s) => published.push([clock.now(), s]) }, initial);
  clock.every(1_000, () => publisher.sample());
  return { clock, publisher, published, setScore: (s) => (score = s) };
}

test('health score publisher: an unchanged score publishes nothing', () => {
  const { clock, published, publisher } = setup();
  clock.advance(60_000);
  assert.deepEqual(published, []);
  assert.equal(publisher.published, 0);
});

test('health score publisher: the first change goes out at the next sample, the next once the interval has passed', () => {
  const { clock, published, setScore } = setup();
  clock.advance(2_500);
  setScore(3);
  clock.advance(1_000); // sampled at 3 s
  assert.deepEqual(published, [[3_000, 3]]);
  setScore(5);
  clock.advance(4_000); // samples at 4..7 s: within the interval
  assert.deepEqual(published, [[3_000, 3]]);
  clock.advance(1_000); // 8 s: the interval is over
  assert.deepEqual(published, [[3_000, 3], [8_000, 5]], 'published once after the rate limit');
  clock.advance(30_000);
  assert.equal(published.length, 2, 'and not again while it stays');
});

test('health score publisher: a score that flaps back within the interval publishes nothing', () => {
  const { clock, published, setScore } = setup();
  setScore(1);
  clock.advance(1_000);
  assert.deepEqual(published, [[1_000, 1]]);
  setScore(4);
  clock.advance(2_000);
  setScore(1);
  clock.advance(20_000);
  assert.deepEqual(published, [[1_000, 1]]);
});

test('health score publisher: a score flapping every sample publishes at most once per interval', () => {
  const { clock, published, setScore } = setup();
  for (let s = 1; s <= 60; s++) {
    setScore(s % 2);
    clock.advance(1_000);
  }
  assert.ok(published.length >= 2, JSON.stringify(published));
  for (let i = 1; i < published.length; i++) assert.ok(published[i]![0] - published[i - 1]![0] >= INTERVAL_MS, JSON.stringify(published));
  assert.ok(published.length <= 60_000 / INTERVAL_MS);
});

test('health score publisher: no score (gossip not running) publishes nothing', () => {
  const { clock, published, setScore, publisher } = setup(0);
  setScore(undefined);
  clock.advance(20_000);
  assert.deepEqual(published, []);
  assert.equal(publisher.published, 0);
});
