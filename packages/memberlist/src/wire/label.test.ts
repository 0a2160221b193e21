// Labels arrived in memberlist v0.3.0; the installed Go 0.2.2 has none. These
// tests follow the spec (§1, §5.3, §6) and its labelled vectors (§7).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addLabelHeaderToPacket,
  checkInboundLabel,
  labelHeader,
  labelOverhead,
  parseLabelHeader,
  removeLabelHeaderFromPacket,
} from './label.js';
import { WireError, WireErrorCode } from './errors.js';
import { hex, toHex } from './go-fixtures.js';

const isCode = (code: string) => (e: unknown) => e instanceof WireError && e.code === code;
const body = hex('0082a44e6f6465a66e6f64652d62a55365714e6f01');

test('AddLabelHeaderToPacket / RemoveLabelHeaderFromPacket', () => {
  assert.equal(addLabelHeaderToPacket(body, ''), body, 'no label, no header');
  const labelled = addLabelHeaderToPacket(body, 'prod');
  assert.equal(toHex(labelled.subarray(0, 6)), 'f40470726f64');
  const r = removeLabelHeaderFromPacket(labelled);
  assert.equal(r.label, 'prod');
  assert.deepEqual(r.rest, body);
  const none = removeLabelHeaderFromPacket(body);
  assert.equal(none.label, '');
  assert.equal(none.rest, body);
  assert.equal(removeLabelHeaderFromPacket(new Uint8Array(0)).rest.length, 0);
});

test('label limits: 1..255 bytes; empty and truncated headers are errors', () => {
  assert.equal(labelHeader('x'.repeat(255)).length, 257);
  assert.throws(() => labelHeader('x'.repeat(256)), isCode(WireErrorCode.LabelTooLong));
  assert.throws(() => labelHeader('é'.repeat(128)), isCode(WireErrorCode.LabelTooLong), 'the limit counts UTF-8 bytes');
  assert.throws(() => removeLabelHeaderFromPacket(hex('f400')), isCode(WireErrorCode.LabelEmpty));
  assert.throws(() => removeLabelHeaderFromPacket(hex('f4')), isCode(WireErrorCode.LabelTruncated));
  assert.throws(() => removeLabelHeaderFromPacket(hex('f40470726f')), isCode(WireErrorCode.LabelTruncated));
  assert.equal(labelOverhead(''), 0);
  assert.equal(labelOverhead('prod'), 6);
});

test('stream form is incremental', () => {
  const stream = hex('f40470726f640a');
  for (let i = 0; i < 6; i++) assert.equal(parseLabelHeader(stream.subarray(0, i)), 'need-more', `prefix ${i}`);
  const r = parseLabelHeader(stream);
  assert.ok(r !== 'need-more');
  assert.equal(r.label, 'prod');
  assert.equal(toHex(r.rest), '0a');
  const plain = parseLabelHeader(hex('06'));
  assert.ok(plain !== 'need-more' && plain.label === '');
});

test('inbound policy (spec §5.3)', () => {
  const prod = new TextEncoder().encode('prod');
  assert.deepEqual(checkInboundLabel(prod, 'prod'), prod);
  assert.throws(() => checkInboundLabel(prod, 'dev'), isCode(WireErrorCode.LabelMismatch));
  assert.throws(() => checkInboundLabel(new Uint8Array(0), 'prod'), isCode(WireErrorCode.LabelMismatch), 'unlabelled input, label configured');
  assert.throws(() => checkInboundLabel(prod, ''), isCode(WireErrorCode.LabelMismatch), 'labelled input, none configured');
  assert.equal(checkInboundLabel(new Uint8Array(0), '').length, 0);
  // SkipInboundLabelCheck: unlabelled counts as the configured label; labelled is rejected.
  assert.deepEqual(checkInboundLabel(new Uint8Array(0), 'prod', true), prod);
  assert.throws(() => checkInboundLabel(prod, 'prod', true), isCode(WireErrorCode.LabelMismatch));
});
