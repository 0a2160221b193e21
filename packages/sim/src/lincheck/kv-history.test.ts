import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kvHistoryFromJson, kvHistoryToJson, LincheckInputError, parseKvHistory } from './kv-history.js';

const put = { client: 0, op: 'put', key: 'k', value: 'v', output: null, call: 1, return: 2 };
const get = { client: 1, op: 'get', key: 'k', output: 'v', call: 3, return: 4 };
const cas = { client: 2, op: 'cas', key: 'k', expect: null, value: 'w', output: false, call: 0, return: 5 };

test('parses every operation kind, numbering operations by position', () => {
  const unknown = { client: 3, op: 'append', key: 'k', value: '+', output: null, call: 2, return: null };
  const ops = kvHistoryFromJson([put, get, cas, unknown]);
  assert.deepEqual(ops[0], { id: 0, client: 0, input: { op: 'put', key: 'k', value: 'v' }, output: null, call: 1, return: 2 });
  assert.deepEqual(ops[1]!.input, { op: 'get', key: 'k' });
  assert.deepEqual(ops[2]!.input, { op: 'cas', key: 'k', expect: null, value: 'w' });
  assert.equal(ops[2]!.output, false);
  assert.equal(ops[3]!.output, undefined, 'an operation that never returned has no output');
  assert.equal(ops[3]!.return, null);
});

test('kvHistoryToJson writes what parseKvHistory reads', () => {
  const ops = kvHistoryFromJson([put, get, cas, { ...get, client: 4, output: null, return: null }]);
  assert.deepEqual(parseKvHistory(kvHistoryToJson(ops)), ops);
});

function without(record: Record<string, unknown>, field: string): Record<string, unknown> {
  const copy = { ...record };
  delete copy[field];
  return copy;
}

const bad: [string, unknown, RegExp][] = [
  ['not an array', { ops: [] }, /must be a JSON array/],
  ['an element that is not an object', [put, 3], /^operation 1: must be a JSON object$/],
  ['a missing field', [without(get, 'call')], /^operation 0: missing field "call"$/],
  ['an unknown field', [{ ...get, retrun: 4 }], /^operation 0: unknown field "retrun"$/],
  ['a fractional client', [{ ...get, client: 1.5 }], /"client" must be an integer, got 1.5/],
  ['a string client', [{ ...get, client: '1' }], /"client" must be an integer, got "1"/],
  ['an unknown op', [{ ...get, op: 'delete' }], /"op" must be "get", "put", "append" or "cas", got "delete"/],
  ['a numeric key', [{ ...get, key: 7 }], /"key" must be a string, got 7/],
  ['a string call time', [{ ...get, call: '3' }], /"call" must be a finite number, got "3"/],
  ['a string return time', [{ ...get, return: 'later' }], /"return" must be a finite number or null, got "later"/],
  ['a return before the call', [{ ...get, call: 5, return: 4 }], /^operation 0: "return" \(4\) is before "call" \(5\)$/],
  ['a get with a value', [{ ...get, value: 'v' }], /"get" takes no "value"/],
  ['a put without a value', [without(put, 'value')], /"put" needs a string "value", got nothing/],
  ['an append with a numeric value', [{ ...put, op: 'append', value: 1 }], /"append" needs a string "value", got 1/],
  ['a cas without expect', [without(cas, 'expect')], /"cas" needs "expect"/],
  ['a cas with a numeric expect', [{ ...cas, expect: 0 }], /"expect" must be a string or null, got 0/],
  ['a put with expect', [{ ...put, expect: 'v' }], /"put" takes no "expect"/],
  ['a cas with a string output', [{ ...cas, output: 'true' }], /"output" of "cas" must be true or false, got "true"/],
  ['a cas that returned with a null output', [{ ...cas, output: null }], /"output" of "cas" must be true or false, got null/],
  ['a put with an output', [{ ...put, output: 'ok' }], /"output" of "put" must be null, got "ok"/],
  ['a get with a numeric output', [{ ...get, output: 1 }], /"output" of "get" must be a string or null \(absent\), got 1/],
  ['one client doing two things at once', [put, { ...get, client: 0, call: 1.5, return: 3 }], /^operations 0 and 1: client 0 has both in progress at once/],
];

for (const [what, json, message] of bad) {
  test(`rejects ${what} with one line naming the problem`, () => {
    assert.throws(
      () => kvHistoryFromJson(json),
      (error: unknown) => error instanceof LincheckInputError && error.code === 'ERR_LINCHECK_INPUT' && message.test(error.message) && !error.message.includes('\n'),
    );
  });
}

test('rejects text that is not JSON, and numbers JSON cannot hold', () => {
  assert.throws(() => parseKvHistory('[{"client":0,'), /^LincheckInputError: not valid JSON: /);
  assert.throws(
    () => parseKvHistory('[{"client":0,"op":"get","key":"k","output":null,"call":1e999,"return":null}]'),
    /^LincheckInputError: operation 0: "call" is too large: the number overflows to Infinity/,
  );
  assert.throws(
    () => parseKvHistory('[{"client":0,"op":"get","key":"k","output":null,"call":0,"return":1},{"client":1,"op":"get","key":"k","output":null,"call":0,"return":-1e400}]'),
    /^LincheckInputError: operation 1: "return" is too large: the number overflows to -Infinity/,
  );
  assert.throws(() => parseKvHistory('[{"client":1e400,"op":"get","key":"k","output":null,"call":0,"return":1}]'), /"client" is too large/);
});

test('accepts what a real recorder produces at the edges', () => {
  // A client may move on after an operation that never returned; touching intervals are fine.
  const ops = kvHistoryFromJson([
    { ...put, return: null },
    { ...get, client: 0, call: 1.5, return: 2 },
    { ...get, client: 0, call: 2, return: 3 },
    { ...cas, client: 5, output: null, return: null },
    { ...get, client: 6, output: null, return: null },
  ]);
  assert.equal(ops.length, 5);
  assert.deepEqual(kvHistoryFromJson([]), []);
});
