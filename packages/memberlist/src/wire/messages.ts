import { decodeFrom, field, MsgpackDecodeError, struct, t, Writer, type DecodeOptions, type MsgType, type StructValue } from '@shoal/kit';
import { WireError, WireErrorCode } from './errors.js';
import { MessageType } from './types.js';

// The msgpack structs of memberlist's messages (spec §3.1). Property names are
// ours; the wire keys are the Go field names, which the codec sorts.

export const PingSchema = struct({
  seqNo: field('SeqNo', t.uint32),
  /** The intended recipient's name; Go drops a ping whose non-empty Node is not its own. */
  node: field('Node', t.str),
  sourceAddr: field('SourceAddr', t.bytes, { omitEmpty: true }),
  sourcePort: field('SourcePort', t.uint16, { omitEmpty: true }),
  sourceNode: field('SourceNode', t.str, { omitEmpty: true }),
});

export const IndirectPingReqSchema = struct({
  seqNo: field('SeqNo', t.uint32),
  target: field('Target', t.bytes),
  port: field('Port', t.uint16),
  node: field('Node', t.str),
  nack: field('Nack', t.bool),
  sourceAddr: field('SourceAddr', t.bytes, { omitEmpty: true }),
  sourcePort: field('SourcePort', t.uint16, { omitEmpty: true }),
  sourceNode: field('SourceNode', t.str, { omitEmpty: true }),
});

export const AckRespSchema = struct({
  seqNo: field('SeqNo', t.uint32),
  payload: field('Payload', t.bytes),
});

export const NackRespSchema = struct({ seqNo: field('SeqNo', t.uint32) });

export const ErrRespSchema = struct({ error: field('Error', t.str) });

export const SuspectSchema = struct({
  incarnation: field('Incarnation', t.uint32),
  node: field('Node', t.str),
  from: field('From', t.str),
});

export const AliveSchema = struct({
  incarnation: field('Incarnation', t.uint32),
  node: field('Node', t.str),
  addr: field('Addr', t.bytes),
  port: field('Port', t.uint16),
  meta: field('Meta', t.bytes),
  /** [pmin, pmax, pcur, dmin, dmax, dcur], written as a 6-byte raw string. */
  vsn: field('Vsn', t.bytes),
});

/** From === node means the node left rather than died. */
export const DeadSchema = struct({
  incarnation: field('Incarnation', t.uint32),
  node: field('Node', t.str),
  from: field('From', t.str),
});

export const PushPullHeaderSchema = struct({
  nodes: field('Nodes', t.int),
  userStateLen: field('UserStateLen', t.int),
  join: field('Join', t.bool),
});

export const UserMsgHeaderSchema = struct({ userMsgLen: field('UserMsgLen', t.int) });

export const PushNodeStateSchema = struct({
  name: field('Name', t.str),
  addr: field('Addr', t.bytes),
  port: field('Port', t.uint16),
  meta: field('Meta', t.bytes),
  incarnation: field('Incarnation', t.uint32),
  /** NodeStateType: 0 alive, 1 suspect, 2 dead, 3 left. */
  state: field('State', t.int),
  vsn: field('Vsn', t.bytes),
});

export const CompressSchema = struct({
  /** 0 = LZW, the only algorithm. */
  algo: field('Algo', t.uint8),
  buf: field('Buf', t.bytes),
});

export type Ping = StructValue<typeof PingSchema.fields>;
export type IndirectPingReq = StructValue<typeof IndirectPingReqSchema.fields>;
export type AckResp = StructValue<typeof AckRespSchema.fields>;
export type NackResp = StructValue<typeof NackRespSchema.fields>;
export type ErrResp = StructValue<typeof ErrRespSchema.fields>;
export type Suspect = StructValue<typeof SuspectSchema.fields>;
export type Alive = StructValue<typeof AliveSchema.fields>;
export type Dead = StructValue<typeof DeadSchema.fields>;
export type PushPullHeader = StructValue<typeof PushPullHeaderSchema.fields>;
export type UserMsgHeader = StructValue<typeof UserMsgHeaderSchema.fields>;
export type PushNodeState = StructValue<typeof PushNodeStateSchema.fields>;
export type Compress = StructValue<typeof CompressSchema.fields>;

/** A message that is a single msgpack struct after its type byte. */
export type StructMessage =
  | { readonly type: typeof MessageType.Ping; readonly body: Ping }
  | { readonly type: typeof MessageType.IndirectPing; readonly body: IndirectPingReq }
  | { readonly type: typeof MessageType.AckResp; readonly body: AckResp }
  | { readonly type: typeof MessageType.NackResp; readonly body: NackResp }
  | { readonly type: typeof MessageType.Suspect; readonly body: Suspect }
  | { readonly type: typeof MessageType.Alive; readonly body: Alive }
  | { readonly type: typeof MessageType.Dead; readonly body: Dead }
  | { readonly type: typeof MessageType.Err; readonly body: ErrResp };

/** A UDP user message: everything after the type byte, not msgpack. */
export interface UserPacketMessage {
  readonly type: typeof MessageType.User;
  readonly payload: Uint8Array;
}

/** A leaf message of a UDP packet, after compound/compress unwrapping. */
export type PacketMessage = StructMessage | UserPacketMessage;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const SCHEMAS: Partial<Record<number, MsgType<any>>> = {
  [MessageType.Ping]: PingSchema,
  [MessageType.IndirectPing]: IndirectPingReqSchema,
  [MessageType.AckResp]: AckRespSchema,
  [MessageType.NackResp]: NackRespSchema,
  [MessageType.Suspect]: SuspectSchema,
  [MessageType.Alive]: AliveSchema,
  [MessageType.Dead]: DeadSchema,
  [MessageType.Err]: ErrRespSchema,
};

const DECODE_OPTIONS: DecodeOptions = { maxDepth: 16 };

/** True for the types {@link decodeStructMessage} handles. */
export function isStructMessageType(type: number): type is StructMessage['type'] {
  return SCHEMAS[type] !== undefined;
}

/** Appends `[type][msgpack body]` (or `[8][payload]` for a user message) to `w`. */
export function writeMessage(w: Writer, msg: PacketMessage): void {
  w.u8(msg.type);
  if (msg.type === MessageType.User) w.bytes(msg.payload);
  else w.encode(SCHEMAS[msg.type]!, msg.body);
}

/** `[type][body]` as one array, the form compound parts and packets take. */
export function encodeMessage(msg: PacketMessage): Uint8Array {
  const w = scratch.reset();
  writeMessage(w, msg);
  return w.toBytes();
}

/** Reused by encodeMessage: encoding is synchronous and toBytes copies out. */
const scratch = new Writer({ initialCapacity: 1024 });

/**
 * Decodes the body of a struct message. Like Go's decode(), bytes after the
 * value are ignored. Byte fields are copied, so results never alias the input.
 */
export function decodeStructMessage(type: StructMessage['type'], body: Uint8Array): StructMessage {
  return { type, body: decodeStruct(SCHEMAS[type]!, body, 0, `message type ${type}`).value } as StructMessage;
}

/** Decodes one value from a complete buffer: a cut-short value is ERR_TRUNCATED. */
export function decodeStruct<T>(schema: MsgType<T>, buf: Uint8Array, offset: number, what: string, options?: DecodeOptions): { value: T; offset: number } {
  const step = decodeValueStep(schema, buf, offset, what, options);
  if (step === 'need-more') throw new WireError(WireErrorCode.Truncated, `${what}: input ends inside the value`);
  return step;
}

/**
 * Incremental form: 'need-more' when the value is not complete yet. Codec
 * failures become WireErrors: ERR_TOO_LARGE for a claimed length over the
 * limits, ERR_MSGPACK otherwise (the codec's own code is kept as the cause).
 */
export function decodeValueStep<T>(
  schema: MsgType<T>,
  buf: Uint8Array,
  offset: number,
  what: string,
  options: DecodeOptions = DECODE_OPTIONS,
): { value: T; offset: number } | 'need-more' {
  try {
    const step = decodeFrom(schema, buf, offset, options);
    if (step.needMore) return 'need-more';
    return { value: step.value, offset: step.offset };
  } catch (e) {
    if (e instanceof MsgpackDecodeError) {
      const code = e.code === 'ERR_MSGPACK_LIMIT' ? WireErrorCode.TooLarge : WireErrorCode.Msgpack;
      throw new WireError(code, `${what}: ${e.message} [${e.code}]`, { cause: e });
    }
    throw e;
  }
}
