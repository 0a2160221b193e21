// JSON that carries byte arrays: a Uint8Array is written as {"$bytes":BASE64}
// and read back as one. The internal endpoints answer with the store's apply
// results, which are plain data (booleans, strings, numbers, arrays, objects)
// with KV values as bytes; this is enough for them and stays readable with curl.
// `undefined` fields are dropped, as JSON does.

import { fromUtf8, utf8 } from '@shoal/kit';

const BYTES_KEY = '$bytes';

export function encodeTaggedJson(value: unknown): Uint8Array {
  // The holder's own property, not `v`: a Buffer's toJSON has already run on `v`.
  return utf8(
    JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
      const original = this[key];
      return original instanceof Uint8Array ? { [BYTES_KEY]: Buffer.from(original).toString('base64') } : v;
    }) ?? 'null', // undefined itself has no JSON
  );
}

/** Throws a SyntaxError on malformed JSON. */
export function decodeTaggedJson(bytes: Uint8Array): unknown {
  return JSON.parse(fromUtf8(bytes), (_key, v: unknown) => {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      const keys = Object.keys(v);
      const b64 = (v as Record<string, unknown>)[BYTES_KEY];
      if (keys.length === 1 && typeof b64 === 'string') return Uint8Array.from(Buffer.from(b64, 'base64'));
    }
    return v;
  });
}
