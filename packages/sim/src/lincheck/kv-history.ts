import { ShoalError } from '@shoal/kit';
import type { KvInput, KvOperation, KvOutput } from './kv.js';

/** A history file that is not valid: the message names the operation and the field. */
export class LincheckInputError extends ShoalError {
  constructor(message: string) {
    super('ERR_LINCHECK_INPUT', message);
  }
}

const FIELDS = new Set(['client', 'op', 'key', 'value', 'expect', 'output', 'call', 'return']);
const OPS = new Set(['get', 'put', 'append', 'cas']);

/**
 * Parses a KV history file: a JSON array of
 * `{"client":int,"op":"get"|"put"|"append"|"cas","key":str,"value":str?,"expect":str|null?,
 *   "output":str|null|bool,"call":number,"return":number|null}`.
 * Throws LincheckInputError on the first problem.
 */
export function parseKvHistory(text: string): KvOperation[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new LincheckInputError(`not valid JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  return kvHistoryFromJson(json);
}

/** Validates an already parsed history (see parseKvHistory). */
export function kvHistoryFromJson(json: unknown): KvOperation[] {
  if (!Array.isArray(json)) throw new LincheckInputError('the history must be a JSON array of operations');
  const ops = json.map((item: unknown, id) => parseOperation(item, id));
  checkClientsAreSequential(ops);
  return ops;
}

/** Serialises a history in the file format (one operation per line). */
export function kvHistoryToJson(ops: readonly KvOperation[]): string {
  const lines = ops.map((op) => {
    const { op: name, key } = op.input;
    const record: Record<string, unknown> = { client: op.client, op: name, key };
    if (op.input.op !== 'get') record.value = op.input.value;
    if (op.input.op === 'cas') record.expect = op.input.expect;
    record.output = op.output ?? null;
    record.call = op.call;
    record.return = op.return;
    return JSON.stringify(record);
  });
  return `[\n${lines.join(',\n')}\n]\n`;
}

function parseOperation(item: unknown, id: number): KvOperation {
  const fail = (message: string): never => {
    throw new LincheckInputError(`operation ${id}: ${message}`);
  };
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return fail('must be a JSON object');
  const record = item as Record<string, unknown>;
  for (const field of Object.keys(record)) {
    if (!FIELDS.has(field)) fail(`unknown field ${JSON.stringify(field)}`);
  }
  for (const field of ['client', 'op', 'key', 'output', 'call', 'return']) {
    if (!(field in record)) fail(`missing field "${field}"`);
  }
  const { client, op, key, value, expect, output, call } = record;
  const ret = record.return;
  for (const field of ['client', 'call', 'return']) overflow(record, field, fail);
  if (typeof client !== 'number' || !Number.isSafeInteger(client)) fail(`"client" must be an integer, got ${show(client)}`);
  if (typeof op !== 'string' || !OPS.has(op)) fail(`"op" must be "get", "put", "append" or "cas", got ${show(op)}`);
  if (typeof key !== 'string') fail(`"key" must be a string, got ${show(key)}`);
  if (typeof call !== 'number' || !Number.isFinite(call)) fail(`"call" must be a finite number, got ${show(call)}`);
  if (ret !== null && (typeof ret !== 'number' || !Number.isFinite(ret))) fail(`"return" must be a finite number or null, got ${show(ret)}`);
  if (typeof ret === 'number' && ret < (call as number)) fail(`"return" (${ret}) is before "call" (${String(call)})`);

  const name = op as KvInput['op'];
  if (name === 'get') {
    if ('value' in record) fail('"get" takes no "value"');
  } else if (typeof value !== 'string') {
    fail(`"${name}" needs a string "value", got ${show(value)}`);
  }
  if (name === 'cas') {
    if (!('expect' in record)) fail('"cas" needs "expect" (a string, or null for "key absent")');
    if (expect !== null && typeof expect !== 'string') fail(`"expect" must be a string or null, got ${show(expect)}`);
  } else if ('expect' in record) {
    fail(`"${name}" takes no "expect"`);
  }
  const unknown = ret === null;
  if (!outputFits(name, output, unknown)) fail(`"output" of "${name}" ${outputRule(name, unknown)}, got ${show(output)}`);

  const input: KvInput =
    name === 'get'
      ? { op: name, key: key as string }
      : name === 'cas'
        ? { op: name, key: key as string, expect: expect as string | null, value: value as string }
        : { op: name, key: key as string, value: value as string };
  return {
    id,
    client: client as number,
    input,
    output: unknown ? undefined : (output as KvOutput),
    call: call as number,
    return: ret as number | null,
  };
}

/**
 * JSON.parse turns a number beyond the double range (1e400) into ±Infinity
 * without a word: say so, rather than reporting "Infinity" as if written.
 */
function overflow(record: Record<string, unknown>, field: string, fail: (message: string) => never): void {
  const value = record[field];
  if (value === Number.POSITIVE_INFINITY || value === Number.NEGATIVE_INFINITY) {
    fail(`"${field}" is too large: the number overflows to ${String(value)} (a double ends near ±1.8e308)`);
  }
}

function outputFits(op: KvInput['op'], output: unknown, unknown: boolean): boolean {
  if (op === 'get') return output === null || typeof output === 'string';
  if (op === 'cas') return typeof output === 'boolean' || (unknown && output === null);
  return output === null;
}

function outputRule(op: KvInput['op'], unknown: boolean): string {
  const rule = op === 'get' ? 'must be a string or null (absent)' : op === 'cas' ? 'must be true or false' : 'must be null';
  return unknown && op === 'cas' ? 'must be true, false or null' : rule;
}

/** A client issues one operation at a time; only one whose outcome is unknown may overlap later ones. */
function checkClientsAreSequential(ops: readonly KvOperation[]): void {
  const byClient = new Map<number, KvOperation[]>();
  for (const op of ops) {
    if (op.return === null) continue;
    const list = byClient.get(op.client);
    if (list) list.push(op);
    else byClient.set(op.client, [op]);
  }
  for (const [client, list] of byClient) {
    list.sort((a, b) => a.call - b.call || a.id - b.id);
    for (let i = 1; i < list.length; i++) {
      const before = list[i - 1]!;
      const after = list[i]!;
      if (after.call < before.return!) {
        throw new LincheckInputError(
          `operations ${before.id} and ${after.id}: client ${client} has both in progress at once ([${before.call}, ${before.return}] and [${after.call}, ${after.return}])`,
        );
      }
    }
  }
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
