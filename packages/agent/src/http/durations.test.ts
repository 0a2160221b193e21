import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatGoDuration, parseGoDuration } from './durations.js';

test('Go duration strings parse to milliseconds, or undefined', () => {
  const cases: [string, number | undefined][] = [
    ['10s', 10_000], ['1m30s', 90_000], ['250ms', 250], ['1.5h', 5_400_000], ['0', 0], ['100us', 0.1], ['2h45m', 9_900_000],
    ['', undefined], ['10', undefined], ['s', undefined], ['10 s', undefined], ['1d', undefined], ['--1s', undefined],
  ];
  for (const [text, ms] of cases) assert.equal(parseGoDuration(text), ms, text);
});

test('milliseconds format as Go prints durations', () => {
  const cases: [number, string][] = [[0, '0s'], [250, '250ms'], [15_000, '15s'], [60_000, '1m0s'], [90_000, '1m30s'], [86_400_000, '24h0m0s'], [1_500, '1.5s']];
  for (const [ms, text] of cases) assert.equal(formatGoDuration(ms), text, String(ms));
});
