// The framing of POST /v1/internal/shoal/apply-batch (internal-api.ts): a
// follower's concurrent forwarded writes in one request, and the leader's
// answer to each in one response, each exactly what the apply endpoint would
// have answered for it alone.
//   request:  repeated [u32 length][encoded command]
//   response: repeated [u16 status][u32 length][answer body]
// Both decoders are total: malformed bytes give undefined, never a throw.

/** Most commands in one batch. */
export const MAX_BATCH_COMMANDS = 128;

export interface FramedAnswer {
  readonly status: number;
  readonly body: Uint8Array;
}

export function encodeBatchRequest(commands: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(commands.reduce((n, c) => n + 4 + c.length, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const c of commands) {
    view.setUint32(at, c.length);
    out.set(c, at + 4);
    at += 4 + c.length;
  }
  return out;
}

export function decodeBatchRequest(bytes: Uint8Array): Uint8Array[] | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const commands: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (commands.length === MAX_BATCH_COMMANDS || at + 4 > bytes.length) return undefined;
    const length = view.getUint32(at);
    if (at + 4 + length > bytes.length) return undefined;
    commands.push(bytes.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  return commands.length === 0 ? undefined : commands;
}

export function encodeBatchAnswer(answers: readonly FramedAnswer[]): Uint8Array {
  const out = new Uint8Array(answers.reduce((n, a) => n + 6 + a.body.length, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const a of answers) {
    view.setUint16(at, a.status);
    view.setUint32(at + 2, a.body.length);
    out.set(a.body, at + 6);
    at += 6 + a.body.length;
  }
  return out;
}

/** The answers, if `bytes` holds exactly `count` of them. */
export function decodeBatchAnswer(bytes: Uint8Array, count: number): FramedAnswer[] | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const answers: FramedAnswer[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (answers.length === count || at + 6 > bytes.length) return undefined;
    const status = view.getUint16(at);
    const length = view.getUint32(at + 2);
    if (at + 6 + length > bytes.length) return undefined;
    answers.push({ status, body: bytes.subarray(at + 6, at + 6 + length) });
    at += 6 + length;
  }
  return answers.length === count ? answers : undefined;
}
