import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBatchAnswer, decodeBatchRequest, encodeBatchAnswer, encodeBatchRequest, MAX_BATCH_COMMANDS } from './apply-batch.js';

const b = (...xs: number[]): Uint8Array => new Uint8Array(xs);

test('apply-batch framing: commands and answers come back as they went', () => {
  const commands = [b(1, 2, 3), b(), b(9)];
  assert.deepEqual(decodeBatchRequest(encodeBatchRequest(commands)), commands);
  const answers = [{ status: 200, body: b(123) }, { status: 503, body: b() }];
  assert.deepEqual(decodeBatchAnswer(encodeBatchAnswer(answers), 2), answers);
});

test('apply-batch framing: the decoders refuse every malformed body', () => {
  const request = encodeBatchRequest([b(1, 2, 3)]);
  const refusedRequests: [string, Uint8Array][] = [
    ['empty', b()],
    ['a cut length', request.subarray(0, 3)],
    ['a cut command', request.subarray(0, 6)],
    ['a length past the end', b(0, 0, 0, 9, 1)],
    ['too many commands', encodeBatchRequest(Array.from({ length: MAX_BATCH_COMMANDS + 1 }, () => b(1)))],
  ];
  for (const [why, bytes] of refusedRequests) assert.equal(decodeBatchRequest(bytes), undefined, why);
  assert.equal(decodeBatchRequest(encodeBatchRequest(Array.from({ length: MAX_BATCH_COMMANDS }, () => b(1))))?.length, MAX_BATCH_COMMANDS);
  const answer = encodeBatchAnswer([{ status: 200, body: b(7, 7) }]);
  assert.equal(decodeBatchAnswer(answer, 2), undefined, 'fewer answers than commands');
  assert.equal(decodeBatchAnswer(encodeBatchAnswer([{ status: 200, body: b() }, { status: 200, body: b() }]), 1), undefined, 'more answers than commands');
  assert.equal(decodeBatchAnswer(answer.subarray(0, 7), 1), undefined, 'a cut body');
  assert.equal(decodeBatchAnswer(answer.subarray(0, 4), 1), undefined, 'a cut header');
});
