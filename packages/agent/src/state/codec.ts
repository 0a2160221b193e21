// Command ⇄ bytes, as a raft log entry carries it: one version byte, then
// UTF-8 JSON with values in base64. decodeCommand is total: whatever the bytes,
// it returns a Command or an AgentDecodeError, and allocates at most about
// MAX_COMMAND_BYTES.
import { fromUtf8, utf8 } from '@shoal/kit';
import { AgentDecodeError } from '../errors.js';
import { MAX_CHECKS_PER_REGISTER, MAX_COMMAND_BYTES, MAX_KEY_LENGTH, MAX_LOCK_DELAY_MS, MAX_SESSION_TTL_MS, MAX_TXN_OPS, MAX_VALUE_BYTES, MIN_SESSION_TTL_MS } from '../limits.js';
import type { CheckSpec, Command, KVOp, KVVerb, NodeSpec, ServiceSpec, SessionSpec } from './commands.js';
import { array, base64, bool, fail, isUint64String, object, oneOf, optionalString, string, stringMap, strings, toBase64, uint, type Json } from './decode-fields.js';

export const COMMAND_CODEC_VERSION = 1;

export const KV_VERBS: readonly KVVerb[] = ['set', 'cas', 'lock', 'unlock', 'get', 'get-tree', 'check-index', 'check-session', 'check-not-exists', 'delete', 'delete-tree', 'delete-cas'];

export type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: AgentDecodeError };

export function encodeCommand(command: Command): Uint8Array {
  const json = JSON.stringify(command, (_key, value: unknown) => (value instanceof Uint8Array ? toBase64(value) : value));
  const body = utf8(json);
  const out = new Uint8Array(body.length + 1);
  out[0] = COMMAND_CODEC_VERSION;
  out.set(body, 1);
  return out;
}

export function decodeCommand(bytes: Uint8Array): Decoded<Command> {
  try {
    if (bytes.length === 0) fail('command: empty');
    if (bytes.length > MAX_COMMAND_BYTES) fail(`command: ${bytes.length} bytes, more than ${MAX_COMMAND_BYTES}`);
    if (bytes[0] !== COMMAND_CODEC_VERSION) fail(`command: unknown codec version ${bytes[0]}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(fromUtf8(bytes.subarray(1)));
    } catch {
      fail('command: not JSON');
    }
    return { ok: true, value: commandOf(object(parsed, 'command')) };
  } catch (error) {
    if (error instanceof AgentDecodeError) return { ok: false, error };
    return { ok: false, error: new AgentDecodeError(`command: ${error instanceof Error ? error.message : String(error)}`) };
  }
}

function commandOf(o: Json): Command {
  switch (o.type) {
    case 'kv':
      return { type: 'kv', op: kvOpOf(object(o.op, 'op')) };
    case 'txn': {
      const ops = array(o.ops, 'ops', MAX_TXN_OPS).map((op, i) => kvOpOf(object(op, `ops[${i}]`)));
      if (ops.length === 0) fail('ops: empty');
      return { type: 'txn', ops };
    }
    case 'session-create':
      return { type: 'session-create', session: sessionOf(object(o.session, 'session')) };
    case 'session-destroy':
      return { type: 'session-destroy', id: string(o, 'id') };
    case 'register': {
      const checks = o.checks === undefined ? undefined : array(o.checks, 'checks', MAX_CHECKS_PER_REGISTER).map((c, i) => checkOf(object(c, `checks[${i}]`)));
      return {
        type: 'register',
        node: nodeOf(object(o.node, 'node')),
        ...(o.service === undefined ? {} : { service: serviceOf(object(o.service, 'service')) }),
        ...(checks === undefined ? {} : { checks }),
      };
    }
    case 'deregister': {
      const serviceId = optionalString(o, 'serviceId');
      const checkId = optionalString(o, 'checkId');
      return { type: 'deregister', node: string(o, 'node'), ...(serviceId === undefined ? {} : { serviceId }), ...(checkId === undefined ? {} : { checkId }) };
    }
    default:
      return fail(`command: unknown type ${JSON.stringify(o.type)?.slice(0, 40)}`);
  }
}

function kvOpOf(o: Json): KVOp {
  const verb = oneOf(o, 'verb', KV_VERBS);
  const flags = optionalString(o, 'flags', 20);
  if (flags !== undefined && !isUint64String(flags)) fail('flags: not a uint64');
  const session = optionalString(o, 'session');
  return {
    verb,
    key: string(o, 'key', MAX_KEY_LENGTH),
    ...(o.value === undefined ? {} : { value: base64(o.value, 'value', MAX_VALUE_BYTES) }),
    ...(flags === undefined ? {} : { flags }),
    ...(o.index === undefined ? {} : { index: uint(o, 'index') }),
    ...(session === undefined ? {} : { session }),
  };
}

export function sessionOf(o: Json): SessionSpec {
  const ttlMs = uint(o, 'ttlMs', MAX_SESSION_TTL_MS);
  if (ttlMs !== 0 && ttlMs < MIN_SESSION_TTL_MS) fail(`ttlMs: below ${MIN_SESSION_TTL_MS}`);
  return {
    id: string(o, 'id'),
    name: string(o, 'name'),
    node: string(o, 'node'),
    nodeChecks: strings(o.nodeChecks, 'nodeChecks'),
    behavior: oneOf(o, 'behavior', ['release', 'delete']),
    ttlMs,
    lockDelayMs: uint(o, 'lockDelayMs', MAX_LOCK_DELAY_MS),
  };
}

export function nodeOf(o: Json): NodeSpec {
  return {
    node: string(o, 'node'),
    id: string(o, 'id'),
    address: string(o, 'address'),
    datacenter: string(o, 'datacenter'),
    ...(o.meta === undefined ? {} : { meta: stringMap(o.meta, 'meta') }),
    ...(o.taggedAddresses === undefined ? {} : { taggedAddresses: stringMap(o.taggedAddresses, 'taggedAddresses') }),
  };
}

export function serviceOf(o: Json): ServiceSpec {
  return {
    id: string(o, 'id'),
    service: string(o, 'service'),
    tags: strings(o.tags, 'tags'),
    address: string(o, 'address'),
    port: uint(o, 'port', 65535),
    meta: stringMap(o.meta, 'meta'),
    enableTagOverride: bool(o, 'enableTagOverride'),
  };
}

export function checkOf(o: Json): CheckSpec {
  return {
    checkId: string(o, 'checkId'),
    name: string(o, 'name'),
    status: oneOf(o, 'status', ['passing', 'warning', 'critical']),
    notes: string(o, 'notes'),
    output: string(o, 'output'),
    serviceId: string(o, 'serviceId'),
    type: string(o, 'type'),
  };
}
