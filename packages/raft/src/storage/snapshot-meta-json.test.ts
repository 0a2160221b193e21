// meta.json codec: Go's string escaping, round trips, and a total decoder
// under random mutation (every outcome is a value or a SnapshotError).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromUtf8, seededRandom, utf8 } from '@shoal/kit';
import { SnapshotError } from '../errors.js';
import { decodeSnapshotMetaJson, encodeSnapshotMetaJson, goJsonString } from './snapshot-meta-json.js';
import type { FileSnapshotMeta } from './snapshot-meta-json.js';

const SEED = Number(process.env['SHOAL_SEED'] ?? 1913);

test("goJsonString escapes as Go 1.19's encoding/json does", () => {
  // Printed by Go: json.Marshal("a<b>&c\u2028\u2029\b\f\x01\x1f\"\\\n\r\t\x7fé😀")
  const go = String.raw`"a\u003cb\u003e\u0026c\u2028\u2029\u0008\u000c\u0001\u001f\"\\\n\r\t` + '\x7fé😀"';
  assert.equal(goJsonString('a<b>&c\u2028\u2029\b\f\x01\x1f"\\\n\r\t\x7fé😀'), go);
  assert.equal(goJsonString('lone \ud800 surrogate'), '"lone \ufffd surrogate"');
  assert.equal(JSON.parse(go), 'a<b>&c\u2028\u2029\b\f\x01\x1f"\\\n\r\t\x7fé😀');
});

const SAMPLE: FileSnapshotMeta = {
  meta: {
    version: 1,
    id: '7-1234-1795320959906',
    index: 1234,
    term: 7,
    peers: Uint8Array.of(0x91, 0xa1, 0x61),
    configuration: {
      servers: [
        { suffrage: 0, id: 'n<1>', address: '10.0.0.1:8300' },
        { suffrage: 1, id: 'n2', address: '[::1]:8300' },
        { suffrage: 2, id: 'ünï', address: 'a&b' },
      ],
    },
    configurationIndex: 1200,
    size: 2 ** 40,
  },
  crc: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8),
};

test('encode then decode gives the same metadata; nil slices are null both ways', () => {
  const { crc, meta: plainMeta } = SAMPLE;
  const decoded = decodeSnapshotMetaJson(encodeSnapshotMetaJson({ meta: plainMeta, crc }), 'sample');
  assert.deepEqual(decoded, { meta: plainMeta, crc });
  const empty = { ...plainMeta, peers: new Uint8Array(), configuration: { servers: [] } };
  const text = fromUtf8(encodeSnapshotMetaJson({ meta: empty, crc: new Uint8Array() }));
  assert.match(text, /"Peers":null,"Configuration":\{"Servers":null\},.*"CRC":null\}\n$/);
  assert.deepEqual(decodeSnapshotMetaJson(utf8(text), 'empty'), { meta: empty, crc: new Uint8Array() });
});

test('Go-accepted variations decode: other key case, unknown keys, missing optional fields', () => {
  const decoded = decodeSnapshotMetaJson(utf8('{"version":1,"id":"1-2-3","INDEX":2,"Term":1,"Extra":[1,{"x":null}]}'), 'loose');
  assert.deepEqual(decoded.meta, { version: 1, id: '1-2-3', index: 2, term: 1, peers: new Uint8Array(), configuration: { servers: [] }, configurationIndex: 0, size: 0 });
});

test('malformed meta.json is a SnapshotError naming the problem', () => {
  const cases: [string, RegExp][] = [
    ['', /not JSON/],
    ['[]', /not a JSON object/],
    ['{"ID":"a","Index":1,"Term":1}', /Version is missing/],
    ['{"Version":1,"ID":"a","Index":-1,"Term":1}', /Index is not an integer/],
    ['{"Version":1,"ID":"a","Index":18446744073709551615,"Term":1}', /Index is not an integer ≥ 0 below 2\^53/],
    ['{"Version":1,"ID":"a","Index":1.5,"Term":1}', /Index is not an integer/],
    ['{"Version":1,"ID":7,"Index":1,"Term":1}', /ID is not a string/],
    ['{"Version":1,"ID":"a","Index":1,"Term":1,"CRC":"!!!!"}', /CRC is not base64/],
    ['{"Version":1,"ID":"a","Index":1,"Term":1,"Peers":12}', /Peers is not base64 text/],
    ['{"Version":1,"ID":"a","Index":1,"Term":1,"Configuration":[]}', /Configuration is not an object/],
    ['{"Version":1,"ID":"a","Index":1,"Term":1,"Configuration":{"Servers":{}}}', /Servers is not an array/],
    ['{"Version":1,"ID":"a","Index":1,"Term":1,"Configuration":{"Servers":[{"Suffrage":3}]}}', /Servers\[0\]: unknown Suffrage 3/],
    ['{"Version":1,"ID":"a","Index":1,"Term":1,"Configuration":{"Servers":[7]}}', /Servers\[0\]: not an object/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => decodeSnapshotMetaJson(utf8(text), 'm'), (e: unknown) => e instanceof SnapshotError && message.test(e.message), text);
  }
});

test(`random mutations never escape as anything but a SnapshotError (seed ${SEED})`, () => {
  const random = seededRandom(SEED);
  const next = (n: number): number => random.int(n);
  const original = encodeSnapshotMetaJson(SAMPLE);
  const alphabet = utf8('{}[]",:0123456789-.eE+ntrufalsN\\ \n\u00ff');
  let decoded = 0;
  let refused = 0;
  for (let round = 0; round < 5000; round++) {
    const bytes = original.slice(0, next(4) === 0 ? next(original.length + 1) : original.length);
    for (let edits = 1 + next(4); edits > 0 && bytes.length > 0; edits--) bytes[next(bytes.length)] = alphabet[next(alphabet.length)]!;
    try {
      decodeSnapshotMetaJson(bytes, 'fuzz');
      decoded++;
    } catch (err) {
      assert.ok(err instanceof SnapshotError, `seed ${SEED} round ${round}: ${String(err)} for ${fromUtf8(bytes)}`);
      refused++;
    }
  }
  assert.ok(decoded > 0 && refused > 0, `both outcomes happen (decoded ${decoded}, refused ${refused})`);
});
