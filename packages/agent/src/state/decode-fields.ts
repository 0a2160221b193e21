// Field readers for the total decoders: each checks one field of an untrusted
// JSON object and throws AgentDecodeError (which the decoder's boundary turns
// into a returned error) when it is missing, mistyped or out of bounds.
import { AgentDecodeError } from '../errors.js';
import { MAX_META_PAIRS, MAX_STRING_LENGTH, MAX_TAGS } from '../limits.js';

export type Json = Record<string, unknown>;

export function fail(message: string): never {
  throw new AgentDecodeError(message);
}

export function object(value: unknown, what: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${what}: not an object`);
  return value as Json;
}

export function array(value: unknown, what: string, max: number): unknown[] {
  if (!Array.isArray(value)) fail(`${what}: not an array`);
  if (value.length > max) fail(`${what}: more than ${max} items`);
  return value;
}

export function string(o: Json, field: string, max = MAX_STRING_LENGTH): string {
  const v = o[field];
  if (typeof v !== 'string') fail(`${field}: not a string`);
  if (v.length > max) fail(`${field}: longer than ${max}`);
  return v;
}

export function optionalString(o: Json, field: string, max = MAX_STRING_LENGTH): string | undefined {
  return o[field] === undefined ? undefined : string(o, field, max);
}

export function uint(o: Json, field: string, max = Number.MAX_SAFE_INTEGER): number {
  const v = o[field];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > max) fail(`${field}: not an integer in 0..${max}`);
  return v;
}

export function bool(o: Json, field: string): boolean {
  const v = o[field];
  if (typeof v !== 'boolean') fail(`${field}: not a boolean`);
  return v;
}

export function oneOf<T extends string>(o: Json, field: string, allowed: readonly T[]): T {
  const v = o[field];
  if (!allowed.includes(v as T)) fail(`${field}: not one of ${allowed.join(', ')}`);
  return v as T;
}

export function strings(value: unknown, what: string, max = MAX_TAGS): string[] {
  return array(value, what, max).map((v, i) => {
    if (typeof v !== 'string' || v.length > MAX_STRING_LENGTH) fail(`${what}[${i}]: not a string of at most ${MAX_STRING_LENGTH}`);
    return v;
  });
}

export function stringMap(value: unknown, what: string): Record<string, string> {
  const o = object(value, what);
  const entries = Object.entries(o);
  if (entries.length > MAX_META_PAIRS) fail(`${what}: more than ${MAX_META_PAIRS} pairs`);
  for (const [k, v] of entries) {
    if (typeof v !== 'string' || k.length > MAX_STRING_LENGTH || v.length > MAX_STRING_LENGTH) fail(`${what}.${k}: not a string`);
  }
  // fromEntries defines each key as its own: an assignment would take a key named __proto__ for the prototype and drop it.
  return Object.fromEntries(entries) as Record<string, string>;
}

const U64_MAX = 18446744073709551615n;

/** A uint64 as Consul's Flags: a decimal string, no leading zeros. */
export function isUint64String(v: string): boolean {
  return /^(0|[1-9][0-9]{0,19})$/.test(v) && BigInt(v) <= U64_MAX;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict base64 (Buffer.from would skip garbage silently). */
export function base64(value: unknown, what: string, maxBytes: number): Uint8Array {
  if (typeof value !== 'string' || !BASE64.test(value)) fail(`${what}: not base64`);
  if ((value.length / 4) * 3 > maxBytes + 2) fail(`${what}: more than ${maxBytes} bytes`);
  return new Uint8Array(Buffer.from(value, 'base64'));
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
