// Loads the Go-generated fixtures (packages/memberlist/fixtures, written by
// interop/memberlist/fixtures-gen) and converts their Go-shaped values
// ({GoFieldName: value}, bytes as hex, nil as null) into our message objects.
// Test support only; not exported from the package.
import { readFileSync } from 'node:fs';
import type { MsgType, StructType } from '@shoal/kit';
import {
  AckRespSchema,
  AliveSchema,
  CompressSchema,
  DeadSchema,
  ErrRespSchema,
  IndirectPingReqSchema,
  NackRespSchema,
  PingSchema,
  PushNodeStateSchema,
  PushPullHeaderSchema,
  SuspectSchema,
  UserMsgHeaderSchema,
  type PacketMessage,
} from './messages.js';
import { MessageType } from './types.js';

const FIXTURES = new URL('../../fixtures/', import.meta.url);

export function loadFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as T;
}

export const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
export const toHex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

export type GoValue = Record<string, string | number | boolean | null>;

export interface GoMessage {
  type: number;
  struct?: string;
  value?: GoValue;
  raw?: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyStruct = StructType<any>;

export const SCHEMA_BY_GO_NAME: Record<string, AnyStruct> = {
  ping: PingSchema,
  indirectPingReq: IndirectPingReqSchema,
  ackResp: AckRespSchema,
  nackResp: NackRespSchema,
  errResp: ErrRespSchema,
  suspect: SuspectSchema,
  alive: AliveSchema,
  dead: DeadSchema,
  pushPullHeader: PushPullHeaderSchema,
  userMsgHeader: UserMsgHeaderSchema,
  pushNodeState: PushNodeStateSchema,
  compress: CompressSchema,
};

/** A Go-shaped value to the object our schema decodes to. */
export function fromGo(schema: AnyStruct, value: GoValue): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [prop, f] of Object.entries(schema.fields as Record<string, { goName: string; type: MsgType<unknown> }>)) {
    if (!(f.goName in value)) throw new Error(`fixture value lacks ${f.goName}`);
    const v = value[f.goName];
    out[prop] = f.type.kind === 'bytes' ? (v === null ? undefined : hex(v as string)) : v;
  }
  return out;
}

export function schemaFor(structName: string): AnyStruct {
  const s = SCHEMA_BY_GO_NAME[structName];
  if (s === undefined) throw new Error(`no schema for ${structName}`);
  return s;
}

/** A fixture's expected message as the packet decoder returns it. */
export function expectedMessage(m: GoMessage): PacketMessage {
  if (m.raw !== undefined) return { type: MessageType.User, payload: hex(m.raw) };
  return { type: m.type, body: fromGo(schemaFor(m.struct!), m.value!) } as PacketMessage;
}
