// Builds the cases our TypeScript wire encoders produce for Go to decode
// (interop/memberlist/gowire `check`). Each case carries what it must decode
// to, in the Go-shaped form the Go checker compares against.
import { createRandom, type Random } from '@shoal/kit';
import {
  encodeMessage,
  encodePacket,
  encodePackets,
  encodePushPull,
  encodeStream,
  encodeUserMsgStream,
  Keyring,
  lzwCompress,
  MessageType,
  AckRespSchema,
  AliveSchema,
  DeadSchema,
  ErrRespSchema,
  IndirectPingReqSchema,
  NackRespSchema,
  PingSchema,
  PushNodeStateSchema,
  PushPullHeaderSchema,
  SuspectSchema,
  type EncryptionVersion,
  type PacketMessage,
  type PushNodeState,
} from '@shoal/memberlist/wire';

type GoValue = Record<string, string | number | boolean | null>;
interface GoMessage {
  type: number;
  struct?: string;
  value?: GoValue;
  raw?: string;
}
export interface WireCase {
  name: string;
  kind: 'packet' | 'stream' | 'lzw';
  keys: string[];
  label: string;
  hex: string;
  crc?: boolean;
  encrypted?: boolean;
  messages?: GoMessage[];
  parts?: string[];
  streamKind?: 'pushPull' | 'user' | 'message';
  header?: GoValue;
  nodes?: GoValue[];
  userState?: string;
  userMsg?: string;
  message?: GoMessage;
  input?: string;
}

const toHex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

type Schema = { fields: Record<string, { goName: string; type: { kind: string } }> };
const STRUCTS: Record<number, [string, Schema]> = {
  [MessageType.Ping]: ['ping', PingSchema],
  [MessageType.IndirectPing]: ['indirectPingReq', IndirectPingReqSchema],
  [MessageType.AckResp]: ['ackResp', AckRespSchema],
  [MessageType.NackResp]: ['nackResp', NackRespSchema],
  [MessageType.Suspect]: ['suspect', SuspectSchema],
  [MessageType.Alive]: ['alive', AliveSchema],
  [MessageType.Dead]: ['dead', DeadSchema],
  [MessageType.Err]: ['errResp', ErrRespSchema],
};

/** Our object → {GoFieldName: value}, bytes as hex, absent bytes as null (Go's nil). */
function toGo(schema: Schema, value: object): GoValue {
  const v = value as Record<string, unknown>;
  const out: GoValue = {};
  for (const [prop, f] of Object.entries(schema.fields)) {
    const x = v[prop];
    if (f.type.kind === 'bytes') out[f.goName] = x === undefined ? null : toHex(x as Uint8Array);
    else out[f.goName] = (x ?? (f.type.kind === 'str' ? '' : f.type.kind === 'bool' ? false : 0)) as string | number | boolean;
  }
  return out;
}

function goMessage(m: PacketMessage): GoMessage {
  if (m.type === MessageType.User) return { type: m.type, raw: toHex(m.payload) };
  const [name, schema] = STRUCTS[m.type]!;
  return { type: m.type, struct: name, value: toGo(schema, m.body) };
}

function bytes(r: Random, max: number): Uint8Array {
  return Uint8Array.from({ length: r.int(max + 1) }, () => r.int(256));
}
/** A []byte field: go-msgpack 0.5.5 decodes an empty str into a nil slice, so empty is sent as nil. */
function maybeBytes(r: Random, max: number): Uint8Array | undefined {
  const b = r.chance(0.25) ? undefined : bytes(r, max);
  return b === undefined || b.length === 0 ? undefined : b;
}
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789-._éü節点';
function text(r: Random, max: number): string {
  return Array.from({ length: r.int(max + 1) }, () => ALPHABET[r.int(ALPHABET.length)]!).join('');
}
const u32 = (r: Random): number => r.pick([0, 1, 127, 128, 255, 256, 65535, 65536, 0xffffffff, r.uint32()])!;
const u16 = (r: Random): number => r.pick([0, 1, 127, 128, 255, 256, 7946, 65535, r.int(65536)])!;

/** Empty omitempty byte fields are generated as undefined: Go reads an omitted []byte back as nil. */
function randomMessage(r: Random): PacketMessage {
  switch (r.int(8)) {
    case 0:
      return { type: 0, body: { seqNo: u32(r), node: text(r, 40), sourceAddr: r.chance(0.5) ? Uint8Array.of(10, 0, 0, r.int(256)) : undefined, sourcePort: u16(r), sourceNode: text(r, 10) } };
    case 1:
      return { type: 1, body: { seqNo: u32(r), target: maybeBytes(r, 16), port: u16(r), node: text(r, 20), nack: r.chance(0.5), sourceAddr: undefined, sourcePort: 0, sourceNode: '' } };
    case 2:
      return { type: 2, body: { seqNo: u32(r), payload: maybeBytes(r, 60) } };
    case 3:
      return { type: 11, body: { seqNo: u32(r) } };
    case 4:
      return { type: 3, body: { incarnation: u32(r), node: text(r, 40), from: text(r, 40) } };
    case 5:
      return { type: 5, body: { incarnation: u32(r), node: text(r, 40), from: text(r, 40) } };
    case 6:
      return { type: 4, body: { incarnation: u32(r), node: text(r, 70), addr: maybeBytes(r, 16), port: u16(r), meta: maybeBytes(r, 100), vsn: Uint8Array.of(1, 5, r.int(6), 0, r.int(3), r.int(3)) } };
    default:
      return { type: 8, payload: bytes(r, 80) };
  }
}

function randomNode(r: Random): PushNodeState {
  return { name: text(r, 30), addr: maybeBytes(r, 16), port: u16(r), meta: maybeBytes(r, 40), incarnation: u32(r), state: r.int(4), vsn: Uint8Array.of(1, 5, 2, 0, 0, 0) };
}

const KEYS = [16, 24, 32].map((n) => Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff));

export function buildCases(seed: number): WireCase[] {
  const r = createRandom(seed);
  const nonce = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => r.int(256));
  const cases: WireCase[] = [];

  const packet = (name: string, messages: PacketMessage[], o: { crc?: boolean; compress?: boolean; key?: Uint8Array; version?: EncryptionVersion; label?: string } = {}): void => {
    const keyring = o.key === undefined ? undefined : Keyring.create([], o.key);
    const parts = messages.map(encodeMessage);
    const label = o.label ?? '';
    const hex = encodePacket(parts, { crc: o.crc, compress: o.compress, keyring, encryptionVersion: o.version, label, randomBytes: nonce });
    cases.push({ name, kind: 'packet', keys: o.key ? [toHex(o.key)] : [], label, hex: toHex(hex), crc: o.crc ?? false, encrypted: o.key !== undefined, messages: messages.map(goMessage), parts: parts.map(toHex) });
  };

  const everyType: PacketMessage[] = [
    { type: 0, body: { seqNo: 1, node: 'node-b', sourceAddr: Uint8Array.of(127, 0, 0, 1), sourcePort: 7946, sourceNode: 'node-a' } },
    { type: 0, body: { seqNo: 2, node: 'node-b', sourceAddr: undefined, sourcePort: 0, sourceNode: '' } },
    { type: 1, body: { seqNo: 3, target: Uint8Array.of(10, 0, 0, 9), port: 7946, node: 'node-c', nack: true, sourceAddr: Uint8Array.of(127, 0, 0, 1), sourcePort: 7947, sourceNode: 'node-a' } },
    { type: 2, body: { seqNo: 4, payload: undefined } },
    { type: 2, body: { seqNo: 5, payload: new Uint8Array(40).fill(0xab) } },
    { type: 11, body: { seqNo: 70000 } },
    { type: 3, body: { incarnation: 2, node: 'node-b', from: 'node-a' } },
    { type: 4, body: { incarnation: 1, node: 'node-a', addr: Uint8Array.of(127, 0, 0, 1), port: 7946, meta: undefined, vsn: Uint8Array.of(1, 5, 2, 0, 0, 0) } },
    { type: 4, body: { incarnation: 9, node: 'n'.repeat(40), addr: Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 10, 0, 0, 7), port: 1, meta: new Uint8Array(512).fill(7), vsn: Uint8Array.of(1, 5, 5, 0, 2, 1) } },
    { type: 5, body: { incarnation: 9, node: 'node-b', from: 'node-b' } },
    { type: 8, payload: new TextEncoder().encode('user broadcast') },
  ];
  everyType.forEach((m, i) => packet(`bare-${i}-type-${m.type}`, [m]));
  packet('compound-every-type', everyType);
  packet('compound-crc', everyType, { crc: true });
  packet('compound-compressed-crc', [...everyType, ...everyType], { crc: true, compress: true });
  for (const version of [0, 1] as const) {
    for (const key of KEYS) {
      packet(`encrypted-v${version}-aes${key.length * 8}`, everyType.slice(5), { crc: true, key, version });
      packet(`encrypted-labelled-v${version}-aes${key.length * 8}`, everyType.slice(0, 4), { crc: true, compress: true, key, version, label: 'prod-ü' });
    }
  }
  packet('labelled-plain', everyType.slice(3, 6), { label: 'x'.repeat(255) });
  // More than 255 parts: split over packets, each checked on its own.
  const many = Array.from({ length: 600 }, (_, i): PacketMessage => ({ type: 11, body: { seqNo: i } }));
  encodePackets(many.map(encodeMessage), { crc: true }).forEach((p, i) => {
    const chunk = many.slice(i * 255, i * 255 + 255);
    cases.push({ name: `split-${i}`, kind: 'packet', keys: [], label: '', hex: toHex(p), crc: true, encrypted: false, messages: chunk.map(goMessage), parts: chunk.map((m) => toHex(encodeMessage(m))) });
  });
  for (let i = 0; i < 300; i++) {
    const msgs = Array.from({ length: 1 + r.int(12) }, () => randomMessage(r));
    const key = r.chance(0.5) ? r.pick(KEYS) : undefined;
    packet(`random-packet-${i}`, msgs, { crc: r.chance(0.5), compress: r.chance(0.5), key, version: r.pick([0, 1] as const), label: r.chance(0.3) ? text(r, 12) || 'l' : '' });
  }

  const stream = (name: string, c: Omit<WireCase, 'name' | 'kind' | 'keys' | 'label' | 'hex'>, inner: Uint8Array, o: { compress?: boolean; key?: Uint8Array; version?: EncryptionVersion; label?: string }): void => {
    const keyring = o.key === undefined ? undefined : Keyring.create([], o.key);
    const label = o.label ?? '';
    const hex = encodeStream(inner, { compress: o.compress, keyring, encryptionVersion: o.version, label, writeLabelHeader: true, randomBytes: nonce });
    cases.push({ name, kind: 'stream', keys: o.key ? [toHex(o.key)] : [], label, hex: toHex(hex), ...c });
  };
  const pushPull = (name: string, join: boolean, nodes: PushNodeState[], userState: Uint8Array, o: Parameters<typeof stream>[3]): void =>
    stream(
      name,
      {
        streamKind: 'pushPull',
        header: toGo(PushPullHeaderSchema as unknown as Schema, { nodes: nodes.length, userStateLen: userState.length, join }),
        nodes: nodes.map((n) => toGo(PushNodeStateSchema as unknown as Schema, n)),
        userState: toHex(userState),
      },
      encodePushPull(join, nodes, userState),
      o,
    );
  const someNodes = Array.from({ length: 5 }, () => randomNode(r));
  pushPull('pushpull-plain', true, someNodes, new Uint8Array(0), {});
  pushPull('pushpull-compressed', false, someNodes, new TextEncoder().encode('delegate state'), { compress: true });
  for (const version of [0, 1] as const) {
    for (const key of KEYS) pushPull(`pushpull-enc-v${version}-aes${key.length * 8}`, true, someNodes, bytes(r, 50), { compress: true, key, version, label: version === 1 ? 'prod' : '' });
  }
  const userMsg = (name: string, payload: Uint8Array, o: Parameters<typeof stream>[3]): void =>
    stream(name, { streamKind: 'user', userMsg: toHex(payload) }, encodeUserMsgStream(payload), o);
  userMsg('user-plain', new TextEncoder().encode('hello'), {});
  userMsg('user-compressed-enc', bytes(r, 3000), { compress: true, key: KEYS[2], version: 1 });
  const single = (name: string, m: PacketMessage, o: Parameters<typeof stream>[3]): void => stream(name, { streamKind: 'message', message: goMessage(m) }, encodeMessage(m), o);
  single('ping-stream', everyType[0]!, { compress: true });
  single('ack-stream', everyType[3]!, {});
  single('err-stream', { type: MessageType.Err, body: { error: 'remote state is encrypted' } }, { compress: true, key: KEYS[0], version: 0 });
  for (let i = 0; i < 60; i++) {
    const nodes = Array.from({ length: r.int(30) }, () => randomNode(r));
    pushPull(`random-pushpull-${i}`, r.chance(0.5), nodes, bytes(r, 200), { compress: r.chance(0.7), key: r.chance(0.5) ? r.pick(KEYS) : undefined, version: r.pick([0, 1] as const), label: r.chance(0.3) ? 'lbl' : '' });
  }

  const lzw = (name: string, input: Uint8Array): void => {
    cases.push({ name, kind: 'lzw', keys: [], label: '', hex: toHex(lzwCompress(input)), input: toHex(input) });
  };
  lzw('lzw-one', Uint8Array.of(1));
  lzw('lzw-zeros-100k', new Uint8Array(100_000));
  lzw('lzw-square-mod-251', Uint8Array.from({ length: 20000 }, (_, i) => (i * i + 7 * i) % 251));
  for (let i = 0; i < 20; i++) lzw(`lzw-random-${i}`, r.chance(0.5) ? bytes(r, 50_000) : Uint8Array.from({ length: r.int(60_000) }, () => r.int(4)));
  return cases;
}
